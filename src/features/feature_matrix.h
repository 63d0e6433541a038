// FeatureMatrix: the dense, row-major numeric matrix that preprocessing hands
// to the models. One contiguous std::vector<double> of rows * cols values.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace churnml {

class FeatureMatrix {
 public:
  FeatureMatrix() = default;
  // A rows x cols matrix of zeros. `names` (may be null) are the column names,
  // shared between matrices produced by the same preprocessor.
  FeatureMatrix(size_t rows, size_t cols,
                std::shared_ptr<const std::vector<std::string>> names = nullptr)
      : rows_(rows), cols_(cols), values_(rows * cols, 0.0), names_(std::move(names)) {}

  size_t rows() const { return rows_; }
  size_t cols() const { return cols_; }

  // Row r as a span of cols() values. Precondition: r < rows().
  std::span<const double> row(size_t r) const { return {values_.data() + r * cols_, cols_}; }
  std::span<double> mutable_row(size_t r) { return {values_.data() + r * cols_, cols_}; }
  double at(size_t r, size_t c) const { return values_[r * cols_ + c]; }
  double& at(size_t r, size_t c) { return values_[r * cols_ + c]; }

  // All values, row after row.
  const std::vector<double>& values() const { return values_; }
  std::vector<double>& mutable_values() { return values_; }

  // Column names ("tenure", "Contract=Month-to-month"); empty when none were
  // given.
  const std::vector<std::string>& feature_names() const;
  const std::shared_ptr<const std::vector<std::string>>& shared_feature_names() const {
    return names_;
  }

 private:
  size_t rows_ = 0;
  size_t cols_ = 0;
  std::vector<double> values_;
  std::shared_ptr<const std::vector<std::string>> names_;
};

}  // namespace churnml
