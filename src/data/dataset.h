// A columnar, typed, validated table in memory: the hand-off from the data
// layer to features and models. One vector per schema column.
// Thread-compatible: const methods may run concurrently; mutation needs
// exclusive access.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "data/schema.h"

namespace churnml {

// Category code of a missing categorical cell.
inline constexpr int32_t kMissingCode = -1;
inline constexpr double kMissingNumber = std::numeric_limits<double>::quiet_NaN();

struct ColumnData {
  // Numeric and integer columns: one value per row, NaN when missing.
  std::vector<double> numbers;
  // Categorical columns: one code per row, an index into `levels`, or
  // kMissingCode.
  std::vector<int32_t> codes;
  // The strings behind the codes. For a closed vocabulary this is the
  // schema's category list; for an open one, values in order of first sight.
  std::vector<std::string> levels;
};

class Dataset {
 public:
  Dataset() = default;
  explicit Dataset(Schema schema);

  const Schema& schema() const { return schema_; }
  size_t num_rows() const { return num_rows_; }

  // customerID (or the schema's id column), one per row; empty strings when
  // the schema has no id column.
  const std::vector<std::string>& ids() const { return ids_; }
  // Data of schema column `schema_index`. Id and target columns are empty.
  const ColumnData& column(size_t schema_index) const { return columns_[schema_index]; }
  ColumnData& mutable_column(size_t schema_index) { return columns_[schema_index]; }

  // 1 where the target equals the schema's positive label, else 0. Empty
  // when the data carried no target column.
  const std::vector<uint8_t>& target() const { return target_; }
  bool has_target() const { return !target_.empty() || num_rows_ == 0; }

  // 1-based data row number in the source file of each row (row 1 is the
  // first record after the header), for messages.
  const std::vector<int64_t>& source_rows() const { return source_rows_; }

  // Builders, used by the loaders: append one whole row through these, then
  // call FinishRow(). A row is either fully appended or not at all.
  std::vector<std::string>& mutable_ids() { return ids_; }
  std::vector<uint8_t>& mutable_target() { return target_; }
  std::vector<int64_t>& mutable_source_rows() { return source_rows_; }
  void set_num_rows(size_t n) { num_rows_ = n; }
  void Reserve(size_t rows);
  // Drops every row, keeping the schema and the allocated capacity (the
  // server reuses one Dataset per thread for its requests).
  void Clear();

  // A new dataset with the given rows, in the given order.
  Dataset Select(const std::vector<size_t>& rows) const;

  // Appends all rows of `other` (same schema, else InvalidArgument). Codes of
  // open-vocabulary categorical columns are remapped onto this dataset's
  // levels. Used to merge chunks parsed in parallel, in order.
  Status Append(const Dataset& other);

 private:
  Schema schema_;
  size_t num_rows_ = 0;
  std::vector<std::string> ids_;
  std::vector<ColumnData> columns_;
  std::vector<uint8_t> target_;
  std::vector<int64_t> source_rows_;
};

// Moves `source`'s rows into *first (rows `first_rows`, in that order) and
// *second (rows `second_rows`), like source.Select() twice, but frees each
// of source's columns as soon as both copies of it are made: the peak is
// the two results plus one column, not plus the whole source. `source` is
// left empty (no rows). Preconditions: every index < source.num_rows().
void PartitionDataset(Dataset&& source, const std::vector<size_t>& first_rows,
                      const std::vector<size_t>& second_rows, Dataset* first, Dataset* second);

}  // namespace churnml
