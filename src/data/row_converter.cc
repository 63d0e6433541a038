#include "data/row_converter.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/strings.h"
#include "data/header_diagnosis.h"

namespace churnml {

namespace {

std::string QuotedList(const std::vector<std::string>& values) {
  std::string s;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) s += ", ";
    s += "\"" + values[i] + "\"";
  }
  return s;
}

std::string ColumnNames(const Schema& schema) {
  std::vector<std::string> names;
  for (const ColumnSpec& c : schema.columns()) names.push_back(c.name);
  return Join(names, ", ");
}

void AddIssue(IssueList* issues, int64_t row, const std::string& column, std::string_view value,
              std::string_view rule, const std::string& detail) {
  issues->Add(ValidationIssue{row, column,
                              value.size() > kMaxIssueValueBytes
                                  ? Abbreviate(value, kMaxIssueValueBytes)
                                  : std::string(value),
                              std::string(rule), RowColumnPrefix(row, column) + detail});
}

}  // namespace

RowConverter::RowConverter(Schema schema, std::vector<int> field_of_column, size_t num_fields)
    : schema_(std::move(schema)),
      field_of_column_(std::move(field_of_column)),
      num_fields_(num_fields) {
  if (schema_.target_index()) target_field_ = field_of_column_[*schema_.target_index()];
  category_lookups_.reserve(schema_.num_columns());
  for (const ColumnSpec& spec : schema_.columns()) category_lookups_.emplace_back(spec.categories);
  field_plans_.resize(num_fields_);
  for (size_t c = 0; c < schema_.num_columns(); ++c) {
    const int f = field_of_column_[c];
    if (f < 0) continue;
    const ColumnSpec& spec = schema_.column(c);
    FieldPlan& plan = field_plans_[static_cast<size_t>(f)];
    plan.column = static_cast<uint32_t>(c);
    plan.missing_ok = spec.nullable && spec.role == ColumnRole::kFeature;
    if (spec.min) plan.min = *spec.min;
    if (spec.max) plan.max = *spec.max;
    if (spec.role == ColumnRole::kId) {
      plan.kind = FieldKind::kId;
    } else if (spec.role == ColumnRole::kTarget) {
      plan.kind = FieldKind::kTarget;
    } else if (spec.type == ColumnType::kCategorical) {
      plan.kind = spec.categories.empty() ? FieldKind::kOpenCategory : FieldKind::kCategory;
    } else {
      plan.kind = spec.type == ColumnType::kInteger ? FieldKind::kInteger : FieldKind::kNumber;
    }
  }
  for (size_t c : schema_.feature_indices()) {
    const ColumnSpec& spec = schema_.column(c);
    const bool bound = field_of_column_[c] >= 0;
    AppendStep step;
    step.column = static_cast<uint32_t>(c);
    if (spec.type != ColumnType::kCategorical) {
      step.kind = bound ? AppendKind::kNumber : AppendKind::kUnboundNumber;
    } else if (!bound) {
      step.kind = AppendKind::kUnboundCode;
    } else {
      step.kind = spec.categories.empty() ? AppendKind::kOpenLevel : AppendKind::kCode;
    }
    append_steps_.push_back(step);
  }
}

int32_t RowConverter::FindCategory(size_t c, std::string_view text) const {
  return category_lookups_[c].Find(schema_.column(c).categories, text);
}

