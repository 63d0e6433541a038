#include "scaling/load_meter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace churnml::scaling {

Result<ReplicaReading> ReadReplica(const std::vector<PromSample>& samples, LoadSignal signal) {
  ReplicaReading reading;
  switch (signal) {
    case LoadSignal::kRequestRate:
    case LoadSignal::kInFlight:
      reading.counters = ReadReplicaCounters(samples);
      break;
    case LoadSignal::kP99Latency: {
      CHURNML_ASSIGN_OR_RETURN(reading.latency, ReadPredictionLatency(samples));
      break;
    }
    case LoadSignal::kQueueDepth: {
      CHURNML_ASSIGN_OR_RETURN(reading.queue_depth, ReadQueueDepths(samples));
      break;
    }
  }
  return reading;
}

LoadMeter::LoadMeter(LoadSignal signal, std::vector<std::string> queues)
    : signal_(signal), queues_(std::move(queues)) {}

LoadMeasurement LoadMeter::Measure(
    std::map<std::string, std::pair<ReplicaReading, int64_t>> readings) {
  LoadMeasurement m;
  m.answered = static_cast<int>(readings.size());
  if (readings.empty()) {
    m.note = "no replica answered";
    previous_.clear();
    return m;
  }
  switch (signal_) {
    case LoadSignal::kRequestRate:
    case LoadSignal::kInFlight: {
      double load = 0;
      for (const auto& [url, now] : readings) {
        auto it = previous_.find(url);
        if (it == previous_.end()) continue;  // its first answer: no difference yet
        const double seconds = static_cast<double>(now.second - it->second.second) / 1000.0;
        load += LoadBetween(it->second.first.counters, now.first.counters, seconds, signal_);
      }
      m.value = load;
      break;
    }
    case LoadSignal::kP99Latency: {
      LatencyHistogram sum;
      int compared = 0;
      for (const auto& [url, now] : readings) {
        auto it = previous_.find(url);
        if (it == previous_.end()) continue;
        std::optional<LatencyHistogram> increase =
            HistogramIncrease(it->second.first.latency, now.first.latency);
        if (!increase) {
          ++m.restarted;
          continue;
        }
        ++compared;
        AddHistogram(*increase, &sum);
      }
      if (m.restarted > 0) {
        m.note = fmt::format("{} replica(s) restarted since the last scrape, skipped", m.restarted);
      }
      const double total = sum.Total();
      if (compared == 0) {
        m.note = m.note.empty() ? "no earlier scrape to compare with" : m.note;
        break;
      }
      if (total <= 0) {
        m.note = "no prediction request in the interval";
        break;
      }
      const double p99 = HistogramQuantile(0.99, sum.buckets);
      if (std::isnan(p99)) {
        m.note = "the latency buckets give no quantile";
        break;
      }
      m.value = p99;
      break;
    }
    case LoadSignal::kQueueDepth: {
      // Every worker sees the same store: the deepest report per queue is
      // the freshest, never a sum.
      std::map<std::string, double> deepest;
      for (const auto& [url, now] : readings) {
        for (const auto& [queue, depth] : now.first.queue_depth) {
          double& d = deepest[queue];
          d = std::max(d, depth);
        }
      }
      double depth = 0;
      if (queues_.empty()) {
        for (const auto& [queue, d] : deepest) depth += d;
      } else {
        for (const std::string& queue : queues_) {
          if (auto it = deepest.find(queue); it != deepest.end()) depth += it->second;
        }
      }
      if (deepest.empty()) m.note = "no churnml_jobs_queue_depth series from any target";
      m.value = depth;
      break;
    }
  }
  previous_ = std::move(readings);
  return m;
}

}  // namespace churnml::scaling
