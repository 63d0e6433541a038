// EnsembleModel: combines the probabilities of K member models into one.
//
// Both methods combine in log-odds space with one rule,
//   margin = bias + sum_k w_k * logit(p_k),   probability = sigmoid(margin),
// where p_k is member k's probability (clamped to [1e-15, 1 - 1e-15] before
// the logit, as Platt calibration clamps):
//  - average (soft voting): w_k the user's weights normalised to sum 1
//    (equal weights by default), bias 0 — a weighted average of the
//    members' log-odds (a logarithmic opinion pool);
//  - stacking: w and bias fitted by a logistic meta-model on out-of-fold
//    member probabilities (FitStacking; pipeline/ensemble_train.h makes the
//    out-of-fold matrix).
// The rule is linear in each member's margin, so explanations add up: with
// each member's margin = base_k + sum_f c_kf, the ensemble's margin is
// (bias + sum_k w_k base_k) + sum_f (sum_k w_k c_kf) exactly.
//
// As a Model its input FeatureMatrix holds one column per member: that
// member's probability for the row. It is immutable once built; prediction
// is thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "features/feature_matrix.h"
#include "models/model.h"
#include "models/model_files.h"

namespace churnml {

inline constexpr std::string_view kEnsembleKind = "ensemble";
// Most members an ensemble may hold (artifacts are hostile input).
inline constexpr size_t kMaxEnsembleMembers = 16;
// Largest |weight| or |bias| a stored ensemble may carry.
inline constexpr double kMaxEnsembleCoefficient = 1e6;

enum class EnsembleMethod { kAverage, kStacking };

std::string_view EnsembleMethodName(EnsembleMethod method);  // "average", "stacking"
// InvalidArgument naming the valid methods.
Result<EnsembleMethod> ParseEnsembleMethod(std::string_view name);

// Validates soft-voting weights for `members` members and returns them
// normalised to sum 1. Empty `weights`: equal weights. InvalidArgument when
// the count differs from `members`, or a weight is not a finite number > 0.
Result<std::vector<double>> NormalizeEnsembleWeights(std::span<const double> weights,
                                                     size_t members);

// logit(p) with p clamped to [1e-15, 1 - 1e-15].
double EnsembleLogit(double p);

class EnsembleModel : public Model {
 public:
  // Validated construction (also the load path). InvalidArgument naming the
  // field: 2..kMaxEnsembleMembers weights, each finite with |w| <=
  // kMaxEnsembleCoefficient, bias likewise; for average, every weight > 0,
  // their sum 1 (within 1e-9) and bias 0.
  static Result<std::unique_ptr<EnsembleModel>> Create(EnsembleMethod method,
                                                       std::vector<double> weights, double bias);

  // Stacking's meta-model: logistic regression of `labels` on the members'
  // log-odds (column k of `member_probabilities` is member k's probability),
  // fitted by Newton's method with step halving on the mean log loss plus
  // l2 / 2 * |w|^2 (the bias is not penalised; l2 keeps the weights finite
  // when members are collinear or a member separates the rows).
  // InvalidArgument for 2 > columns > kMaxEnsembleMembers, mismatched sizes,
  // a single class or a value outside [0, 1].
  static Result<std::unique_ptr<EnsembleModel>> FitStacking(
      const FeatureMatrix& member_probabilities, std::span<const uint8_t> labels, double l2 = 1e-3);

  // Reads hyperparameters.json as Save wrote it (errors name the file).
  static Result<std::unique_ptr<EnsembleModel>> Load(const ModelFiles& files);
  // {"method": "average"|"stacking", "weights": [...], "bias": b}.
  static Result<std::unique_ptr<EnsembleModel>> FromJson(const nlohmann::json& j);

  std::string_view kind() const override { return kEnsembleKind; }
  size_t num_features() const override { return weights_.size(); }
  nlohmann::json hyperparameters() const override;
  Status Save(const std::filesystem::path& dir) const override;

  EnsembleMethod method() const { return method_; }
  const std::vector<double>& weights() const { return weights_; }
  double bias() const { return bias_; }
  // bias + sum_k w_k * logit(p_k) for one row of member probabilities.
  double Margin(std::span<const double> member_probabilities) const;

 protected:
  Status DoPredictProba(const FeatureMatrix& x, std::span<double> out) const override;

 private:
  EnsembleModel(EnsembleMethod method, std::vector<double> weights, double bias)
      : method_(method), weights_(std::move(weights)), bias_(bias) {}

  EnsembleMethod method_;
  std::vector<double> weights_;
  double bias_;
};

}  // namespace churnml