Result<RowConverter> RowConverter::Bind(const Schema& schema,
                                        const std::vector<std::string>& header, TargetPolicy policy,
                                        IssueList* header_issues,
                                        std::span<const std::string> read_past) {
  // Each problem quotes at most one short name; the message lists the
  // expected columns once and a short excerpt of what was found, so its
  // size does not grow with the header (an 8 MB header once gave a message
  // repeating all of it for each of 21 columns).
  constexpr size_t kProblemsInMessage = 5;
  // Another delimiter or encoding makes every column "unknown": say so once.
  if (std::optional<std::string> diagnosis = DiagnoseHeader(header, schema)) {
    if (header_issues != nullptr) {
      header_issues->Add(ValidationIssue{0, "", "", std::string(rule::kHeader), *diagnosis});
    }
    return InvalidArgumentError(*diagnosis);
  }
  std::vector<int> field_of_column(schema.num_columns(), -1);
  std::vector<std::string> problems;
  size_t problem_count = 0;
  auto problem = [&](std::string_view column, const std::string& what) {
    ++problem_count;
    if (problems.size() < kProblemsInMessage) problems.push_back(what);
    if (header_issues != nullptr) {
      header_issues->Add(ValidationIssue{0, Abbreviate(column), Abbreviate(column),
                                         std::string(rule::kHeader), "header: " + what});
    }
  };
  bool unknown = false;
  for (size_t f = 0; f < header.size(); ++f) {
    std::string_view name = TrimBlanks(header[f]);
    std::optional<size_t> col = schema.IndexOf(name);
    if (!col && (schema.extra_columns() == ExtraColumns::kIgnore ||
                 std::find(read_past.begin(), read_past.end(), name) != read_past.end())) {
      continue;  // read past it
    }
    if (!col) {
      unknown = true;
      std::optional<std::string> meant = ClosestColumn(name, schema);
      problem(name, "unknown column \"" + Abbreviate(name) + "\"" +
                        (meant ? " (did you mean \"" + *meant + "\"?)" : ""));
      continue;
    }
    if (field_of_column[*col] >= 0) {
      problem(name, "column \"" + Abbreviate(name) + "\" appears twice (fields " +
                        std::to_string(field_of_column[*col] + 1) + " and " +
                        std::to_string(f + 1) + ")");
      continue;
    }
    field_of_column[*col] = static_cast<int>(f);
  }
  std::vector<std::string> missing;  // schema names: short and trusted
  for (size_t c = 0; c < schema.num_columns(); ++c) {
    const ColumnSpec& spec = schema.column(c);
    bool is_target = spec.role == ColumnRole::kTarget;
    if (is_target && policy == TargetPolicy::kIgnore) {
      field_of_column[c] = -1;
      continue;
    }
    if (field_of_column[c] < 0 && !(is_target && policy == TargetPolicy::kOptional)) {
      missing.push_back("\"" + spec.name + "\"");
      if (header_issues != nullptr) {
        header_issues->Add(ValidationIssue{0, spec.name, spec.name, std::string(rule::kHeader),
                                           "header: missing column \"" + spec.name + "\""});
      }
    }
  }
  if (problem_count > 0 || !missing.empty()) {
    std::string message = "header does not match schema \"" + schema.name() + "\": ";
    if (!problems.empty()) {
      message += Join(problems, "; ");
      if (problem_count > problems.size()) {
        message +=
            "; and " + FormatCount(static_cast<int64_t>(problem_count - problems.size())) + " more";
      }
      if (unknown) message += " (expected columns: " + ColumnNames(schema) + ")";
      if (!missing.empty()) message += "; ";
    }
    if (!missing.empty()) {
      message += "missing " + std::string(missing.size() == 1 ? "column " : "columns ") +
                 Join(missing, ", ") + " (found " +
                 FormatCount(static_cast<int64_t>(header.size())) + " column" +
                 (header.size() == 1 ? "" : "s") + ": " +
                 Abbreviate(Join(header, ", "), 2 * kMessageQuoteBytes) + ")";
    }
    return InvalidArgumentError(message);
  }
  return RowConverter(schema, std::move(field_of_column), header.size());
}

RowConverter RowConverter::ForSchema(const Schema& schema, TargetPolicy policy) {
  std::vector<int> field_of_column(schema.num_columns());
  for (size_t c = 0; c < schema.num_columns(); ++c) field_of_column[c] = static_cast<int>(c);
  if (schema.target_index() && policy != TargetPolicy::kRequired) {
    field_of_column[*schema.target_index()] = -1;
  }
  return RowConverter(schema, std::move(field_of_column), schema.num_columns());
}

