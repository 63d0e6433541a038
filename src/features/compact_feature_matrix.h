// CompactFeatureMatrix: the matrix Preprocessor::Transform builds, stored by
// what its columns are. A numeric column keeps its (imputed, scaled) value;
// a one-hot block keeps only the position of its 1 (or kNoCategory when the
// block is all zero: an unknown category under the "ignore" policy). For the
// Telco problem that is 4 doubles and 16 two-byte codes per row, 48 bytes,
// where the dense matrix takes 46 doubles, 368 bytes.
//
// Training reads it (the dense logistic solver works on it directly; other
// kinds get Densify()); Densify() gives exactly the FeatureMatrix that
// Transform returns for the same data, bit for bit.
// Thread-compatible: const methods may run concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "features/feature_matrix.h"

namespace churnml {

class CompactFeatureMatrix {
 public:
  // The code of an all-zero one-hot block.
  static constexpr uint16_t kNoCategory = 0xFFFF;
  // Widest one-hot block a code can address.
  static constexpr size_t kMaxBlockWidth = kNoCategory;

  struct Block {
    size_t offset = 0;  // first output column
    size_t width = 0;   // categories, < kMaxBlockWidth
  };

  CompactFeatureMatrix() = default;
  // rows x cols of zeros (every code kNoCategory, every number 0).
  // `numeric_columns` are the output columns of the numeric features;
  // `blocks` the one-hot blocks; together they cover [0, cols) once.
  CompactFeatureMatrix(size_t rows, size_t cols, std::vector<size_t> numeric_columns,
                       std::vector<Block> blocks,
                       std::shared_ptr<const std::vector<std::string>> names = nullptr);

  size_t rows() const { return rows_; }
  size_t cols() const { return cols_; }
  const std::vector<size_t>& numeric_columns() const { return numeric_columns_; }
  const std::vector<Block>& blocks() const { return blocks_; }

  // Row r's numeric values, one per numeric_columns() entry. r < rows().
  const double* numbers(size_t r) const { return numbers_.data() + r * numeric_columns_.size(); }
  double* mutable_numbers(size_t r) { return numbers_.data() + r * numeric_columns_.size(); }
  // Row r's codes, one per blocks() entry: the 1's position within the
  // block, or kNoCategory.
  const uint16_t* codes(size_t r) const { return codes_.data() + r * blocks_.size(); }
  uint16_t* mutable_codes(size_t r) { return codes_.data() + r * blocks_.size(); }

  const std::shared_ptr<const std::vector<std::string>>& shared_feature_names() const {
    return names_;
  }

  // The same matrix, dense.
  FeatureMatrix Densify() const { return DensifyRows(0, rows_); }
  // Rows [begin, end) of it, dense (to score in bounded memory).
  // Precondition: begin <= end <= rows().
  FeatureMatrix DensifyRows(size_t begin, size_t end) const;

  // Bytes held by the values and codes.
  size_t bytes() const {
    return numbers_.size() * sizeof(double) + codes_.size() * sizeof(uint16_t);
  }

 private:
  size_t rows_ = 0;
  size_t cols_ = 0;
  std::vector<size_t> numeric_columns_;
  std::vector<Block> blocks_;
  std::vector<double> numbers_;
  std::vector<uint16_t> codes_;
  std::shared_ptr<const std::vector<std::string>> names_;
};

}  // namespace churnml
