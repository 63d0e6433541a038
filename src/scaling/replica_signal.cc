#include "scaling/replica_signal.h"

#include <algorithm>
#include <limits>
#include <string>

namespace churnml::scaling {

Result<LoadSignal> ParseLoadSignal(std::string_view name) {
  if (name == "rps") return LoadSignal::kRequestRate;
  if (name == "inflight") return LoadSignal::kInFlight;
  if (name == "p99") return LoadSignal::kP99Latency;
  if (name == "queue-depth") return LoadSignal::kQueueDepth;
  return InvalidArgumentError("--signal \"" + std::string(name.substr(0, 40)) +
                              "\": choose rps, inflight, p99 or queue-depth");
}

std::string_view LoadSignalName(LoadSignal signal) {
  switch (signal) {
    case LoadSignal::kRequestRate:
      return "rps";
    case LoadSignal::kInFlight:
      return "inflight";
    case LoadSignal::kP99Latency:
      return "p99";
    case LoadSignal::kQueueDepth:
      return "queue-depth";
  }
  return "";
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

namespace churnml::scaling {

Result<std::map<std::string, double>> ReadQueueDepths(const std::vector<PromSample>& samples) {
  std::map<std::string, double> depths;
  for (const PromSample& s : samples) {
    if (s.name != "churnml_jobs_queue_depth") continue;
    const std::string queue(s.Label("queue").substr(0, 200));
    const std::string shown = "churnml_jobs_queue_depth{queue=\"" + queue.substr(0, 60) + "\"}";
    if (!(s.value >= 0) || s.value == std::numeric_limits<double>::infinity()) {
      return InvalidArgumentError(shown + ": not a depth >= 0");
    }
    if (!depths.emplace(queue, s.value).second) {
      return InvalidArgumentError(shown + ": reported twice");
    }
    if (depths.size() > kMaxQueues) {
      return InvalidArgumentError("churnml_jobs_queue_depth: more than " +
                                  std::to_string(kMaxQueues) + " queues");
    }
  }
  return depths;
}

double PolicyLoad(LoadSignal signal, double value, int current) {
  return signal == LoadSignal::kP99Latency ? value * std::max(1, current) : value;
}

}  // namespace churnml::scaling
