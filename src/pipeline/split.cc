#include "pipeline/split.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/random.h"

namespace churnml {
namespace {

// Row indices of each class, each list shuffled (Fisher–Yates).
std::vector<std::vector<size_t>> ShuffledByClass(std::span<const uint8_t> labels, uint64_t seed) {
  std::vector<std::vector<size_t>> by_class(2);
  for (size_t i = 0; i < labels.size(); ++i) by_class[labels[i] != 0 ? 1 : 0].push_back(i);
  Rng rng(seed);
  for (auto& rows : by_class) {
    for (size_t i = rows.size(); i > 1; --i) std::swap(rows[i - 1], rows[rng.Below(i)]);
  }
  return by_class;
}

}  // namespace

Result<SplitIndices> StratifiedTrainTestSplit(std::span<const uint8_t> labels, double test_size,
                                              uint64_t seed) {
  if (!(test_size > 0.0 && test_size < 1.0)) {
    return InvalidArgumentError("--test-size must be between 0 and 1 (exclusive), got " +
                                std::to_string(test_size));
  }
  SplitIndices split;
  for (const auto& rows : ShuffledByClass(labels, seed)) {
    auto n_test = static_cast<size_t>(std::llround(test_size * static_cast<double>(rows.size())));
    split.test.insert(split.test.end(), rows.begin(), rows.begin() + n_test);
    split.train.insert(split.train.end(), rows.begin() + n_test, rows.end());
  }
  if (split.train.empty() || split.test.empty()) {
    return InvalidArgumentError("--test-size " + std::to_string(test_size) + " on " +
                                std::to_string(labels.size()) +
                                " rows leaves an empty train or test split");
  }
  std::sort(split.train.begin(), split.train.end());
  std::sort(split.test.begin(), split.test.end());
  return split;
}

Result<std::vector<SplitIndices>> StratifiedKFold(std::span<const uint8_t> labels, int k,
                                                  uint64_t seed) {
  if (k < 2) return InvalidArgumentError("--cv must be at least 2, got " + std::to_string(k));
  auto by_class = ShuffledByClass(labels, seed);
  for (size_t c = 0; c < by_class.size(); ++c) {
    if (by_class[c].size() < static_cast<size_t>(k)) {
      return InvalidArgumentError("--cv " + std::to_string(k) + " needs at least " +
                                  std::to_string(k) + " rows of each class; class " +
                                  std::to_string(c) + " has " + std::to_string(by_class[c].size()));
    }
  }
  // Row i of a class (in shuffled order) belongs to fold i mod k.
  std::vector<int> fold_of(labels.size());
  for (const auto& rows : by_class) {
    for (size_t i = 0; i < rows.size(); ++i) fold_of[rows[i]] = static_cast<int>(i % k);
  }
  std::vector<SplitIndices> folds(k);
  for (size_t row = 0; row < labels.size(); ++row) {
    for (int f = 0; f < k; ++f) {
      (fold_of[row] == f ? folds[f].test : folds[f].train).push_back(row);
    }
  }
  return folds;
}

}  // namespace churnml
