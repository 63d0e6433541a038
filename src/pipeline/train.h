// The train use case: load and validate a CSV, split it (stratified), fit the
// preprocessor on the training split only, fit the model, evaluate it on the
// test split (and optionally cross-validate), then write the artifact
// directory atomically.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/atomic_file.h"
#include "common/status.h"
#include "data/csv_loader.h"
#include "data/schema.h"
#include "data/validation_issue.h"
#include "eval/binary_metrics.h"
#include "eval/fold_summary.h"
#include "features/preprocessor.h"
#include "models/calibration.h"
#include "models/model_registry.h"
#include "pipeline/calibration_check.h"
#include "pipeline/threshold_choice.h"

namespace churnml {

struct TrainOptions {
  std::filesystem::path data_path;
  Schema schema = Schema::Telco();
  std::string model_kind = "logistic";
  // The kind's hyperparameters (keys as documented per kind in docs/cli.md).
  nlohmann::json hyperparameters = nlohmann::json::object();
  PreprocessorOptions preprocessing;
  double test_size = 0.2;  // share of rows held out, in (0, 1)
  uint64_t seed = 42;      // split and cross-validation shuffles
  int cv_folds = 0;        // 0 = no cross-validation; else k >= 2
  double threshold = 0.5;  // probability at or above which a row is predicted positive
  // Validation rows carved from the training split (stratified, seeded;
  // never the test split) when something needs them: early stopping (a
  // kind's needs_validation hyperparameter), threshold_for, calibrate.
  // Share of the training split, in (0, 1).
  double validation_fraction = 0.1;
  // Choose `threshold` on the validation rows instead (recorded in the artifact).
  std::optional<ThresholdGoal> threshold_for;
  // Fit this calibration on the validation rows and apply it after the model.
  std::optional<CalibrationMethod> calibrate;
  // kFail: stop and report invalid rows; kDrop: train without them, counted.
  InvalidRowPolicy invalid_rows = InvalidRowPolicy::kFail;
  int64_t max_issues = 20;  // validation issues kept for the report
  std::filesystem::path out_dir;
  // kFail: AlreadyExists when out_dir exists. kReplace (--force): replaces
  // out_dir only when it is a churnml model directory (its model.json says
  // so); anything else is FailedPrecondition and stays untouched.
  ExistingPolicy existing = ExistingPolicy::kFail;
  // Called after each of the kTrainStages stages (load, preprocess and fit,
  // evaluate, cross-validate, save) with the number done; may be empty.
  std::function<void(int stages_done)> on_progress;
  // Called by fits that proceed in rounds (XGBoost) after each round, in
  // the final fit and in each cross-validation fold, with the eval metric on
  // that fit's held-out rows (the test split; the fold's held-out part); may
  // be empty (then no per-round evaluation is done).
  FitProgress on_fit_round;
  // Seconds between two of those evaluations (FitMonitor); 0 = every round.
  double fit_eval_interval_seconds = 0;
};

inline constexpr int kTrainStages = 5;

// Wall-clock seconds of each stage.
struct TrainTimings {
  double load = 0;
  double preprocess = 0;
  double fit = 0;
  double evaluate = 0;
  double cross_validate = 0;
  double save = 0;
  double total = 0;
};

struct TrainReport {
  int64_t rows_read = 0;
  int64_t validation_rows = 0;  // carved from the training split; 0 = none
  FitOutcome fit;               // rounds, best round, validation curve (XGBoost)
  double threshold = 0.5;       // the serving threshold written to the artifact
  std::optional<ThresholdChoice> threshold_choice;  // with threshold_for
  // With calibrate: the test split before and after calibration.
  std::optional<CalibrationCheck> test_uncalibrated;
  std::optional<CalibrationCheck> test_calibrated;
  int64_t rows_dropped = 0;
  int64_t train_rows = 0;
  int64_t test_rows = 0;
  std::string data_fingerprint;  // XXH3-128 of the file's bytes
  IssueList issues{20};          // validation problems (kept up to max_issues)
  BinaryMetrics test_metrics;
  std::optional<FoldSummary> cv;
  std::vector<BinaryMetrics> cv_folds;  // each fold's held-out metrics
  nlohmann::json hyperparameters;       // every option, defaults included
  std::filesystem::path artifact_dir;
  TrainTimings timings;

  // The stable JSON shape of `churnml train --json` (docs/cli.md).
  nlohmann::json ToJson(const std::string& model_kind) const;
};

// Fills `report` as far as training got, so a failed run still carries its
// validation issues. Returns FailedPrecondition when rows failed validation
// under InvalidRowPolicy::kFail, and the first error of any stage otherwise.
Status Train(const TrainOptions& options, const ModelRegistry& registry, TrainReport* report);

// The fit step of Train, shared with tune: preprocessing fitted on `train`
// (minus the validation rows when options need them), the model, then the
// calibration and threshold chosen on the validation rows.
struct FittedModel {
  Preprocessor preprocessor;
  std::unique_ptr<Model> model;
  std::optional<Calibrator> calibration;
  double threshold = 0.5;
  std::optional<ThresholdChoice> threshold_choice;
  FitOutcome outcome;
  int64_t validation_rows = 0;

  // Calibrated probabilities for `data`.
  Status Predict(const Dataset& data, std::vector<double>* probabilities) const;
};

// `held_out` carries the per-round eval metric when options.on_fit_round
// watches the fit (may be empty otherwise). `timings` may be null.
Result<FittedModel> FitModel(const Dataset& train, const Dataset& held_out,
                             const TrainOptions& options, const ModelRegistry& registry,
                             TrainTimings* timings);

}  // namespace churnml
