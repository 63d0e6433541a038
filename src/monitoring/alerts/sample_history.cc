#include "monitoring/alerts/sample_history.h"

#include <utility>

namespace churnml::monitoring {

void SampleHistory::Add(Clock::TimePoint time, std::vector<MetricSample> samples) {
  if (!snapshots_.empty() && time < snapshots_.back().time) return;
  snapshots_.push_back(Snapshot{time, std::move(samples)});
  const Clock::TimePoint horizon = time - retention_;
  // Drop a snapshot only when the next one is still at or before the horizon,
  // so a window that starts at the horizon still has its first point.
  while (snapshots_.size() > 1 && snapshots_[1].time <= horizon) snapshots_.pop_front();
  while (snapshots_.size() > max_snapshots_) snapshots_.pop_front();
}

}  // namespace churnml::monitoring
