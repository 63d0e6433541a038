// ModelRegistry: model kind name -> how to train and how to load it.
//
// Filled explicitly at start-up (RegisterBuiltinModels), never by static
// initialisers. Registration is not thread-safe; once filled, the const
// lookups (Train, Load, kinds) may be called from any number of threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "features/compact_feature_matrix.h"
#include "features/feature_matrix.h"
#include "models/hyperparameters.h"
#include "models/model.h"
#include "models/model_files.h"

namespace churnml {

// What a fit that proceeds in rounds (XGBoost: boosting rounds) reports
// after each round.
struct FitRound {
  int done = 0;   // rounds done
  int total = 0;  // rounds the fit will make
  // The kind's eval metric (XGBoost: "logloss") on FitMonitor's eval rows
  // after this round; empty when the monitor has no eval rows or this round
  // was not evaluated (see FitMonitor::eval_interval_seconds).
  std::string metric;
  double value = 0;
};

// What a fit that proceeds in rounds reports at its end (FitMonitor::outcome).
struct FitOutcome {
  int rounds = 0;       // rounds boosted (fewer than asked when stopped early)
  int best_rounds = 0;  // rounds kept in the model (best validation round, 1-based)
  bool stopped_early = false;
  std::string metric;                    // the validation metric, e.g. "logloss"
  std::vector<double> validation_curve;  // the metric after each round on the validation rows
};

// Called after each round; runs on the training thread; must not throw.
using FitProgress = std::function<void(const FitRound& round)>;

// How a caller watches a fit: a callback per round and, optionally, rows to
// report the eval metric on (held-out rows: the metric shows generalisation).
// The eval rows never change the fitted model. Ignored by kinds that do not
// fit in rounds.
struct FitMonitor {
  FitProgress on_round;                   // may be empty: nothing reported
  const FeatureMatrix* eval_x = nullptr;  // null: no metric; outlives the fit
  std::span<const uint8_t> eval_labels;   // 0/1, one per eval_x row
  // Seconds of fitting between two evaluations, the last round always
  // evaluated; 0 evaluates every round. An evaluation costs about a
  // prediction of every eval row (XGBoost fills each row's feature vector
  // again per round): a progress line redrawn a few times a second needs
  // no more, and then the metric costs a few percent of the fit.
  double eval_interval_seconds = 0;
  // Validation rows carved from the training split (never the test split)
  // that a kind may use to decide the fit itself: XGBoost's
  // early_stopping_rounds stops when their metric has not improved for that
  // many rounds and keeps the best round. Null: none (early stopping then
  // is InvalidArgument). Outlive the fit.
  const FeatureMatrix* validation_x = nullptr;
  std::span<const uint8_t> validation_labels;  // 0/1, one per validation_x row
  // Filled at the end of a fit in rounds when not null.
  FitOutcome* outcome = nullptr;
};

struct ModelFactory {
  // The kind's declared hyperparameters: the CLI builds train's flags, help
  // and validation from them, tune samples its search space from them.
  HyperparameterSpace hyperparameters;
  // Trains on `x` with 0/1 `labels` (one per row) and the kind's
  // hyperparameters as a JSON object (missing keys take their defaults,
  // unknown keys and bad values are InvalidArgument naming the key).
  // `monitor` is reported to by kinds that fit in rounds (others ignore it).
  std::function<Result<std::unique_ptr<Model>>(
      const FeatureMatrix& x, std::span<const uint8_t> labels,
      const nlohmann::json& hyperparameters, const FitMonitor& monitor)>
      train;
  // Optional: trains on the compact matrix (same contract as `train`). A
  // kind without it is trained on x.Densify().
  std::function<Result<std::unique_ptr<Model>>(
      const CompactFeatureMatrix& x, std::span<const uint8_t> labels,
      const nlohmann::json& hyperparameters, const FitMonitor& monitor)>
      train_compact;
  // Loads what Model::Save wrote, reading each file through `files` (the
  // artifact loader's bounded, checksum-verified reads).
  std::function<Result<std::unique_ptr<Model>>(const ModelFiles& files)> load;
};

class ModelRegistry {
 public:
  // AlreadyExists when `kind` is taken; InvalidArgument for an empty name or
  // a factory without both functions.
  Status Register(std::string kind, ModelFactory factory);

  // NotFound for an unknown kind, listing the registered ones.
  Result<std::unique_ptr<Model>> Train(std::string_view kind, const FeatureMatrix& x,
                                       std::span<const uint8_t> labels,
                                       const nlohmann::json& hyperparameters,
                                       const FitMonitor& monitor = {}) const;
  // The same from the compact matrix: the kind's train_compact, else its
  // train on x.Densify() (the same model as Train on Transform's matrix).
  Result<std::unique_ptr<Model>> Train(std::string_view kind, const CompactFeatureMatrix& x,
                                       std::span<const uint8_t> labels,
                                       const nlohmann::json& hyperparameters,
                                       const FitMonitor& monitor = {}) const;
  Result<std::unique_ptr<Model>> Load(std::string_view kind, const ModelFiles& files) const;
  // The kind's declared hyperparameters. NotFound for an unknown kind.
  Result<const HyperparameterSpace*> Hyperparameters(std::string_view kind) const;
  // Whether training `kind` with `hyperparameters` needs validation rows
  // (a declared needs_validation hyperparameter set to a nonzero value).
  bool NeedsValidation(std::string_view kind, const nlohmann::json& hyperparameters) const;

  // Registered kinds, sorted.
  std::vector<std::string> kinds() const;

 private:
  Result<const ModelFactory*> Find(std::string_view kind) const;

  std::map<std::string, ModelFactory, std::less<>> factories_;
};

// Registers "logistic" (LogisticRegression) and "xgboost" (XGBoostModel).
Status RegisterBuiltinModels(ModelRegistry& registry);

}  // namespace churnml
