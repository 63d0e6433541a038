// Explains a CSV header that does not match the schema for a reason other
// than a wrong column: the file is separated by another character than a
// comma, or is not UTF-8 (UTF-16 with or without a byte-order mark). One
// line instead of a "missing column" problem per expected column, and the
// closest expected name for a column that looks renamed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "data/schema.h"

namespace churnml {

// One line naming the encoding or the delimiter the header looks written
// in, and what to do; nullopt when it looks like a comma-separated UTF-8
// header (whatever its columns).
std::optional<std::string> DiagnoseHeader(const std::vector<std::string>& header,
                                          const Schema& schema);

// The schema column a header name most likely meant ("Tenure" → "tenure"),
// or nullopt.
std::optional<std::string> ClosestColumn(std::string_view name, const Schema& schema);

}  // namespace churnml