bool RowConverter::Convert(std::span<const std::string_view> fields, int64_t row, Dataset* out,
                           IssueList* issues, RowScratch* scratch) const {
  if (fields.size() != num_fields_) {
    std::string detail = "expected " + std::to_string(num_fields_) + " columns, found " +
                         std::to_string(fields.size());
    issues->Add(ValidationIssue{row, "", "", std::string(rule::kColumnCount),
                                "row " + FormatCount(row) + ": " + detail});
    return false;
  }
  const size_t n = schema_.num_columns();
  scratch->numbers.resize(n);
  scratch->codes.resize(n);
  scratch->texts.resize(n);
  bool ok = true;
  for (size_t c = 0; c < n; ++c) {
    const int f = field_of_column_[c];
    if (f < 0) continue;
    const ColumnSpec& spec = schema_.column(c);
    const std::string_view raw = fields[static_cast<size_t>(f)];
    const std::string_view text = TrimBlanks(raw);
    scratch->texts[c] = text;
    if (text.empty()) {
      if (spec.nullable && spec.role == ColumnRole::kFeature) {
        scratch->numbers[c] = kMissingNumber;
        scratch->codes[c] = kMissingCode;
      } else {
        AddIssue(issues, row, spec.name, raw, rule::kMissing,
                 "missing value (the column is not nullable)");
        ok = false;
      }
      continue;
    }
    if (spec.role == ColumnRole::kId) continue;
    if (spec.role == ColumnRole::kTarget) {
      const std::string& pos = schema_.positive_label();
      if (text == pos) {
        scratch->codes[c] = 1;
      } else if (text == schema_.negative_label()) {
        scratch->codes[c] = 0;
      } else {
        AddIssue(issues, row, spec.name, raw, rule::kTarget,
                 "\"" + Abbreviate(raw) + "\" is not a target value (expected " +
                     QuotedList(spec.categories) + ")");
        ok = false;
      }
      continue;
    }
    if (spec.type == ColumnType::kCategorical) {
      if (spec.categories.empty()) continue;  // open vocabulary: resolved on append
      const int32_t code = FindCategory(c, text);
      if (code == kMissingCode) {
        AddIssue(issues, row, spec.name, raw, rule::kCategory,
                 "\"" + Abbreviate(raw) +
                     "\" is not an allowed value (allowed: " + QuotedList(spec.categories) + ")");
        ok = false;
      }
      scratch->codes[c] = code;
      continue;
    }
    double v = 0;
    bool parsed =
        spec.type == ColumnType::kInteger ? ParseInteger(text, &v) : ParseNumber(text, &v);
    if (!parsed) {
      AddIssue(issues, row, spec.name, raw, rule::kType,
               "\"" + Abbreviate(raw) + "\" is not " +
                   (spec.type == ColumnType::kInteger ? "an integer" : "a number"));
      ok = false;
      continue;
    }
    if ((spec.min && v < *spec.min) || (spec.max && v > *spec.max)) {
      std::string range =
          spec.min && spec.max
              ? "the range [" + FormatDouble(*spec.min) + ", " + FormatDouble(*spec.max) + "]"
              : (spec.min ? "the minimum " + FormatDouble(*spec.min)
                          : "the maximum " + FormatDouble(*spec.max));
      AddIssue(issues, row, spec.name, raw, rule::kRange,
               "\"" + Abbreviate(raw) + "\" is outside " + range);
      ok = false;
      continue;
    }
    scratch->numbers[c] = v;
  }
  if (!ok) return false;

  AppendValid(*scratch, row, out);
  return true;
}

void RowConverter::AppendValid(const RowScratch& scratch, int64_t row, Dataset* out) const {
  const std::optional<size_t> id = schema_.id_index();
  if (id && field_of_column_[*id] >= 0) {
    out->mutable_ids().emplace_back(scratch.texts[*id]);
  } else {
    out->mutable_ids().emplace_back();
  }
  if (target_field_ >= 0) {
    out->mutable_target().push_back(static_cast<uint8_t>(scratch.codes[*schema_.target_index()]));
  }
  for (const AppendStep& step : append_steps_) {
    const size_t c = step.column;
    ColumnData& col = out->mutable_column(c);
    switch (step.kind) {
      case AppendKind::kNumber:
        col.numbers.push_back(scratch.numbers[c]);
        break;
      case AppendKind::kUnboundNumber:
        col.numbers.push_back(kMissingNumber);
        break;
      case AppendKind::kCode:
        col.codes.push_back(scratch.texts[c].empty() ? kMissingCode : scratch.codes[c]);
        break;
      case AppendKind::kUnboundCode:
        col.codes.push_back(kMissingCode);
        break;
      case AppendKind::kOpenLevel: {
        const std::string_view text = scratch.texts[c];
        if (text.empty()) {
          col.codes.push_back(kMissingCode);
          break;
        }
        // Open vocabulary: levels in order of first sight.
        size_t k = 0;
        while (k < col.levels.size() && col.levels[k] != text) ++k;
        if (k == col.levels.size()) col.levels.emplace_back(text);
        col.codes.push_back(static_cast<int32_t>(k));
        break;
      }
    }
  }
  out->mutable_source_rows().push_back(row);
  out->set_num_rows(out->num_rows() + 1);
}

namespace {

// Bytes that end an unquoted field, or make the record not plain ('"').
constexpr std::array<bool, 256> MakeFieldStops() {
  std::array<bool, 256> t{};
  for (char c : {',', '\n', '\r', '"'}) t[static_cast<unsigned char>(c)] = true;
  return t;
}
constexpr std::array<bool, 256> kFieldStops = MakeFieldStops();

// The first byte in [p, end) that is a comma, CR, LF or quote, or `end`.
// Sixteen bytes at a time while that many remain (SSE2 is in every x86-64).
inline const char* FindFieldStop(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i comma = _mm_set1_epi8(',');
  const __m128i lf = _mm_set1_epi8('\n');
  const __m128i cr = _mm_set1_epi8('\r');
  const __m128i quote = _mm_set1_epi8('"');
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, lf)),
                                     _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, quote)));
    const int mask = _mm_movemask_epi8(hit);
    if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
    p += 16;
  }
