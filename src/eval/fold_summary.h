// Mean and spread of each metric across cross-validation folds.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "eval/binary_metrics.h"

namespace churnml {

// Mean and population standard deviation (divisor = number of folds, like
// numpy's std() that scikit-learn examples report) of one metric over the
// folds where it is defined.
struct MetricSummary {
  double mean = 0;
  double std = 0;
  int64_t folds = 0;  // folds that contributed (ROC AUC / AP skip single-class folds)
};

struct FoldSummaryEntry {
  std::string name;                      // as in ScalarMetrics()
  std::optional<MetricSummary> summary;  // empty when no fold defines the metric
};

struct FoldSummary {
  int64_t folds = 0;
  // One entry per metric, in ScalarMetrics() order.
  std::vector<FoldSummaryEntry> metrics;

  // The entry called `name`, or nullptr.
  const FoldSummaryEntry* Find(const std::string& name) const;
};

// InvalidArgument when `folds` is empty.
Result<FoldSummary> SummarizeFolds(const std::vector<BinaryMetrics>& folds);

}  // namespace churnml
