// The load one replica reports, read from its /metrics (serve's series,
// docs/metrics.md), for the live autoscaler:
//   rps       answered prediction requests per second: the rate of
//             churnml_http_requests_total on the prediction routes
//             (/predict, /predict/batch, .../infer);
//   inflight  requests in flight on average (Little's law): the rate of
//             churnml_http_request_duration_seconds_sum on those routes,
//             i.e. busy seconds per second;
//   p99       the 99th percentile latency of those routes over the interval
//             (latency_histogram.h), in seconds;
//   queue-depth jobs waiting in the store's queue, from workers' gauge
//             churnml_jobs_queue_depth{queue} (`churnml worker --metrics-port`).
// Counters are cumulative, so a load is the difference of two scrapes;
// load_meter.h combines the replicas' scrapes into one value per interval.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "scaling/prometheus_text.h"

namespace churnml::scaling {

enum class LoadSignal { kRequestRate, kInFlight, kP99Latency, kQueueDepth };

// "rps", "inflight", "p99" or "queue-depth"; InvalidArgument naming
// --signal and the choices.
Result<LoadSignal> ParseLoadSignal(std::string_view name);
std::string_view LoadSignalName(LoadSignal signal);

struct ReplicaCounters {
  double requests = 0;      // prediction requests answered, any status
  double busy_seconds = 0;  // summed latency of those requests
};

// Whether a route label names a prediction route.
bool IsPredictionRoute(std::string_view route);

ReplicaCounters ReadReplicaCounters(const std::vector<PromSample>& samples);

// The replica's load between two scrapes `seconds` apart (> 0). A counter
// that went down (the replica restarted) counts from zero, as Prometheus'
// rate() does. Never negative.
double LoadBetween(const ReplicaCounters& before, const ReplicaCounters& after, double seconds,
                   LoadSignal signal);

inline constexpr size_t kMaxQueues = 256;  // distinct queue labels per scrape

// churnml_jobs_queue_depth{queue="..."} of one worker's scrape: queue ->
// jobs waiting. InvalidArgument naming the queue for a value that is
// negative, NaN or infinite, for a queue reported twice, or for more than
// kMaxQueues queues. Empty when the scrape has no such series.
Result<std::map<std::string, double>> ReadQueueDepths(const std::vector<PromSample>& samples);

// The value the policy's reactive formula takes as the total load, from a
// signal's `value` with `current` replicas: the value itself for the
// additive signals (rps, inflight, queue-depth: HPA's AverageValue, desired
// = ceil(value / target)); value x current for p99, so that desired =
// ceil(current x p99 / target) (HPA's formula with the metric as a ratio
// of its target; p99 does not add up over replicas).
double PolicyLoad(LoadSignal signal, double value, int current);

}  // namespace churnml::scaling
