// The paired DeLong test for two correlated ROC AUCs: two models scored on
// the same rows (DeLong, DeLong & Clarke-Pearson 1988), computed with midranks
// in O(n log n) (Sun & Xu 2014). Pure and thread-safe.
#pragma once

#include <cstdint>
#include <span>

#include "common/status.h"

namespace churnml {

struct DeLongResult {
  double auc_a = 0;
  double auc_b = 0;
  double difference = 0;  // auc_b - auc_a
  double variance = 0;    // of the difference, from the structural components
  double z = 0;           // difference / sqrt(variance); 0 when the variance is 0
  double p_value = 1;     // two-sided, 2 Φ(-|z|); 1 when the variance is 0
  int64_t positives = 0;
  int64_t negatives = 0;
};

// Compares model A (e.g. the champion) and model B (the challenger) on the
// same labelled rows. InvalidArgument when sizes differ, a label is not 0/1
// or a score is NaN; FailedPrecondition with fewer than two rows of either
// class (the covariance needs two).
Result<DeLongResult> PairedDeLong(std::span<const uint8_t> labels, std::span<const double> scores_a,
                                  std::span<const double> scores_b);

}  // namespace churnml
