#include "monitoring/stage_profiler.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>

#include "common/strings.h"

namespace churnml::monitoring {

std::string FormatSeconds(double seconds) {
  if (seconds < 1e-6) return FormatFixed(seconds * 1e9, 0) + " ns";
  if (seconds < 1e-3) return FormatFixed(seconds * 1e6, 1) + " µs";
  if (seconds < 1) return FormatFixed(seconds * 1e3, 1) + " ms";
  return FormatFixed(seconds, 2) + " s";
}

Result<std::unique_ptr<StageProfiler>> StageProfiler::Create(MetricsRegistry* registry,
                                                             std::vector<std::string> stage_names) {
  if (stage_names.empty()) return InvalidArgumentError("stage profiler: no stages given");
  std::set<std::string_view> seen;
  for (const std::string& name : stage_names) {
    if (name.empty()) return InvalidArgumentError("stage profiler: a stage name is empty");
    if (!seen.insert(name).second) {
      return InvalidArgumentError("stage profiler: stage \"" + name + "\" given twice");
    }
  }
  std::vector<Histogram*> histograms;
  bool on = true;
  if (registry != nullptr) {
    CHURNML_ASSIGN_OR_RETURN(
        HistogramFamily * family,
        registry->AddHistogram("churnml_stage_duration_seconds",
                               "Time spent in each request or batch stage, in seconds.", {"stage"},
                               DefaultLatencyBuckets()));
    for (const std::string& name : stage_names) histograms.push_back(&family->WithLabels({name}));
    on = registry->instrumentation() == Instrumentation::kOn;
  }
  return std::unique_ptr<StageProfiler>(
      new StageProfiler(std::move(stage_names), std::move(histograms), on));
}

StageProfiler::StageProfiler(std::vector<std::string> names, std::vector<Histogram*> histograms,
                             bool on)
    : names_(std::move(names)),
      histograms_(std::move(histograms)),
      on_(on),
      totals_(2 * names_.size()) {}

Result<size_t> StageProfiler::StageIndex(std::string_view name) const {
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return i;
  }
  return NotFoundError("stage profiler: no stage \"" + std::string(name) +
                       "\"; stages: " + Join(names_, ", "));
}

void StageProfiler::Record(size_t stage, Clock::Duration duration) {
  if (!on_ || stage >= names_.size()) return;
  const int64_t nanos =
      std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::nanoseconds>(duration).count());
  const internal::StripeSlot& slot = internal::ThisThreadStripe();
  internal::StripeAddCount(slot, totals_.Word(slot.index, 2 * stage), 1);
  internal::StripeAddCount(slot, totals_.Word(slot.index, 2 * stage + 1),
                           static_cast<uint64_t>(nanos));
  if (!histograms_.empty()) histograms_[stage]->Observe(static_cast<double>(nanos) * 1e-9);
}

ProfileSummary StageProfiler::Summary() const {
  ProfileSummary summary;
  double all_seconds = 0;
  for (size_t i = 0; i < names_.size(); ++i) {
    StageStats stats;
    stats.name = names_[i];
    stats.count = totals_.SumCount(2 * i);
    stats.total_seconds = static_cast<double>(totals_.SumCount(2 * i + 1)) * 1e-9;
    if (stats.count > 0)
      stats.mean_seconds = stats.total_seconds / static_cast<double>(stats.count);
    all_seconds += stats.total_seconds;
    summary.stages.push_back(std::move(stats));
  }
  uint64_t all_count = 0;
  for (StageStats& stats : summary.stages) {
    all_count += stats.count;
    if (all_seconds > 0) stats.share = stats.total_seconds / all_seconds;
  }
  if (all_count == 0) {
    summary.text = "no stage timings recorded";
    return summary;
  }
  size_t slowest = 0;
  for (size_t i = 1; i < summary.stages.size(); ++i) {
    if (summary.stages[i].total_seconds > summary.stages[slowest].total_seconds) slowest = i;
  }
  summary.slowest = slowest;
  const StageStats& top = summary.stages[slowest];
  summary.text = top.name + ": " + FormatFixed(std::round(top.share * 100), 0) +
                 "% of time, mean " + FormatSeconds(top.mean_seconds);
  return summary;
}

}  // namespace churnml::monitoring
