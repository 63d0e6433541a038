// The load one replica reports, read from its /metrics (serve's series,
// docs/metrics.md), for the live autoscaler:
//   rps       answered prediction requests per second: the rate of
//             churnml_http_requests_total on the prediction routes
//             (/predict, /predict/batch, .../infer);
//   inflight  requests in flight on average (Little's law): the rate of
//             churnml_http_request_duration_seconds_sum on those routes,
//             i.e. busy seconds per second.
// Counters are cumulative, so a load is the difference of two scrapes.
#pragma once

#include <string_view>
#include <vector>

#include "common/status.h"
#include "scaling/prometheus_text.h"

namespace churnml::scaling {

enum class LoadSignal { kRequestRate, kInFlight };

// "rps" or "inflight"; InvalidArgument naming --signal and the choices.
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

}  // namespace churnml::scaling
