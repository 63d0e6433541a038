// Model: a trained binary classifier over a FeatureMatrix.
//
// Concrete kinds live in their own adapter files (logistic_regression.cc for
// liblinear, xgboost_model.cc for XGBoost); the pipeline only sees this
// interface and the ModelRegistry (model_registry.h).
#pragma once

#include <cstddef>
#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string_view>

#include "common/status.h"
#include "features/feature_matrix.h"

namespace churnml {

class Model {
 public:
  virtual ~Model() = default;

  // The registry name of the kind: "logistic", "xgboost".
  virtual std::string_view kind() const = 0;
  // Number of input features the model was trained on.
  virtual size_t num_features() const = 0;
  // The training hyperparameters (every option, defaults included).
  virtual nlohmann::json hyperparameters() const = 0;

  // Writes probability of the positive class for every row of `x` into
  // `out`. InvalidArgument when x.cols() != num_features() or out.size() !=
  // x.rows(); Internal when the model computed anything but a number in
  // [0, 1] (NaN included) for a row. Thread-safe: concurrent calls on one
  // model are allowed.
  Status PredictProba(const FeatureMatrix& x, std::span<double> out) const;

  // Writes the model's own file(s) into the existing directory `dir` (the
  // caller makes the directory atomic, e.g. with StagedDirectory). Files
  // already there with the same names are replaced.
  virtual Status Save(const std::filesystem::path& dir) const = 0;

 protected:
  // Called by PredictProba after the shape checks.
  virtual Status DoPredictProba(const FeatureMatrix& x, std::span<double> out) const = 0;
};

// The name of the hyperparameters file each model kind writes next to its
// model file in Save() and reads back when loaded.
inline constexpr std::string_view kHyperparametersFile = "hyperparameters.json";

}  // namespace churnml
