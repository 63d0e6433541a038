#include "scaling/replica_signal.h"

#include <algorithm>
#include <limits>
#include <string>

namespace churnml::scaling {

Result<LoadSignal> ParseLoadSignal(std::string_view name) {
  if (name == "rps") return LoadSignal::kRequestRate;
  if (name == "inflight") return LoadSignal::kInFlight;
  return InvalidArgumentError("--signal \"" + std::string(name.substr(0, 40)) +
                              "\": choose rps or inflight");
}

std::string_view LoadSignalName(LoadSignal signal) {
  return signal == LoadSignal::kRequestRate ? "rps" : "inflight";
}

bool IsPredictionRoute(std::string_view route) {
  return route.starts_with("/predict") || route.ends_with("/infer");
}

ReplicaCounters ReadReplicaCounters(const std::vector<PromSample>& samples) {
  ReplicaCounters counters;
  for (const PromSample& s : samples) {
    if (!(s.value >= 0) || s.value == std::numeric_limits<double>::infinity()) continue;
    if (s.name == "churnml_http_requests_total" && IsPredictionRoute(s.Label("route"))) {
      counters.requests += s.value;
    } else if (s.name == "churnml_http_request_duration_seconds_sum" &&
               IsPredictionRoute(s.Label("route"))) {
      counters.busy_seconds += s.value;
    }
  }
  return counters;
}

double LoadBetween(const ReplicaCounters& before, const ReplicaCounters& after, double seconds,
                   LoadSignal signal) {
  if (!(seconds > 0)) return 0;
  const double b = signal == LoadSignal::kRequestRate ? before.requests : before.busy_seconds;
  const double a = signal == LoadSignal::kRequestRate ? after.requests : after.busy_seconds;
  const double delta = a >= b ? a - b : a;  // reset: the new process counted from zero
  return std::max(0.0, delta / seconds);
}

}  // namespace churnml::scaling
