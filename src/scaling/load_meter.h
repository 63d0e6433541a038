// One value of the live autoscaler's signal per interval, from the scrapes
// of every replica (`churnml autoscale run`, docs/deploy.md):
//   rps, inflight  the sum over replicas of each one's rate between its
//                  previous scrape and this one (replica_signal.h);
//   p99            histogram_quantile(0.99, ...) of the sum over replicas
//                  of each one's latency-bucket increase since its previous
//                  scrape (latency_histogram.h); a replica that restarted in
//                  between is skipped for the interval; no request in the
//                  interval is no signal;
//   queue-depth    every worker reports the same store-wide depth, so the
//                  maximum per queue over the workers, summed over the
//                  selected queues (all when none are selected).
// No replica answering is no signal (the policy then holds). A replica
// that does not answer in an interval starts over from its next answer.
// Not thread-safe: one loop drives it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "scaling/latency_histogram.h"
#include "scaling/prometheus_text.h"
#include "scaling/replica_signal.h"

namespace churnml::scaling {

// What one replica's scrape says, for one signal.
struct ReplicaReading {
  ReplicaCounters counters;                   // rps, inflight
  LatencyHistogram latency;                   // p99
  std::map<std::string, double> queue_depth;  // queue-depth
};

// Reads the part of a scrape that `signal` needs. InvalidArgument when
// that part is hostile (ReadPredictionLatency, ReadQueueDepths): the
// replica is then counted as down for the interval.
Result<ReplicaReading> ReadReplica(const std::vector<PromSample>& samples, LoadSignal signal);

struct LoadMeasurement {
  std::optional<double> value;  // the signal; nullopt: none this interval
  std::string note;             // why there is no value, or what was skipped
  int answered = 0;             // replicas whose scrape was read
  int restarted = 0;            // of those, skipped as restarted (p99)
};

class LoadMeter {
 public:
  // `queues`: for queue-depth, the queues to sum (empty = every queue).
  LoadMeter(LoadSignal signal, std::vector<std::string> queues);

  LoadSignal signal() const { return signal_; }

  // One interval: `readings` maps each replica that answered to its
  // reading and the steady-clock time of the scrape in ms.
  LoadMeasurement Measure(std::map<std::string, std::pair<ReplicaReading, int64_t>> readings);

 private:
  LoadSignal signal_;
  std::vector<std::string> queues_;
  std::map<std::string, std::pair<ReplicaReading, int64_t>> previous_;
};

}  // namespace churnml::scaling
