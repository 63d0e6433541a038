// Champion/challenger retraining behind a statistical gate.
//
//   1. Resolve NAME@ALIAS (the champion) in the store.
//   2. Optionally (if_drift) measure drift of the new data against the
//      champion's profile and stop when there is none.
//   3. Train a challenger with the champion's kind, hyperparameters and
//      threshold on the new data (a tracked run, registered as a new version
//      with the alias "challenger").
//   4. Score both on the same frozen holdout rows: a given file, or the
//      challenger's own held-out split of the new data (same seed and share,
//      recorded by fingerprint).
//   5. The gate — every check must pass: ROC AUC better by at least
//      min_improvement (absolute) and min_relative_improvement (relative,
//      MLflow's MetricThreshold), the paired DeLong test significant at alpha
//      with the challenger ahead, Brier score no worse than +brier_tolerance,
//      recall at the threshold no worse than -recall_tolerance.
//   6. Record the decision as a run (experiment "retrain"): both models'
//      metrics, z, p-value, each check. On promotion the alias moves by
//      compare-and-set in the same store transaction that finishes the run;
//      the old champion keeps the alias "previous".
// A kill at any point leaves the alias on the old or the new champion.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "eval/binary_metrics.h"
#include "eval/delong.h"
#include "models/model_registry.h"
#include "pipeline/drift.h"
#include "tracking/tracking_store.h"

namespace churnml {

enum class RetrainMode { kPromote, kDryRun };
enum class DriftPrecondition { kNone, kRequireDrift };

struct PromotionGate {
  double min_improvement = 0.002;         // ROC AUC, absolute
  double min_relative_improvement = 0.0;  // ROC AUC, relative to the champion's
  double alpha = 0.05;                    // DeLong, two-sided
  double brier_tolerance = 0.005;         // challenger Brier <= champion's + this
  double recall_tolerance = 0.02;         // challenger recall >= champion's - this
};

struct RetrainOptions {
  tracking::StoreOptions store;
  std::string model;  // registered model name
  std::string alias = "champion";
  std::string previous_alias = "previous";
  std::filesystem::path data_path;     // new labelled data
  std::filesystem::path holdout_path;  // empty: the challenger's test split of data_path
  double holdout_share = 0.2;
  uint64_t seed = 42;
  PromotionGate gate;
  RetrainMode mode = RetrainMode::kPromote;
  DriftPrecondition drift = DriftPrecondition::kNone;
  DriftRules drift_rules;
  int64_t cooldown_ms = 0;  // no promotion when the alias moved more recently
  std::string experiment = "retrain";
  // Crash tests: called at "retrain.trained", "retrain.decided" and the
  // store's points. Empty in production.
  std::function<void(std::string_view point)> checkpoint;
};

struct GateCheck {
  std::string name;  // auc_absolute, auc_relative, delong, brier, recall
  bool passed = false;
  std::string detail;
};

struct RetrainReport {
  std::string decision;  // promoted, refused, dry_run, no_drift, cooldown
  std::string reason;    // one line
  std::string decision_run_id;
  std::string challenger_run_id;
  int64_t champion_version = 0;
  int64_t challenger_version = 0;
  std::optional<BinaryMetrics> champion_metrics;  // on the holdout
  std::optional<BinaryMetrics> challenger_metrics;
  std::optional<DeLongResult> delong;
  std::vector<GateCheck> checks;
  std::string holdout;  // what the holdout was, with its fingerprint
  int64_t holdout_rows = 0;
  std::optional<DriftComparison> drift;
};

// Errors: the store's, the data's, training's; FailedPrecondition when the
// alias moved meanwhile (nothing promoted; the decision run says so).
// A refused challenger is not an error: report->decision says "refused".
Status Retrain(const RetrainOptions& options, const ModelRegistry& registry, RetrainReport* report);

// Applies the gate to metrics on the same rows (pure; used by Retrain).
std::vector<GateCheck> ApplyGate(const PromotionGate& gate, const BinaryMetrics& champion,
                                 const BinaryMetrics& challenger, const DeLongResult& delong);

// `churnml models rollback`: points `alias` back at `previous_alias`'s
// version and `previous_alias` at the one it leaves (a swap, so a second
// rollback undoes the first), by compare-and-set, recorded as a run.
// Returns the version now behind `alias`.
Result<int64_t> RollbackAlias(const tracking::StoreOptions& store, const std::string& model,
                              const std::string& alias = "champion",
                              const std::string& previous_alias = "previous");

}  // namespace churnml
