#include "data/header_diagnosis.h"

#include "common/strings.h"
#include "common/suggest.h"

namespace churnml {
namespace {

std::vector<std::string> ColumnNameList(const Schema& schema) {
  std::vector<std::string> names;
  for (const ColumnSpec& c : schema.columns()) names.push_back(c.name);
  return names;
}

// How many of the schema's columns `text` holds when split at `sep`.
size_t ColumnsWhenSplit(std::string_view text, char sep, const Schema& schema) {
  size_t found = 0;
  for (std::string_view piece : Split(text, sep)) {
    piece = Trim(piece);
    if (piece.size() >= 2 && piece.front() == '"' && piece.back() == '"') {
      piece = piece.substr(1, piece.size() - 2);
    }
    if (schema.IndexOf(piece)) ++found;
  }
  return found;
}

std::string SeparatorName(char sep) {
  switch (sep) {
    case '\t':
      return "tab";
    default:
      return std::string("'") + sep + "'";
  }
}

}  // namespace

std::optional<std::string> DiagnoseHeader(const std::vector<std::string>& header,
                                          const Schema& schema) {
  if (header.empty()) return std::nullopt;
  const std::string& first = header.front();
  const bool le_bom = first.starts_with("\xFF\xFE");
  const bool be_bom = first.starts_with("\xFE\xFF");
  bool has_nul = false;
  for (const std::string& field : header) {
    if (field.find('\0') != std::string::npos) {
      has_nul = true;
      break;
    }
  }
  if (le_bom || be_bom || has_nul) {
    std::string which = le_bom   ? "UTF-16 (little-endian, with a byte-order mark)"
                        : be_bom ? "UTF-16 (big-endian, with a byte-order mark)"
                                 : "UTF-16 or another encoding with NUL bytes";
    return "the file looks encoded as " + which +
           "; churnml reads UTF-8: convert it first, e.g. iconv -f UTF-16 -t UTF-8 IN > OUT";
  }
  // Another separator: the whole header lands in one or two fields that,
  // split at that character, hold most of the expected columns.
  if (header.size() > 2) return std::nullopt;
  const size_t expected = schema.num_columns();
  for (char sep : {';', '\t', '|'}) {
    if (first.find(sep) == std::string::npos) continue;
    const size_t found = ColumnsWhenSplit(first, sep, schema);
    if (found * 2 >= expected && found > 1) {
      return "the header looks " + SeparatorName(sep) + "-separated (split at " +
             SeparatorName(sep) + " it holds " + std::to_string(found) + " of the " +
             std::to_string(expected) +
             " expected columns); churnml reads comma-separated files: convert it first";
    }
  }
  return std::nullopt;
}

std::optional<std::string> ClosestColumn(std::string_view name, const Schema& schema) {
  return ClosestMatch(name, ColumnNameList(schema));
}

}  // namespace churnml
