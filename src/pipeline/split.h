// Stratified splits of row indices: the train/test split and k-fold
// cross-validation keep each class's share in every part. Deterministic for
// a seed (common/random.h), so a run can be reproduced exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/status.h"

namespace churnml {

struct SplitIndices {
  std::vector<size_t> train;
  std::vector<size_t> test;
};

// Puts round(test_size × n_class) rows of each class in `test`.
// InvalidArgument when test_size is outside (0, 1) or a part would be empty.
// Both lists come back sorted ascending (rows keep file order).
Result<SplitIndices> StratifiedTrainTestSplit(std::span<const uint8_t> labels, double test_size,
                                              uint64_t seed);

// k folds; fold i's `test` is its held-out part. InvalidArgument when k < 2
// or a class has fewer than k rows.
Result<std::vector<SplitIndices>> StratifiedKFold(std::span<const uint8_t> labels, int k,
                                                  uint64_t seed);

}  // namespace churnml
