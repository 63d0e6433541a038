// Reads request values (simdjson elements) straight into the typed columns
// of a Dataset: a JSON number becomes a double, a category becomes its
// level index through a table built once per model (when the codecs are
// made at load time), and the schema's value checks (ranges, categories,
// nullability) run on the typed value. Nothing is printed back to text and
// parsed again.
//
// Message forms (the `problem` of one value; callers add the field name):
//   "expected a string, got a number"        (JSON type of the value)
//   "1.5 is not an integer"                  (an integral column)
//   "\"abc\" is not a number"                (a numeric string that is not one)
//   "\"99\" is outside the range [0, 72]"    (range)
//   "\"Weekly\" is not an allowed value (allowed: ...)"
//   "missing value (the column is not nullable)"   ("" or blanks)
// A JSON null is reported by the caller (it knows whether a value was
// absent or null).
//
// Thread safety: immutable after construction; used by any number of threads.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "data/cell_values.h"
#include "data/dataset.h"
#include "data/schema.h"

namespace churnml::serving {

// One customer's typed values, per schema column, before it is committed
// to a Dataset (a JSON object's fields come in any order, and a customer
// with an error must not leave half a row). Reused across customers.
struct TypedRow {
  std::vector<double> numbers;  // numeric/integer columns; NaN = missing
  std::vector<int32_t> codes;   // closed categorical columns; kMissingCode = missing
  std::vector<std::string_view>
      text;  // open-vocabulary categories and the id (views into the request)

  // Every column missing.
  void Reset(size_t columns);
};

class ColumnDecoder {
 public:
  explicit ColumnDecoder(const Schema& schema);

  const Schema& schema() const { return schema_; }

  // Reads `value` (not null) for feature column `c`. Numeric/integer
  // columns: a JSON number, or a string holding one (blank = missing). A
  // categorical column: a string. Returns the problem, or "" when *number
  // / *code / *text hold the value.
  std::string ReadNumber(size_t c, const simdjson::dom::element& value, double* number) const;
  std::string ReadCategory(size_t c, const simdjson::dom::element& value, int32_t* code,
                           std::string_view* text) const;
  // The id column: a string ("" counts as absent). Returns the problem or "".
  static std::string ReadId(const simdjson::dom::element& value, std::string_view* id);

  // ReadNumber or ReadCategory for column `c` into `row`.
  std::string Read(size_t c, const simdjson::dom::element& value, TypedRow* row) const;

  // Appends `row` to `out` (a Dataset of this schema) with id `id` and
  // source row `source_row`; open-vocabulary levels are added as first seen.
  void Commit(const TypedRow& row, std::string_view id, int64_t source_row, Dataset* out) const;

  // The closed vocabulary code of `text` in column `c`, or kMissingCode.
  int32_t FindCategory(size_t c, std::string_view text) const;
  // The code of an open-vocabulary `text` in `column`, added when new.
  static int32_t OpenLevel(ColumnData& column, std::string_view text);

 private:
  // The range check of numeric column `c`: the problem, or "".
  std::string CheckRange(size_t c, double v, std::string_view shown) const;

  struct ColumnTable {
    bool feature = false;
    bool categorical = false;
    bool open = false;     // categorical without a closed vocabulary
    bool integer = false;  // integral numbers only
    bool nullable = false;
    CategoryLookup lookup;  // closed vocabulary: level → index
    std::string allowed;    // "\"Yes\", \"No\"" for messages
  };

  Schema schema_;
  std::vector<ColumnTable> tables_;
};

}  // namespace churnml::serving
