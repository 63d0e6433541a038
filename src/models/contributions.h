// Per-feature contributions to a model's margin (log-odds), one value per
// FeatureMatrix column plus a base value, so that for every row
//   base + sum of contributions == the model's margin (logit of PredictProba).
//
//  - xgboost: exact TreeSHAP (XGBoost's prediction type 2); the base value
//    is XGBoost's bias term (the expected margin over the training data).
//  - logistic: w_i * (x_i - mean_i) in the model's own input space (the
//    standardized and one-hot columns the model was trained on), with base
//    value intercept + sum_i w_i * mean_i. The means are the caller's
//    (the training means of the matrix columns; see
//    pipeline/explanations.h for where they come from).
//
// Functions are thread-safe for concurrent calls on one model.
#pragma once

#include <span>

#include "common/status.h"
#include "features/feature_matrix.h"
#include "models/model.h"

namespace churnml {

// The margin (log-odds) of every row of `x` into `out` (x.rows() values).
// InvalidArgument for a shape mismatch; FailedPrecondition for a model kind
// without margins.
Status PredictMargin(const Model& model, const FeatureMatrix& x, std::span<double> out);

// Contributions of every row of `x` into `out`, row-major, x.cols() + 1
// values per row, the base value last. `column_means` (x.cols() values) is
// used by linear models only and may be empty for trees. InvalidArgument
// for a shape mismatch or non-finite means; FailedPrecondition for a model
// kind that cannot explain; Internal when the model computed a non-finite
// value.
Status PredictContributions(const Model& model, const FeatureMatrix& x,
                            std::span<const double> column_means, std::span<double> out);

}  // namespace churnml
