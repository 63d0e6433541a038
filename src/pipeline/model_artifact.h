// The model artifact: a directory holding everything needed to score raw
// rows, written under a temporary name and renamed into place.
//
//   model.json         format version, kind, schema, feature names, training
//                      metadata (data fingerprint, rows, split, seed,
//                      hyperparameters), test metrics, threshold, base rate
//   preprocessor.json  the fitted Preprocessor
//   model.txt | xgboost_model.json  the model's own file (liblinear text / XGBoost JSON)
//
// docs/artifact.md is the contract; kArtifactFormatVersion changes only with
// a migration. Loading checks the version and the schema and fails with a
// message naming the directory and the mismatch.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "common/atomic_file.h"
#include "common/status.h"
#include "data/dataset.h"
#include "data/schema.h"
#include "features/preprocessor.h"
#include "models/model.h"
#include "models/model_registry.h"

namespace churnml {

inline constexpr int kArtifactFormatVersion = 1;

class ModelArtifact {
 public:
  // `metadata` holds the "training" and "metrics" sections and any other
  // descriptive fields; Save adds format version, kind, schema, features,
  // threshold, base rate and build info.
  ModelArtifact(Schema schema, Preprocessor preprocessor, std::unique_ptr<Model> model,
                double threshold, double positive_rate, nlohmann::json metadata);

  // Reads a directory written by Save. NotFound when it is missing;
  // FailedPrecondition on a format version this build cannot read;
  // InvalidArgument when a file is corrupt (naming the file and field).
  // `registry` knows how to load each model kind.
  static Result<std::shared_ptr<const ModelArtifact>> Load(const std::filesystem::path& dir,
                                                           const ModelRegistry& registry);

  // Writes the directory atomically (StagedDirectory). AlreadyExists with
  // ExistingPolicy::kFail when `dir` exists.
  Status Save(const std::filesystem::path& dir, ExistingPolicy policy) const;

  // Probability of the positive class for each row. Thread-safe.
  Status PredictProba(const Dataset& data, std::vector<double>* probabilities) const;

  const Schema& schema() const { return schema_; }
  const Preprocessor& preprocessor() const { return preprocessor_; }
  const Model& model() const { return *model_; }
  double threshold() const { return threshold_; }
  // Share of positives in the training split: the prior a fallback answers with.
  double positive_rate() const { return positive_rate_; }
  const nlohmann::json& metadata() const { return metadata_; }

 private:
  Schema schema_;
  Preprocessor preprocessor_;
  std::unique_ptr<Model> model_;
  double threshold_;
  double positive_rate_;
  nlohmann::json metadata_;
};

}  // namespace churnml
