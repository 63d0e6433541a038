// Words for messages people read: the closest known name to a mistyped one
// ("did you mean"), counted nouns ("1 problem", "2 problems") and byte sizes
// ("9.4 MB"). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace churnml {

// Edit distance (insert, delete, substitute, swap two neighbours: each
// costs 1; "optimal string alignment"), counting bytes. Inputs longer than kMaxSuggestBytes are
// compared as that prefix, so a hostile input costs bounded time.
inline constexpr size_t kMaxSuggestBytes = 256;
size_t EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `word`, when it is close enough to be a typo: at
// most max(1, size / 3) edits away (case-insensitive; a candidate equal but
// for case is always suggested). Ties go to the earlier candidate. Failing
// that, the only candidate that starts with `word` ("xgb" → "xgboost") or
// that `word` starts with ("output" → "out").
// nullopt when nothing is close or `word` is itself a candidate.
std::optional<std::string> ClosestMatch(std::string_view word,
                                        const std::vector<std::string>& candidates);

// "; did you mean X?" for the closest candidate (X prefixed with `prefix`,
// e.g. "--"), or "" when none is close.
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates,
                       std::string_view prefix = "");

// "1 problem", "2 problems", "1,204 rows": FormatCount(n) and the noun in
// the number that agrees with n.
std::string CountNoun(int64_t n, std::string_view singular, std::string_view plural);

// Bytes for people: "512 B", "9.4 KB", "9.4 MB", "1.2 GB" (powers of 1000, as
// disk and network tools print them).
std::string FormatBytes(int64_t bytes);

}  // namespace churnml
