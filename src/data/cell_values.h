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

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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
    padded_ = direct_;
    for (const std::string& level : levels) padded_ = padded_ && level.size() <= 16;
    if (padded_) {
      padded_levels_.resize(levels.size());
      for (size_t k = 0; k < levels.size(); ++k) {
        std::memcpy(padded_levels_[k].bytes.data(), levels[k].data(), levels[k].size());
        padded_levels_[k].size = static_cast<uint8_t>(levels[k].size());
      }
    }
  }

  // Same as Find, for a `text` inside a buffer that stays readable up to
  // `readable_end`: when 16 bytes from text.data() are readable, the level
  // is compared in one 16-byte step against a zero-padded copy.
  int32_t FindInBuffer(const std::vector<std::string>& levels, std::string_view text,
                       const char* readable_end) const {
#if defined(__SSE2__)
    if (padded_ && !text.empty() && text.size() <= 16 && readable_end - text.data() >= 16) {
      const int code = slot_[Hash(text)] - 1;
      if (code < 0) return kMissingCode;
      const PaddedLevel& level = padded_levels_[static_cast<size_t>(code)];
      if (level.size != text.size()) return kMissingCode;
      const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data()));
      const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(level.bytes.data()));
      const unsigned equal = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(a, b)));
      const unsigned wanted = (1u << text.size()) - 1;  // the text's bytes only
      return (equal & wanted) == wanted ? code : kMissingCode;
    }
#endif
    return Find(levels, text);
  }

  // Index of `text` in `levels` (the vector this lookup was built from), or
  // kMissingCode.
  int32_t Find(const std::vector<std::string>& levels, std::string_view text) const {
    if (text.empty()) return kMissingCode;
    if (direct_) {
      const int code = slot_[Hash(text)] - 1;
      if (code < 0) return kMissingCode;
      const std::string& level = levels[static_cast<size_t>(code)];
      if (level.size() != text.size()) return kMissingCode;
      // Levels are short: an inline loop beats a call to memcmp.
      for (size_t i = 0; i < text.size(); ++i) {
        if (level[i] != text[i]) return kMissingCode;
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

  struct PaddedLevel {
    std::array<char, 16> bytes{};  // the level, zero-padded
    uint8_t size = 0;
  };

  bool direct_ = false;
  std::array<int8_t, 64> slot_{};  // index + 1, 0 = none
  bool padded_ = false;            // direct_ and every level at most 16 bytes
  std::vector<PaddedLevel> padded_levels_;
};

}  // namespace churnml
