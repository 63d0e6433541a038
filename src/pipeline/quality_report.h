// The model-quality report: one self-contained HTML file (inline CSS and
// SVG, no script, no network) with the metrics table, ROC and PR curves,
// the calibration diagram with the expected calibration error (before and
// after calibration for a calibrated model) and its reliability table, score histograms per class,
// the confusion matrix at the threshold, cumulative gains, feature importance and the drift table
// with a reference-vs-current histogram per feature. Curves are downsampled
// (LTTB) to a fixed number of points, so the file's size does not grow with
// the rows: a few hundred kilobytes at a million rows.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "eval/binary_metrics.h"
#include "pipeline/drift.h"
#include "pipeline/model_artifact.h"

namespace churnml {

struct QualityReportInput {
  std::string title;
  std::string model_name;
  std::string data_name;
  std::string negative_label = "No";
  std::string positive_label = "Yes";
  // With labels: the metrics sections (metrics may be null without labels).
  const BinaryMetrics* metrics = nullptr;
  const BinaryMetrics* training_metrics = nullptr;
  std::span<const uint8_t> labels;
  std::span<const double> scores;
  // For a calibrated model: its own probabilities before calibration (one
  // per label) and the method's name; the calibration section then shows
  // the ECE and reliability curve before and after. Empty otherwise.
  std::span<const double> uncalibrated_scores;
  std::string calibration_method;
  double threshold = 0.5;
  // (raw feature, importance), largest first.
  std::vector<std::pair<std::string, double>> importance;
  std::string importance_method;
  const DriftComparison* drift = nullptr;  // may be null
  size_t max_curve_points = 200;
};

// The HTML text. InvalidArgument when labels and scores differ in size.
Result<std::string> RenderQualityReport(const QualityReportInput& input);

struct ReportOptions {
  std::filesystem::path data_path;  // labelled CSV (raw schema)
  std::filesystem::path out_path;   // the HTML file, written atomically
  std::string model_name;           // as the user named it, for the title
  DriftRules rules;                 // for the drift section (when the model has a profile)
  int64_t importance_rows = 20000;  // rows sampled for permutation importance
  uint64_t seed = 42;               // the permutation shuffles
};

struct ReportSummary {
  int64_t rows = 0;
  int64_t bytes = 0;
  int charts = 0;
  bool drift_section = false;
  double seconds = 0;
};

// Permutation importance of each raw feature: the drop in ROC AUC when that
// column is shuffled across rows (Breiman 2001), on at most `max_rows` rows
// of `data`. Works for every model kind and names schema columns rather
// than one-hot parts. Sorted by importance, largest first.
Result<std::vector<std::pair<std::string, double>>> PermutationImportance(
    const ModelArtifact& artifact, const Dataset& data, int64_t max_rows, uint64_t seed);

// Loads and scores the data, computes metrics, curves, importance and (when
// the artifact carries a profile) drift, and writes the report.
// FailedPrecondition when the data has no target column or lacks a class.
Status WriteQualityReport(const ModelArtifact& artifact, const ReportOptions& options,
                          ReportSummary* summary);

}  // namespace churnml
