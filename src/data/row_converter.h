// Turns text records into typed rows of a Dataset, validating each field
// against the schema. A row is appended only when it has no issue; each
// problem becomes a ValidationIssue (rules: column_count, type, range,
// category, missing, target; header problems come from Bind()).
//
// Duplicate ids need state across the whole file and are checked by the
// caller (see IdRegistry in csv_loader.h), not here.
//
// Thread safety: a RowConverter is immutable after Bind(); Convert() is
// const and may run on many threads at once, each with its own Dataset,
// IssueList and RowScratch.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "data/cell_values.h"
#include "data/dataset.h"
#include "data/validation_issue.h"

namespace churnml {

// What to do with the schema's target column.
enum class TargetPolicy {
  kRequired,  // the column must be present and every row must hold a target value
  kOptional,  // read it when present (predict input may carry it or not)
  kIgnore,    // never read it, even when present
};

// Per-thread working memory for Convert(); reuse it across rows.
struct RowScratch {
  std::vector<double> numbers;
  std::vector<int32_t> codes;
  std::vector<std::string_view> texts;
  std::vector<std::string_view> raw;  // fused path: raw field text, by field
};

class RowConverter {
 public:
  // Binds CSV header names to schema columns. Every schema column must be
  // present (the target per `policy`), in any order; an unknown or repeated
  // name is a problem. Each problem is added to `header_issues` (row 0, rule
  // "header") and the call then fails with InvalidArgument summarising them
  // with the expected and found column lists. Header names in `read_past`
  // that the schema does not name are accepted and read past, whatever the
  // schema's extra_columns policy (`predict --keep-columns` copies them).
  static Result<RowConverter> Bind(const Schema& schema, const std::vector<std::string>& header,
                                   TargetPolicy policy, IssueList* header_issues,
                                   std::span<const std::string> read_past = {});

  // A converter for records given by field name (JSON customers): the
  // "header" is the schema's own column list. The target is read only with
  // kRequired; kOptional acts as kIgnore here (a target field is skipped).
  static RowConverter ForSchema(const Schema& schema, TargetPolicy policy);

  // Validates `fields` (in header order) of data row `row` and, when valid,
  // appends them to `out` (whose schema must be this converter's) with
  // source row `row`. Returns whether the row was appended.
  bool Convert(std::span<const std::string_view> fields, int64_t row, Dataset* out,
               IssueList* issues, RowScratch* scratch) const;

  // The fused fast path for one record of a CSV buffer (ParseCsvChunk):
  // tokenizes the record starting at `p` (before `end`) and converts each
  // field straight to its column's type, without a field vector. When the
  // record is plain — not blank, no '"', exactly num_fields() fields, every
  // value valid — appends it as Convert() would (source row `row`), appends
  // the raw text of `keep_fields` to `kept`, and returns the byte after the
  // record's line end (CRLF, LF or lone CR), or `end`. Otherwise returns
  // nullptr having appended nothing: the caller reparses that record with
  // CsvRecordParser and Convert(), which report any issue.
  const char* ConvertPlainRecord(const char* p, const char* end, int64_t row, Dataset* out,
                                 RowScratch* scratch, std::span<const size_t> keep_fields,
                                 std::vector<std::string>* kept) const;

  // Same for one record given as name → text pairs. A name outside the
  // schema is an issue (rule "header"); an absent column is a missing value.
  bool ConvertNamed(const std::vector<std::pair<std::string, std::string>>& record, int64_t row,
                    Dataset* out, IssueList* issues) const;

  const Schema& schema() const { return schema_; }
  // Whether rows carry a target value (the column is bound).
  bool reads_target() const { return target_field_ >= 0; }
  size_t num_fields() const { return num_fields_; }

 private:
  RowConverter(Schema schema, std::vector<int> field_of_column, size_t num_fields);

  // Code of `text` in column `c`'s closed vocabulary, or kMissingCode.
  int32_t FindCategory(size_t c, std::string_view text) const;
  // Appends a validated row from `scratch` (filled by Convert or
  // ConvertPlainRecord) to `out`.
  void AppendValid(const RowScratch& scratch, int64_t row, Dataset* out) const;

  // What the fused path does with each CSV field, by field index.
  enum class FieldKind : uint8_t {
    kSkip,  // read past (an ignored target or an extra column)
    kId,
    kTarget,
    kCategory,      // closed vocabulary
    kOpenCategory,  // open vocabulary (levels resolved on append)
    kInteger,
    kNumber,
  };
  struct FieldPlan {
    FieldKind kind = FieldKind::kSkip;
    bool missing_ok = false;  // an empty value is a missing feature value
    uint32_t column = 0;      // schema column
    double min = -std::numeric_limits<double>::infinity();
    double max = std::numeric_limits<double>::infinity();
  };

  Schema schema_;
  std::vector<CategoryLookup> category_lookups_;  // per schema column
  std::vector<int> field_of_column_;              // CSV field index per schema column, or -1
  size_t num_fields_ = 0;                         // fields every record must have
  int target_field_ = -1;
  std::vector<FieldPlan> field_plans_;  // per CSV field
  // What AppendValid does per feature column, in schema order.
  enum class AppendKind : uint8_t { kNumber, kCode, kOpenLevel, kUnboundNumber, kUnboundCode };
  struct AppendStep {
    uint32_t column = 0;
    AppendKind kind = AppendKind::kNumber;
  };
  std::vector<AppendStep> append_steps_;
};

}  // namespace churnml
