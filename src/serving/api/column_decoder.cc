#include "serving/api/column_decoder.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include "common/strings.h"
#include "serving/api/api_error.h"
#include "serving/api/json_parse.h"

namespace churnml::serving {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// The shortest text that reads back as `v`, for messages.
std::string Shortest(double v) {
  char buf[32];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, static_cast<size_t>(ptr - buf));
}

std::string Quoted(std::string_view raw) { return "\"" + Abbreviate(raw, kMaxQuotedBytes) + "\""; }

constexpr std::string_view kNotNullable = "missing value (the column is not nullable)";

}  // namespace

void TypedRow::Reset(size_t columns) {
  numbers.assign(columns, kMissingNumber);
  codes.assign(columns, kMissingCode);
  text.assign(columns, std::string_view());
}

ColumnDecoder::ColumnDecoder(const Schema& schema) : schema_(schema) {
  tables_.resize(schema_.num_columns());
  for (size_t c = 0; c < schema_.num_columns(); ++c) {
    const ColumnSpec& spec = schema_.column(c);
    ColumnTable& t = tables_[c];
    t.feature = spec.role == ColumnRole::kFeature;
    t.categorical = spec.type == ColumnType::kCategorical;
    t.open = t.categorical && spec.categories.empty();
    t.integer = spec.type == ColumnType::kInteger;
    t.nullable = spec.nullable;
    if (!t.categorical || t.open) continue;
    const std::vector<std::string>& cats = spec.categories;
    for (size_t k = 0; k < cats.size(); ++k) {
      t.allowed += (k > 0 ? ", \"" : "\"") + cats[k] + "\"";
    }
    t.lookup = CategoryLookup(cats);
  }
}

int32_t ColumnDecoder::FindCategory(size_t c, std::string_view text) const {
  return tables_[c].lookup.Find(schema_.column(c).categories, text);
}

int32_t ColumnDecoder::OpenLevel(ColumnData& column, std::string_view text) {
  size_t k = 0;
  while (k < column.levels.size() && column.levels[k] != text) ++k;
  if (k == column.levels.size()) column.levels.emplace_back(text);
  return static_cast<int32_t>(k);
}

std::string ColumnDecoder::CheckRange(size_t c, double v, std::string_view shown) const {
  const ColumnSpec& spec = schema_.column(c);
  if ((!spec.min || v >= *spec.min) && (!spec.max || v <= *spec.max)) return {};
  std::string range = spec.min && spec.max ? "the range [" + FormatDouble(*spec.min) + ", " +
                                                 FormatDouble(*spec.max) + "]"
                                           : (spec.min ? "the minimum " + FormatDouble(*spec.min)
                                                       : "the maximum " + FormatDouble(*spec.max));
  return Quoted(shown) + " is outside " + range;
}

std::string ColumnDecoder::ReadNumber(size_t c, const element& value, double* number) const {
  const ColumnTable& t = tables_[c];
  switch (value.type()) {
    case element_type::INT64: {
      const int64_t v = value.get_int64().value_unsafe();
      *number = static_cast<double>(v);
      std::string problem = CheckRange(c, *number, std::to_string(v));
      return problem;
    }
    case element_type::UINT64: {
      const uint64_t v = value.get_uint64().value_unsafe();
      *number = static_cast<double>(v);
      return CheckRange(c, *number, std::to_string(v));
    }
    case element_type::DOUBLE: {
      const double v = value.get_double().value_unsafe();
      if (t.integer && std::nearbyint(v) != v) return Shortest(v) + " is not an integer";
      *number = v;
      return CheckRange(c, v, Shortest(v));
    }
    case element_type::STRING: {
      const std::string_view raw = value.get_string().value_unsafe();
      const std::string_view text = TrimBlanks(raw);
      if (text.empty()) {
        if (!t.nullable) return std::string(kNotNullable);
        *number = kMissingNumber;
        return {};
      }
      if (!(t.integer ? ParseInteger(text, number) : ParseNumber(text, number))) {
        return Quoted(raw) + (t.integer ? " is not an integer" : " is not a number");
      }
      return CheckRange(c, *number, raw);
    }
    default:
      return "expected a number, got " + std::string(internal::JsonTypeName(value));
  }
}

std::string ColumnDecoder::ReadCategory(size_t c, const element& value, int32_t* code,
                                        std::string_view* text) const {
  const ColumnTable& t = tables_[c];
  if (value.type() != element_type::STRING) {
    return "expected a string, got " + std::string(internal::JsonTypeName(value));
  }
  const std::string_view raw = value.get_string().value_unsafe();
  *text = TrimBlanks(raw);
  if (text->empty()) {
    if (!t.nullable) return std::string(kNotNullable);
    *code = kMissingCode;
    return {};
  }
  if (t.open) return {};
  *code = FindCategory(c, *text);
  if (*code == kMissingCode) {
    return Quoted(raw) + " is not an allowed value (allowed: " + t.allowed + ")";
  }
  return {};
}

std::string ColumnDecoder::ReadId(const element& value, std::string_view* id) {
  if (value.type() != element_type::STRING) {
    return "expected a string, got " + std::string(internal::JsonTypeName(value));
  }
  *id = value.get_string().value_unsafe();
  return {};
}

std::string ColumnDecoder::Read(size_t c, const element& value, TypedRow* row) const {
  if (tables_[c].categorical) {
    return ReadCategory(c, value, &row->codes[c], &row->text[c]);
  }
  return ReadNumber(c, value, &row->numbers[c]);
}

void ColumnDecoder::Commit(const TypedRow& row, std::string_view id, int64_t source_row,
                           Dataset* out) const {
  if (schema_.id_index()) {
    out->mutable_ids().emplace_back(id);
  } else {
    out->mutable_ids().emplace_back();
  }
  for (size_t c : schema_.feature_indices()) {
    const ColumnTable& t = tables_[c];
    ColumnData& column = out->mutable_column(c);
    if (!t.categorical) {
      column.numbers.push_back(row.numbers[c]);
    } else if (!t.open || row.text[c].empty()) {
      column.codes.push_back(t.open ? kMissingCode : row.codes[c]);
    } else {
      column.codes.push_back(OpenLevel(column, row.text[c]));
    }
  }
  out->mutable_source_rows().push_back(source_row);
  out->set_num_rows(out->num_rows() + 1);
}

}  // namespace churnml::serving
