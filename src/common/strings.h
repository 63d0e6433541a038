// Small string helpers shared by every layer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace churnml {

// Removes ASCII spaces, tabs, CR and LF from both ends.
std::string_view Trim(std::string_view s);

// Splits on `sep`; empty pieces are kept ("a,,b" → {"a", "", "b"}).
std::vector<std::string_view> Split(std::string_view s, char sep);

// "1,204,000": thousands separated by commas, for messages people read.
std::string FormatCount(int64_t n);

// Joins with `sep`, quoting nothing.
std::string Join(const std::vector<std::string>& parts, std::string_view sep);

// Exact parsers: the whole (trimmed) text must be the number.
std::optional<double> ParseDouble(std::string_view s);
std::optional<int64_t> ParseInt(std::string_view s);

// Shortest text that reads back as the same double ("0.1", "1e-07").
std::string FormatDouble(double v);

// How much of an input value a message quotes (kMessageQuoteBytes): enough
// to recognise it, never the whole of a hostile input.
inline constexpr size_t kMessageQuoteBytes = 80;

// `text` cut to at most `max_bytes` bytes, at a UTF-8 character boundary,
// with "…" appended when something was cut. For messages that quote input.
std::string Abbreviate(std::string_view text, size_t max_bytes = kMessageQuoteBytes);

// `text` with each run of whitespace made one space and none at either end,
// cut like Abbreviate once it passes `max_bytes` (without reading further
// than needed). Used for fingerprints and for quoting code in findings.
std::string CollapseWhitespace(std::string_view text, size_t max_bytes = SIZE_MAX);

// Fixed notation with `decimals` digits after the point ("3.60"), for
// durations and scores people read.
std::string FormatFixed(double v, int decimals);

// A p-value for people: four decimals, or scientific notation below 1e-4
// ("0.0312", "3.1e-07").
std::string FormatPValue(double p);

}  // namespace churnml
