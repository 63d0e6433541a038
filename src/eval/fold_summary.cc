#include "eval/fold_summary.h"

#include <cmath>

namespace churnml {

const FoldSummaryEntry* FoldSummary::Find(const std::string& name) const {
  for (const FoldSummaryEntry& entry : metrics) {
    if (entry.name == name) return &entry;
  }
  return nullptr;
}

Result<FoldSummary> SummarizeFolds(const std::vector<BinaryMetrics>& folds) {
  if (folds.empty()) {
    return InvalidArgumentError("fold summary needs at least one fold, got none");
  }
  FoldSummary summary;
  summary.folds = static_cast<int64_t>(folds.size());

  std::vector<std::vector<NamedMetric>> per_fold;
  per_fold.reserve(folds.size());
  for (const BinaryMetrics& fold : folds) per_fold.push_back(ScalarMetrics(fold));

  const size_t num_metrics = per_fold.front().size();
  for (size_t k = 0; k < num_metrics; ++k) {
    FoldSummaryEntry entry{per_fold.front()[k].name, std::nullopt};
    // Two passes (mean, then squared deviations) for a numerically safe std.
    double sum = 0;
    int64_t count = 0;
    for (const auto& metrics : per_fold) {
      if (metrics[k].value) {
        sum += *metrics[k].value;
        ++count;
      }
    }
    if (count > 0) {
      const double mean = sum / static_cast<double>(count);
      double squares = 0;
      for (const auto& metrics : per_fold) {
        if (metrics[k].value) squares += (*metrics[k].value - mean) * (*metrics[k].value - mean);
      }
      entry.summary = MetricSummary{mean, std::sqrt(squares / static_cast<double>(count)), count};
    }
    summary.metrics.push_back(std::move(entry));
  }
  return summary;
}

}  // namespace churnml
