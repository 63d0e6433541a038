// A bounded, time-ordered history of metric snapshots: what range
// expressions (rate, ratio of rates, quantile) look back over.
#pragma once

#include <cstddef>
#include <deque>
#include <vector>

#include "common/clock.h"
#include "monitoring/metric_sample.h"

namespace churnml::monitoring {

struct Snapshot {
  Clock::TimePoint time;
  std::vector<MetricSample> samples;
};

// Not thread-safe; the evaluator guards it.
class SampleHistory {
 public:
  // Keeps every snapshot newer than `retention` before the newest one (plus
  // the one just before that horizon), and never more than `max_snapshots`.
  SampleHistory(Clock::Duration retention, size_t max_snapshots)
      : retention_(retention), max_snapshots_(max_snapshots) {}

  // Appends a snapshot; `time` must not go backwards (an older one is
  // dropped).
  void Add(Clock::TimePoint time, std::vector<MetricSample> samples);

  const std::deque<Snapshot>& snapshots() const { return snapshots_; }
  bool empty() const { return snapshots_.empty(); }
  const Snapshot& newest() const { return snapshots_.back(); }

 private:
  Clock::Duration retention_;
  size_t max_snapshots_;
  std::deque<Snapshot> snapshots_;
};

}  // namespace churnml::monitoring