#endif
  while (p < end && !kFieldStops[static_cast<unsigned char>(*p)]) ++p;
  return p;
}

}  // namespace

const char* RowConverter::ConvertPlainRecord(const char* p, const char* end, int64_t row,
                                             Dataset* out, RowScratch* scratch,
                                             std::span<const size_t> keep_fields,
                                             std::vector<std::string>* kept) const {
  // A blank line (skipped by the tokenizer) or a leading blank: the slow path.
  if (p >= end || *p == '\n' || *p == '\r' || *p == ' ' || *p == '\t') return nullptr;
  const size_t n = schema_.num_columns();
  scratch->numbers.resize(n);
  scratch->codes.resize(n);
  scratch->texts.resize(n);
  scratch->raw.resize(num_fields_);
  for (size_t f = 0; f < num_fields_; ++f) {
    const char* start = p;
    p = FindFieldStop(p, end);
    // The field must end with a comma, except the last, which ends the record.
    if (p < end && *p == '"') return nullptr;
    if (f + 1 < num_fields_) {
      if (p == end || *p != ',') return nullptr;  // too few fields
    } else if (p < end && *p == ',') {
      return nullptr;  // too many fields
    }
    const std::string_view raw(start, static_cast<size_t>(p - start));
    scratch->raw[f] = raw;
    if (p < end && *p == ',') ++p;
    const FieldPlan& plan = field_plans_[f];
    if (plan.kind == FieldKind::kSkip) continue;
    const size_t c = plan.column;
    const std::string_view text = TrimBlanks(raw);
    scratch->texts[c] = text;
    if (text.empty()) {
      if (!plan.missing_ok) return nullptr;
      scratch->numbers[c] = kMissingNumber;
      scratch->codes[c] = kMissingCode;
      continue;
    }
    switch (plan.kind) {
      case FieldKind::kSkip:
      case FieldKind::kId:
      case FieldKind::kOpenCategory:
        break;
      case FieldKind::kTarget:
        if (text == schema_.positive_label()) {
          scratch->codes[c] = 1;
        } else if (text == schema_.negative_label()) {
          scratch->codes[c] = 0;
        } else {
          return nullptr;
        }
        break;
      case FieldKind::kCategory: {
        const int32_t code =
            category_lookups_[c].FindInBuffer(schema_.column(c).categories, text, end);
        if (code == kMissingCode) return nullptr;
        scratch->codes[c] = code;
        break;
      }
      case FieldKind::kInteger:
      case FieldKind::kNumber: {
        double v = 0;
        const bool parsed =
            plan.kind == FieldKind::kInteger ? ParseInteger(text, &v) : ParseNumber(text, &v);
        if (!parsed || v < plan.min || v > plan.max) return nullptr;
        scratch->numbers[c] = v;
        break;
      }
    }
  }
  // p is at the record's line end or the buffer end.
  if (p < end) {
    if (*p == '\r') {
      ++p;
      if (p < end && *p == '\n') ++p;
    } else {
      ++p;  // '\n'
    }
  }
  AppendValid(*scratch, row, out);
  for (size_t f : keep_fields) kept->emplace_back(scratch->raw[f]);
  return p;
}

bool RowConverter::ConvertNamed(const std::vector<std::pair<std::string, std::string>>& record,
                                int64_t row, Dataset* out, IssueList* issues) const {
  std::vector<std::string_view> fields(num_fields_);
  std::vector<bool> present(num_fields_, false);
  bool ok = true;
  for (const auto& [name, value] : record) {
    std::optional<size_t> c = schema_.IndexOf(name);
    if (!c || field_of_column_[*c] < 0) {
      if (c && *c == schema_.target_index()) continue;  // an ignored target
      AddIssue(issues, row, name, value, rule::kHeader,
               "unknown field (expected fields: " + ColumnNames(schema_) + ")");
      ok = false;
      continue;
    }
    fields[static_cast<size_t>(field_of_column_[*c])] = value;
    present[static_cast<size_t>(field_of_column_[*c])] = true;
  }
  if (!ok) return false;
  RowScratch scratch;
  return Convert(fields, row, out, issues, &scratch);
}

}  // namespace churnml
