// Gradient-boosted trees trained and evaluated by XGBoost's C API
// (objective binary:logistic, tree_method hist, verbosity 0).
//
// Thread safety: PredictProba uses XGBoost's in-place prediction
// (XGBoosterPredictFromDense), which XGBoost documents as thread-safe for
// tree boosters since 1.4; its output buffer is thread-local inside
// XGBoost and copied out before returning. The booster is never mutated
// after Train/Load (all parameters are set before the object is shared), so
// concurrent PredictProba calls take no lock.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "features/feature_matrix.h"
#include "models/model.h"
#include "models/model_files.h"
#include "models/model_registry.h"
#include "models/tree_shap.h"

namespace churnml {

struct XGBoostOptions {
  int n_estimators = 100;         // boosting rounds, >= 1
  int max_depth = 6;              // >= 1
  double learning_rate = 0.3;     // eta, > 0
  double subsample = 1.0;         // row fraction per tree, (0, 1]
  double colsample_bytree = 1.0;  // feature fraction per tree, (0, 1]
  double min_child_weight = 1.0;  // >= 0
  int threads = 0;                // XGBoost nthread; 0 = every core
  int64_t seed = 0;
  // Stop when the log loss on FitMonitor's validation rows has not improved
  // for this many rounds and keep the best round's trees; 0 = off.
  int early_stopping_rounds = 0;
  // kBalanced: scale_pos_weight = negatives / positives of the training rows.
  bool balanced_class_weight = false;

  // Keys: n_estimators, max_depth, learning_rate, subsample,
  // colsample_bytree, min_child_weight, threads, seed,
  // early_stopping_rounds, class_weight ("none"|"balanced").
  static Result<XGBoostOptions> FromJson(const nlohmann::json& j);
  // The declared hyperparameters (flags, help, ranges, search space).
  static HyperparameterSpace Space();
  // Every option; early_stopping_rounds and class_weight only when not the
  // default, so artifacts written before they existed load unchanged.
  nlohmann::json ToJson() const;
  Status Validate() const;
};

class XGBoostModel final : public Model {
 public:
  static constexpr std::string_view kKind = "xgboost";
  // XGBoost's JSON model file written by Save. JSON rather than UBJSON:
  // XGBoost 1.7's UBJSON reader trusts string lengths read from the file, so
  // a damaged model.ubj can request an allocation of terabytes; its JSON
  // reader fails cleanly. Floats are written in round-trip form either way.
  static constexpr std::string_view kModelFile = "xgboost_model.json";

  // Trains on `x` (NaN = missing) and 0/1 `labels`. InvalidArgument for a
  // shape mismatch or bad options; Internal with XGBoost's message otherwise.
  // `monitor.on_round`, when set, is called after each boosting round, with
  // the log loss on `monitor.eval_x` when given (XGBoost's eval metric for
  // binary:logistic, computed by XGBoosterEvalOneIter, at most once per
  // monitor.eval_interval_seconds and at the last round; InvalidArgument
  // when its shape does not match). The fitted model does not depend on them.
  static Result<std::unique_ptr<XGBoostModel>> Train(const FeatureMatrix& x,
                                                     std::span<const uint8_t> labels,
                                                     const XGBoostOptions& options,
                                                     const FitMonitor& monitor = {});
  // Loads xgboost_model.json and hyperparameters.json from `files`. The
  // JSON is parsed (bounded size and depth) and checked by
  // CheckXGBoostModelJson before XGBoost sees it, and XGBoost is handed the
  // checked document re-serialized, never the file: a damaged or hostile
  // model is refused with the JSON path of the bad value instead of crashing
  // or hanging XGBoost. Anything but JSON (UBJSON, XGBoost's old binary
  // format) is refused: churnml writes only JSON. Errors name the file.
  static Result<std::unique_ptr<XGBoostModel>> Load(const ModelFiles& files);
  // Load(ModelFiles::FromDirectory(dir)).
  static Result<std::unique_ptr<XGBoostModel>> Load(const std::filesystem::path& dir);

  ~XGBoostModel() override;

  std::string_view kind() const override { return kKind; }
  size_t num_features() const override { return num_features_; }
  nlohmann::json hyperparameters() const override;
  Status Save(const std::filesystem::path& dir) const override;

  const XGBoostOptions& options() const { return options_; }

  // Margin-space outputs (callers check shapes, see models/contributions.h).
  // PredictMargin writes one log-odds value per row through
  // XGBoosterPredictFromDMatrix (type 1; thread-safe like PredictProba).
  // PredictContributions writes rows x (cols + 1) exact TreeSHAP values,
  // row-major, the bias last: XGBoost's type-2 contributions, computed by
  // models/tree_shap.h from the trees read once at Train/Load (no XGBoost
  // call, no per-call setup). XGBoostContributions asks XGBoost itself
  // (type 2), the reference the tests hold PredictContributions to.
  // Internal with XGBoost's message.
  Status PredictMargin(const FeatureMatrix& x, std::span<double> out) const;
  // XGBoost's feature importance of `type` ("total_gain", "gain", "weight",
  // "cover", "total_cover"; XGBoosterFeatureScore) per input column, in
  // column order; a column no split uses scores 0. InvalidArgument for an
  // unknown type; Internal with XGBoost's message.
  Result<std::vector<double>> FeatureScores(std::string_view type) const;
  Status PredictContributions(const FeatureMatrix& x, std::span<double> out) const;
  Status XGBoostContributions(const FeatureMatrix& x, std::span<double> out) const;

 protected:
  Status DoPredictProba(const FeatureMatrix& x, std::span<double> out) const override;

 private:
  struct Booster;  // owns XGBoost's BoosterHandle
  XGBoostModel(XGBoostOptions options, std::unique_ptr<Booster> booster, size_t num_features,
               TreeShap shap);

  XGBoostOptions options_;
  std::unique_ptr<Booster> booster_;
  size_t num_features_ = 0;
  TreeShap shap_;  // the same trees as booster_
};

}  // namespace churnml
