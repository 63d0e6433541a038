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
#include "features/feature_matrix.h"
#include "models/model.h"
#include "models/model_files.h"

namespace churnml {

// Called by a fit that proceeds in rounds (XGBoost: after each boosting
// round) with the rounds done and the total; may be empty. Runs on the
// training thread; must not throw.
using FitProgress = std::function<void(int done, int total)>;

struct ModelFactory {
  // Trains on `x` with 0/1 `labels` (one per row) and the kind's
  // hyperparameters as a JSON object (missing keys take their defaults,
  // unknown keys and bad values are InvalidArgument naming the key).
  // `progress` is reported to by kinds that fit in rounds (others ignore it).
  std::function<Result<std::unique_ptr<Model>>(
      const FeatureMatrix& x, std::span<const uint8_t> labels,
      const nlohmann::json& hyperparameters, const FitProgress& progress)>
      train;
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
                                       const FitProgress& progress = {}) const;
  Result<std::unique_ptr<Model>> Load(std::string_view kind, const ModelFiles& files) const;

  // Registered kinds, sorted.
  std::vector<std::string> kinds() const;

 private:
  Result<const ModelFactory*> Find(std::string_view kind) const;

  std::map<std::string, ModelFactory, std::less<>> factories_;
};

// Registers "logistic" (LogisticRegression) and "xgboost" (XGBoostModel).
Status RegisterBuiltinModels(ModelRegistry& registry);

}  // namespace churnml
