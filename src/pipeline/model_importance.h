// Feature importance read from a model artifact alone (no data), named:
//  - logistic regression: the coefficients. Numeric features are
//    standard-scaled and one-hot columns are 0/1, so coefficients compare on
//    one scale; a raw feature's importance is the sum of |coefficient| over
//    its encoded columns ("Contract" = |Contract=Month-to-month| + …).
//  - XGBoost: total gain (XGBoosterFeatureScore "total_gain"), summed over a
//    raw feature's one-hot columns; each column also carries its average
//    gain per split ("gain").
// Permutation importance on data is the report's (quality_report.h).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "pipeline/model_artifact.h"

namespace churnml {

struct ColumnImportance {
  std::string name;                    // encoded column: "tenure", "Contract=Two year"
  std::string feature;                 // its raw feature: "Contract"
  double value = 0;                    // logistic: signed coefficient; XGBoost: total gain
  std::optional<double> average_gain;  // XGBoost only: gain per split
};

struct RawFeatureImportance {
  std::string name;
  double importance = 0;  // sum of |value| over the feature's columns
  double share = 0;       // importance / sum over every feature (0 when all are 0)
};

struct ModelImportance {
  std::string kind;                            // the model kind
  std::string method;                          // "coefficient" or "total_gain"
  std::vector<RawFeatureImportance> features;  // largest first (ties: schema order)
  std::vector<ColumnImportance> columns;       // largest |value| first (ties: column order)
  std::optional<double> intercept;             // logistic only

  // {"kind", "method", "features": [{"name", "importance", "share"}],
  //  "columns": [{"name", "feature", "value"[, "average_gain"]}],
  //  "intercept" (logistic)} — documented in docs/cli.md.
  nlohmann::json ToJson() const;
};

// FailedPrecondition for a model kind without importance; the preprocessor
// map's and XGBoost's errors pass through; Internal when the model's feature
// count differs from the preprocessor's.
Result<ModelImportance> ComputeModelImportance(const ModelArtifact& artifact);

}  // namespace churnml
