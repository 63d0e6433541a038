// Human-readable renderings of metrics for the terminal (stderr/stdout of the
// CLI). Numbers print with 4 decimals; an undefined metric prints "undefined".
// The layout is for people, not scripts: scripts read ToJson() instead.
#pragma once

#include <string>
#include <vector>

#include "eval/binary_metrics.h"
#include "eval/fold_summary.h"

namespace churnml {

// Names of the classes in the detailed report ("No"/"Yes" for churn).
struct ClassNames {
  std::string negative = "0";
  std::string positive = "1";
};

// Three aligned lines: row counts and threshold, then the eight metrics four
// to a line under their one name (eval/metric_info.h), e.g.
//   rows 1,000  positives 260 (26.0%)  threshold 0.5
//   accuracy 0.8010     precision         0.6540     recall   0.5430     f1          0.5930
//   roc_auc  0.8460     average_precision 0.6610     log_loss 0.4120     brier_score 0.1340
std::string FormatMetrics(const BinaryMetrics& metrics);

// FormatMetrics, then the confusion matrix and the per-class report
// (precision, recall, f1, support per class, macro and weighted averages).
std::string FormatMetricsDetailed(const BinaryMetrics& metrics, const ClassNames& names = {});

// A named metric set, one column of the side-by-side table.
struct NamedMetrics {
  std::string name;  // column header, e.g. "logistic"
  BinaryMetrics metrics;
};

// One row per metric (rows, positives, threshold, the eight metrics, then the
// confusion counts), one right-aligned column per set, in the given order.
// With no sets, only the metric-name column is printed.
std::string FormatMetricsSideBySide(const std::vector<NamedMetrics>& sets);

// "K folds (mean +/- std)" then one line per metric; a metric defined on only
// some folds says on how many.
std::string FormatFoldSummary(const FoldSummary& summary);

}  // namespace churnml
