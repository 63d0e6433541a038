#include "features/compact_feature_matrix.h"

#include <utility>

namespace churnml {

CompactFeatureMatrix::CompactFeatureMatrix(size_t rows, size_t cols,
                                           std::vector<size_t> numeric_columns,
                                           std::vector<Block> blocks,
                                           std::shared_ptr<const std::vector<std::string>> names)
    : rows_(rows),
      cols_(cols),
      numeric_columns_(std::move(numeric_columns)),
      blocks_(std::move(blocks)),
      numbers_(rows * numeric_columns_.size(), 0.0),
      codes_(rows * blocks_.size(), kNoCategory),
      names_(std::move(names)) {}

FeatureMatrix CompactFeatureMatrix::DensifyRows(size_t begin, size_t end) const {
  FeatureMatrix out(end - begin, cols_, names_);
  double* values = out.mutable_values().data();
  const size_t numeric = numeric_columns_.size();
  const size_t block_count = blocks_.size();
  for (size_t r = begin; r < end; ++r) {
    double* row = values + (r - begin) * cols_;
    const double* row_numbers = numbers(r);
    for (size_t k = 0; k < numeric; ++k) row[numeric_columns_[k]] = row_numbers[k];
    const uint16_t* row_codes = codes(r);
    for (size_t b = 0; b < block_count; ++b) {
      if (row_codes[b] != kNoCategory) row[blocks_[b].offset + row_codes[b]] = 1.0;
    }
  }
  return out;
}

}  // namespace churnml
