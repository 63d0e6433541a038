#include "common/suggest.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "common/strings.h"

namespace churnml {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s.substr(0, kMaxSuggestBytes));
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

size_t EditDistance(std::string_view a, std::string_view b) {
  a = a.substr(0, kMaxSuggestBytes);
  b = b.substr(0, kMaxSuggestBytes);
  // Optimal string alignment: the Levenshtein table plus adjacent swaps.
  const size_t cols = b.size() + 1;
  std::vector<size_t> d((a.size() + 1) * cols);
  auto at = [&](size_t i, size_t j) -> size_t& { return d[i * cols + j]; };
  for (size_t i = 0; i <= a.size(); ++i) at(i, 0) = i;
  for (size_t j = 0; j <= b.size(); ++j) at(0, j) = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
      }
    }
  }
  return at(a.size(), b.size());
}

std::optional<std::string> ClosestMatch(std::string_view word,
                                        const std::vector<std::string>& candidates) {
  if (word.empty()) return std::nullopt;
  if (std::find(candidates.begin(), candidates.end(), word) != candidates.end()) {
    return std::nullopt;
  }
  const std::string lowered = Lower(word);
  const size_t limit = std::max<size_t>(1, lowered.size() / 3);
  std::optional<std::string> best;
  size_t best_distance = limit + 1;
  for (const std::string& candidate : candidates) {
    const size_t d = EditDistance(lowered, Lower(candidate));
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  if (best || lowered.size() < 2) return best;
  // An abbreviation ("xgb" for "xgboost") or a longer spelling ("output"
  // for "out") is far in edits but unambiguous.
  for (const std::string& candidate : candidates) {
    const std::string c = Lower(candidate);
    if (c.starts_with(lowered) || (c.size() >= 3 && lowered.starts_with(c))) {
      if (best) return std::nullopt;  // two candidates start so: no guess
      best = candidate;
    }
  }
  return best;
}

std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates,
                       std::string_view prefix) {
  std::optional<std::string> match = ClosestMatch(word, candidates);
  if (!match) return "";
  return "; did you mean " + std::string(prefix) + *match + "?";
}

std::string CountNoun(int64_t n, std::string_view singular, std::string_view plural) {
  return FormatCount(n) + " " + std::string(n == 1 || n == -1 ? singular : plural);
}

std::string FormatBytes(int64_t bytes) {
  if (bytes < 1000 && bytes > -1000) return std::to_string(bytes) + " B";
  static constexpr const char* kUnits[] = {"KB", "MB", "GB", "TB", "PB", "EB"};
  double value = static_cast<double>(bytes);
  int unit = -1;
  while ((value >= 999.95 || value <= -999.95) && unit < 5) {
    value /= 1000.0;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", value, kUnits[unit]);
  return buf;
}

}  // namespace churnml
