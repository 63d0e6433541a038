// Explanations of a model artifact's scores: for every row, a base value and
// one contribution per raw feature (the schema's feature columns, as the
// preprocessor names them), in the model's margin space (log-odds), with
//   base value + sum of contributions == logit(probability)
// (models/contributions.h computes the per-column values; one-hot columns
// are summed back to the raw feature they encode, so "Contract" carries
// one value, not one per level).
//
// Logistic models take w_i * (x_i - mean_i) in their own input space: the
// standardized numeric columns have training mean 0 by construction; the
// mean of a one-hot column is the training share of its level, read from
// the artifact's reference profile (profile.json), where an imputed
// (missing) cell counts for the training mode as the preprocessor fills it.
//
// An ensemble (models/ensemble.h: margin = bias + sum_k w_k logit(p_k)) is
// explained as the weighted sum of its members' explanations: with member
// k's served log-odds = alpha_k * (base_k + sum_f c_kf) + beta_k (alpha 1,
// beta 0 for an uncalibrated member; -a, -b for a Platt-calibrated one),
//   base value = bias + sum_k w_k (alpha_k base_k + beta_k),
//   contribution of f = sum_k w_k alpha_k c_kf,
// so base value + sum of contributions == logit(the ensemble's probability)
// (exact up to rounding — XGBoost members sum their TreeSHAP values in
// float32, about 1e-7 relative — and up to the 1e-15 clamp of a member's
// probability). A member with isotonic calibration (not affine in the
// log-odds) makes the ensemble unexplainable (FailedPrecondition).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "data/dataset.h"
#include "features/feature_matrix.h"
#include "pipeline/model_artifact.h"

namespace churnml {

// The unit of contributions and base values, as responses state it.
inline constexpr std::string_view kContributionUnit = "log-odds";

struct Explanations {
  size_t rows = 0;
  size_t features = 0;                // raw features (Explainer::feature_names())
  std::vector<double> probabilities;  // the model's PredictProba, as scoring gives it
  std::vector<double> base_values;    // one per row
  std::vector<double> contributions;  // rows x features, row-major

  std::span<const double> row(size_t r) const {
    return {contributions.data() + r * features, features};
  }
};

class Explainer {
 public:
  // Builds the map from encoded column to raw feature and, for a linear
  // model, the column means. FailedPrecondition when the model kind cannot
  // explain, or a logistic artifact has no reference profile (artifacts
  // trained before profiles); InvalidArgument when the profile does not
  // parse or lacks a categorical feature the preprocessor encodes (naming
  // it). Keeps `artifact` alive.
  static Result<Explainer> Create(std::shared_ptr<const ModelArtifact> artifact);

  // Raw feature names, in the order of Explanations::row().
  const std::vector<std::string>& feature_names() const { return names_; }
  // Raw feature of every encoded column.
  const std::vector<uint32_t>& feature_of_column() const { return feature_of_column_; }
  const ModelArtifact& artifact() const { return *artifact_; }

  // Explains every row of `data` (transformed by the artifact's
  // preprocessor; its errors pass through). Thread-safe.
  Status Explain(const Dataset& data, Explanations* out) const;
  // The same for rows already transformed by the artifact's preprocessor.
  // FailedPrecondition for an ensemble (its members transform the rows).
  Status ExplainFeatures(const FeatureMatrix& x, Explanations* out) const;

 private:
  Explainer() = default;

  std::shared_ptr<const ModelArtifact> artifact_;
  std::vector<std::string> names_;
  std::vector<uint32_t> feature_of_column_;
  std::vector<double> column_means_;  // linear models only
  // Ensembles: each member's explainer, its affine map into served log-odds
  // and where each of its raw features sits in names_.
  struct Member;
  std::vector<Member> members_;

  Status ExplainEnsemble(const Dataset& data, Explanations* out) const;
};

struct Explainer::Member {
  Explainer explainer;
  double alpha = 1, beta = 0;
  std::vector<size_t> feature_index;
};

// Indices of the `k` largest |contribution| of `row`, largest first (ties
// by feature order); k is capped at row.size().
std::vector<size_t> TopContributions(std::span<const double> row, size_t k);

}  // namespace churnml
