// The drift use case: compare new rows with the reference profile frozen in
// a model's artifact. Each feature and the model's score get PSI, the
// Jensen–Shannon distance and a test (KS for numbers and the score,
// chi-square for categories), all from binned counts (eval/drift_statistics.h).
//
// A feature drifts only when its effect size passes its threshold AND its
// test is significant: at a million rows every p-value is tiny, so a p-value
// alone would flag shifts nobody cares about. The dataset drifts when the
// share of drifted features reaches `share_threshold` or the score drifts.
// docs/quality.md documents every rule and default.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "data/validation_issue.h"
#include "eval/binary_metrics.h"
#include "eval/drift_statistics.h"
#include "pipeline/model_artifact.h"
#include "pipeline/reference_profile.h"

namespace churnml {

struct DriftThreshold {
  double psi = 0.1;     // effect size: PSI at or above this…
  double alpha = 0.05;  // …and a p-value below this flag drift
};

struct DriftRules {
  DriftThreshold feature;                          // default for every feature
  std::map<std::string, DriftThreshold> features;  // per-feature overrides, by name
  DriftThreshold score;                            // for the model's score
  double share_threshold = 0.5;  // dataset drift: share of drifted features, in (0, 1]
};

// Checks ranges (psi > 0, alpha in (0, 1), share in (0, 1]) and that every
// per-feature override names a profiled feature (InvalidArgument listing them).
Status ValidateDriftRules(const DriftRules& rules, const ReferenceProfile& reference);

struct HistogramDrift {
  std::string name;
  HistogramKind kind = HistogramKind::kNumeric;
  std::string test;  // "ks" or "chi_square"
  double psi = 0;
  double js_distance = 0;
  TestResult result;
  double reference_missing_rate = 0;
  double current_missing_rate = 0;
  DriftThreshold threshold;
  bool drifted = false;
  Histogram reference;  // the counts compared, for reports
  Histogram current;
};

struct DriftComparison {
  std::vector<HistogramDrift> features;
  std::optional<HistogramDrift> score;  // empty when either side has no scores
  int drifted_features = 0;
  double drifted_share = 0;
  bool score_drifted = false;
  bool dataset_drifted = false;
  int64_t reference_rows = 0;
  int64_t current_rows = 0;
  double reference_label_rate = 0;
  std::optional<double> current_label_rate;  // with labels
};

// The pure part: reference vs current counts over the same bins. A
// histogram with no rows on either side is reported with p = 1 and never
// drifts. InvalidArgument when the profiles' bins differ.
Result<DriftComparison> CompareProfiles(const ReferenceProfile& reference,
                                        const ReferenceProfile& current, const DriftRules& rules);

struct DriftOptions {
  std::filesystem::path data_path;  // the new rows (raw schema; the target is optional)
  DriftRules rules;
  int64_t max_issues = 20;
};

struct DriftReport {
  std::string data_path;
  int64_t rows_read = 0;
  int64_t rows_dropped = 0;  // rows failing validation are left out and counted
  IssueList issues{20};
  DriftComparison comparison;
  // With labels in the new data: current metrics at the model's threshold,
  // beside the training split's (from the artifact).
  std::optional<BinaryMetrics> current_metrics;
  std::optional<BinaryMetrics> training_metrics;
  double mean_score = 0;  // calibration in the large: mean probability vs label rate
  double load_seconds = 0;
  double score_seconds = 0;
  double compare_seconds = 0;
};

// The artifact's probabilities for every row of `data`, scored in chunks of
// `chunk_rows` on up to `threads` threads (0 = one per core): memory is a
// chunk's feature matrix per thread rather than the whole data set's.
Status ScoreInChunks(const ModelArtifact& artifact, const Dataset& data,
                     std::vector<double>* scores, size_t chunk_rows = 65536, int threads = 0);

// The artifact's reference profile. NotFound when the model was trained
// before profiles existed (retrain it); InvalidArgument for a damaged file.
Result<ReferenceProfile> LoadReferenceProfile(const ModelArtifact& artifact);

// Loads options.data_path against the artifact's schema, scores it, bins it
// into the profile's edges and compares. IOError/InvalidArgument for
// unreadable or malformed input; a row failing validation is dropped and
// counted, not an error.
Status MeasureDrift(const ModelArtifact& artifact, const ReferenceProfile& reference,
                    const DriftOptions& options, DriftReport* report);

// The stable JSON shape of `churnml drift --json` and GET /drift
// (docs/quality.md).
nlohmann::json DriftComparisonJson(const DriftComparison& comparison);
nlohmann::json DriftReportJson(const DriftReport& report);

}  // namespace churnml
