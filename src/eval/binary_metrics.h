// Binary-classification metrics on plain vectors: labels 0/1 and predicted
// probabilities of class 1. The definitions follow scikit-learn (see
// docs/metrics.md for each formula and every degenerate case).
//
// Input contract shared by every function here:
//   - empty input                      → InvalidArgument
//   - labels and probabilities differ in size → InvalidArgument naming both sizes
//   - a label other than 0 or 1        → InvalidArgument naming the index
//   - a probability outside [0, 1] or NaN → InvalidArgument naming the index
//   - a threshold outside [0, 1] or NaN → InvalidArgument
// A row is predicted positive when probability >= threshold (a score exactly
// at the threshold counts as positive).
//
// ROC AUC and average precision need both classes. The single-metric
// functions (RocAuc, AveragePrecision) return FailedPrecondition when only one
// class is present; ComputeBinaryMetrics still succeeds and leaves the
// corresponding std::optional empty (JSON null, text "undefined"), so one
// single-class fold does not hide the metrics that are defined.
//
// Ratios with a zero denominator are 0 (scikit-learn's zero_division=0):
// precision with no predicted positives, recall with no actual positives,
// F1 when precision + recall is 0.
//
// Cost: O(n) for the threshold metrics, one O(n) radix sort of the scores for
// the ranking metrics. All functions are pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"

namespace churnml {

// Probabilities are clipped to [kLogLossEpsilon, 1 - kLogLossEpsilon] before
// taking logarithms, so a confident wrong prediction costs -log(1e-15) ≈ 34.5
// instead of infinity.
inline constexpr double kLogLossEpsilon = 1e-15;
inline constexpr double kDefaultThreshold = 0.5;

// Counts at a threshold; "positive" is label 1.
struct ConfusionMatrix {
  int64_t tn = 0;  // label 0, predicted 0
  int64_t fp = 0;  // label 0, predicted 1
  int64_t fn = 0;  // label 1, predicted 0
  int64_t tp = 0;  // label 1, predicted 1

  int64_t total() const { return tn + fp + fn + tp; }
  bool operator==(const ConfusionMatrix&) const = default;
};

// One row of a classification report.
struct ClassScores {
  double precision = 0;
  double recall = 0;
  double f1 = 0;
  int64_t support = 0;  // rows whose true label is the class (all rows for averages)
};

// scikit-learn's classification_report for the two classes.
struct ClassReport {
  ClassScores negative;      // class 0
  ClassScores positive;      // class 1
  ClassScores macro_avg;     // unweighted mean of the two classes
  ClassScores weighted_avg;  // mean weighted by support
  double accuracy = 0;
};

struct BinaryMetrics {
  int64_t rows = 0;
  int64_t positives = 0;  // rows with label 1
  double threshold = kDefaultThreshold;

  double accuracy = 0;
  double precision = 0;
  double recall = 0;
  double f1 = 0;
  std::optional<double> roc_auc;            // empty when only one class is present
  std::optional<double> average_precision;  // PR AUC; empty when only one class is present
  double log_loss = 0;
  double brier_score = 0;

  ConfusionMatrix confusion;
  ClassReport report;
};

// Every metric at `threshold` plus the threshold-free ones, with one pass for
// the counts and losses and one sort for the ranking metrics.
Result<BinaryMetrics> ComputeBinaryMetrics(std::span<const uint8_t> labels,
                                           std::span<const double> probabilities,
                                           double threshold = kDefaultThreshold);

// Area under the ROC curve, trapezoidal over distinct score thresholds; equals
// the Mann-Whitney probability that a random positive outscores a random
// negative, ties counted one half. FailedPrecondition when one class is absent.
Result<double> RocAuc(std::span<const uint8_t> labels, std::span<const double> scores);

// Average precision: sum over distinct thresholds (descending) of
// (R_n - R_{n-1}) * P_n, tied scores forming one threshold.
// FailedPrecondition when one class is absent.
Result<double> AveragePrecision(std::span<const uint8_t> labels, std::span<const double> scores);

// Mean negative log-likelihood with probabilities clipped to
// [kLogLossEpsilon, 1 - kLogLossEpsilon].
Result<double> LogLoss(std::span<const uint8_t> labels, std::span<const double> probabilities);

// Mean of (probability - label)^2.
Result<double> BrierScore(std::span<const uint8_t> labels, std::span<const double> probabilities);

// Counts with "predicted 1" meaning probability >= threshold.
Result<ConfusionMatrix> ConfusionMatrixAt(std::span<const uint8_t> labels,
                                          std::span<const double> probabilities,
                                          double threshold = kDefaultThreshold);

// Per-class precision/recall/F1/support and their macro and weighted averages.
Result<ClassReport> ClassificationReport(std::span<const uint8_t> labels,
                                         std::span<const double> probabilities,
                                         double threshold = kDefaultThreshold);

// Builds the report from counts (never fails; zero denominators give 0).
ClassReport ClassificationReportFromCounts(const ConfusionMatrix& confusion);

// One scalar metric by name, in the stable order used by the JSON, text and
// fold-summary renderings: accuracy, precision, recall, f1, roc_auc,
// average_precision, log_loss, brier_score. `value` is empty when undefined.
struct NamedMetric {
  std::string name;
  std::optional<double> value;
};
std::vector<NamedMetric> ScalarMetrics(const BinaryMetrics& metrics);

}  // namespace churnml
