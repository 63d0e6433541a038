// The tune use case: random search over a model kind's declared
// hyperparameter space (ModelRegistry::Hyperparameters) with successive
// halving (HalvingRandomSearchCV's idea): every sampled configuration is
// cross-validated on a small stratified share of the training rows, the
// best 1/eta move to eta times as many rows, until the survivors see every
// training row. Trials run in parallel; results do not depend on the
// scheduling (each trial fits single-threaded with its own seeds).
//
// Deterministic for a seed: the configurations, the row subsets, the folds
// and the promotions (ties broken by trial id) follow from it.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "data/schema.h"
#include "features/preprocessor.h"
#include "models/hyperparameters.h"
#include "models/model_registry.h"

namespace churnml {

// One rung of successive halving.
struct HalvingRung {
  int candidates = 0;  // configurations evaluated on this rung
  int64_t rows = 0;    // training rows each of them sees
};

// The rungs for `candidates` configurations and `max_rows` training rows
// with factor `eta`: rung k keeps ceil(candidates / eta^k) configurations
// (at least 1) on max_rows / eta^(last - k) rows; the last rung uses every
// row. Rungs whose row count would fall under `min_rows` are dropped (the
// first rung then starts with more rows). InvalidArgument for candidates <
// 1, eta < 2, min_rows < 1 or max_rows < min_rows.
Result<std::vector<HalvingRung>> PlanHalving(int candidates, int64_t max_rows, int eta,
                                             int64_t min_rows);

struct TrialScore {
  int trial = 0;     // trial id (sampling order)
  double score = 0;  // the CV metric, oriented so that higher is better
};

// The `keep` best trials by score (ties: the lower trial id), best first.
std::vector<int> PromoteBest(std::vector<TrialScore> scores, int keep);

// Draws `count` configurations from the declared space, seeded: each
// searched hyperparameter uniformly (in log space for SearchScale::kLog,
// integers rounded), choices uniformly; others keep their defaults.
// Trial 0 is the declared defaults (the baseline the search must beat).
std::vector<nlohmann::json> SampleConfigurations(const HyperparameterSpace& space, int count,
                                                 uint64_t seed);

struct TrialResult {
  int trial = 0;
  int rung = 0;
  int64_t rows = 0;                 // the budget: training rows seen
  nlohmann::json hyperparameters;   // the configuration (seed included)
  std::optional<double> cv_metric;  // mean over folds; empty when it failed
  double cv_metric_std = 0;
  std::string error;  // why it failed (bad combination, ...)
  double seconds = 0;
};

struct TuneOptions {
  std::filesystem::path data_path;
  Schema schema = Schema::Telco();
  std::string model_kind = "xgboost";
  PreprocessorOptions preprocessing;
  int trials = 27;                 // configurations on the first rung, >= 1
  double budget_seconds = 0;       // wall clock; 0 = none. Past it no trial starts
  int cv_folds = 3;                // >= 2
  std::string metric = "roc_auc";  // a scalar metric of eval/metric_info.h
  uint64_t seed = 42;
  int eta = 3;             // halving factor, >= 2
  int64_t min_rows = 300;  // smallest rung
  double test_size = 0.2;  // held out (never seen by the search)
  int parallelism = 0;     // trials at once; 0 = every core
  // Polled from the trial threads before each trial: true stops launching
  // new ones (SIGINT); must be thread-safe.
  std::function<bool()> stop_requested;
  // Called on the calling thread as each trial finishes, in finishing order.
  std::function<void(const TrialResult&)> on_trial;
};

struct TuneReport {
  int64_t train_rows = 0;
  std::vector<HalvingRung> plan;
  std::vector<TrialResult> results;  // every finished evaluation
  int rungs_done = 0;
  bool stopped = false;                 // by stop_requested or the budget
  std::optional<TrialResult> best;      // best on the highest rung reached
  std::optional<TrialResult> baseline;  // the defaults (trial 0) on that rung
  double seconds = 0;
};

// Runs the search. Errors: loading the data, an unknown kind or metric, bad
// options (InvalidArgument naming the flag). A trial that fails (e.g. an
// invalid combination) is recorded with its error and never promoted.
Status Tune(const TuneOptions& options, const ModelRegistry& registry, TuneReport* report);

}  // namespace churnml
