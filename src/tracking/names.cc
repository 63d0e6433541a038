#include "tracking/names.h"

#include <algorithm>
#include <cctype>
#include <random>

namespace churnml::tracking {
namespace {

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-';
}

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

}  // namespace

Status ValidateName(std::string_view what, std::string_view name) {
  bool ok = !name.empty() && name.size() <= 128 &&
            std::isalnum(static_cast<unsigned char>(name.front())) != 0;
  for (char c : name) ok = ok && IsNameChar(c);
  if (!ok) {
    return InvalidArgumentError(std::string(what) + " " + Quoted(name) +
                                " is invalid: use 1-128 letters, digits, '_', '.' or '-', "
                                "starting with a letter or digit");
  }
  return Status::Ok();
}

Status ValidateAlias(std::string_view alias) {
  CHURNML_RETURN_IF_ERROR(ValidateName("alias", alias));
  bool all_digits = true;
  for (char c : alias) all_digits = all_digits && std::isdigit(static_cast<unsigned char>(c));
  if (all_digits) {
    return InvalidArgumentError("alias " + Quoted(alias) +
                                " is invalid: an alias cannot be a number (it reads as a version)");
  }
  if (alias == "latest") {
    return InvalidArgumentError("alias \"latest\" is reserved: NAME@latest is the newest version");
  }
  return Status::Ok();
}

bool IsKeyChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-' ||
         c == '/' || c == ':';
}

Status ValidateKey(std::string_view what, std::string_view key) {
  bool ok = !key.empty() && key.size() <= 250;
  for (char c : key) ok = ok && IsKeyChar(c);
  if (!ok) {
    return InvalidArgumentError(
        std::string(what) + " " + Quoted(key) +
        " is invalid: use 1-250 letters, digits, '_', '.', '-', '/' or ':'");
  }
  return Status::Ok();
}

Status ValidateRunId(std::string_view run_id) {
  bool ok = run_id.size() == 32;
  for (char c : run_id)
    ok = ok && (std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f'));
  if (!ok) {
    return InvalidArgumentError("run id " + Quoted(run_id) + " is invalid: expected 32 hex digits");
  }
  return Status::Ok();
}

std::string NewRunId() {
  // A fresh random_device per id: a seeded engine would repeat ids in forked children.
  std::random_device device;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  uint64_t bits = 0;
  for (size_t i = 0; i < id.size(); ++i) {
    if (i % 16 == 0) bits = (static_cast<uint64_t>(device()) << 32) | device();
    id[i] = kHex[bits & 0xf];
    bits >>= 4;
  }
  return id;
}

Status ValidateRunIdPrefix(std::string_view prefix) {
  bool ok = prefix.size() >= kMinRunIdPrefix && prefix.size() <= 32;
  for (char c : prefix) ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!ok) {
    return InvalidArgumentError(
        "run id " + Quoted(prefix) + " is invalid: give the 32 hex digits " +
        "or a unique prefix of at least " + std::to_string(kMinRunIdPrefix));
  }
  return Status::Ok();
}

std::string ClosestName(std::string_view name, const std::vector<std::string>& candidates) {
  // Optimal string alignment distance (Levenshtein plus adjacent
  // transpositions, so "modle" is one edit from "model"), case-insensitive.
  // Keys are at most 250 characters, so the table stays small.
  auto lower = [](char c) { return std::tolower(static_cast<unsigned char>(c)); };
  auto distance = [&](std::string_view a, std::string_view b) {
    std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
    for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
      for (size_t j = 1; j <= b.size(); ++j) {
        size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
        d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
        if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
            lower(a[i - 2]) == lower(b[j - 1])) {
          d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.size()][b.size()];
  };
  // Short names allow one edit; longer ones two, or a third of their length.
  const size_t limit = name.size() <= 3 ? 1 : std::max<size_t>(2, name.size() / 3);
  std::string best;
  size_t best_distance = limit + 1;
  for (const std::string& candidate : candidates) {
    if (candidate.size() > 256) continue;
    size_t d = distance(name.substr(0, 256), candidate);
    if (d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

}  // namespace churnml::tracking
