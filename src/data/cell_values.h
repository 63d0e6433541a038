#pragma once

// How one cell's text becomes a typed value, and the closed-vocabulary lookup
// from a category level to its index. The CSV row converter and the serving
// layer's JSON/OIP decoder both read values through these, so "+3", " 7 " and
// a category level mean the same thing in a file and in a request.

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "data/dataset.h"

namespace churnml {

// `s` without leading and trailing spaces and tabs.
inline std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A finite number written in full (an optional '+', no trailing text).
inline bool ParseNumber(std::string_view s, double* out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size() && std::isfinite(*out);
}

// A whole number written without a fraction or exponent.
inline bool ParseInteger(std::string_view s, double* out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return false;
  *out = static_cast<double>(v);
  return true;
}

// Level → index for a closed vocabulary, built once per column: a 64-slot
// table indexed by a hash of (size, first byte, last byte) when the levels do
// not collide under it (one probe, no unpredictable branch), else a scan. The
// levels themselves stay with their owner (the schema) and are passed to Find,
// so the table stays valid when its owner is copied or moved.
class CategoryLookup {
 public:
  CategoryLookup() = default;
  explicit CategoryLookup(const std::vector<std::string>& levels) {
    direct_ = !levels.empty() && levels.size() < 128;
    for (size_t k = 0; k < levels.size() && direct_; ++k) {
      int8_t& slot = slot_[Hash(levels[k])];
      if (levels[k].empty() || slot != 0) direct_ = false;
      slot = static_cast<int8_t>(k + 1);
    }
  }

  // Index of `text` in `levels` (the vector this lookup was built from), or
  // kMissingCode.
  int32_t Find(const std::vector<std::string>& levels, std::string_view text) const {
    if (text.empty()) return kMissingCode;
    if (direct_) {
      const int code = slot_[Hash(text)] - 1;
      if (code < 0) return kMissingCode;
      const std::string& level = levels[static_cast<size_t>(code)];
      if (level.size() != text.size() || std::memcmp(level.data(), text.data(), text.size()) != 0) {
        return kMissingCode;
      }
      return code;
    }
    for (size_t k = 0; k < levels.size(); ++k) {
      if (levels[k] == text) return static_cast<int32_t>(k);
    }
    return kMissingCode;
  }

 private:
  // Requires a non-empty `s`.
  static size_t Hash(std::string_view s) {
    return (s.size() * 7 + static_cast<unsigned char>(s.front()) * 3 +
            static_cast<unsigned char>(s.back())) &
           63;
  }

  bool direct_ = false;
  std::array<int8_t, 64> slot_{};  // index + 1, 0 = none
};

}  // namespace churnml
