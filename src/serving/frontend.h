// A protocol front end beside the HTTP server (the gRPC Open Inference
// Protocol, serving/grpc/): `churnml serve` hands it the serving layer's
// shared parts once they are up, so it authenticates, rate-limits, scores,
// falls back and counts exactly as HTTP does. A factory lives in the front
// end's own library (above this one) and is passed in ServeOptions, so the
// serving layer does not depend on it.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "reliability/health_monitor.h"
#include "serving/model_slot.h"
#include "serving/request_gate.h"
#include "serving/scorer.h"
#include "serving/scoring.h"
#include "serving/serving_metrics.h"

namespace churnml::serving {

// Everything is owned by the server and outlives the front end; the
// pointers are non-null except `health` (null without instrumentation).
struct FrontendDeps {
  const Scorer* scorer = nullptr;  // the primary's (plan->lanes[0].scorer)
  // The lanes (A/B variants), prediction log and shadow, as HTTP's
  // scoring routes use them (scoring.h).
  const ScoringPlan* plan = nullptr;
  const ModelSlot* slot = nullptr;
  const RequestGate* gate = nullptr;
  ServingMetrics* metrics = nullptr;
  const reliability::HealthMonitor* health = nullptr;
  size_t max_batch = 1000;                     // rows per request, as HTTP's
  size_t max_message_bytes = size_t{1} << 20;  // request size, as HTTP's body limit
  std::string server_version;
};

class Frontend {
 public:
  virtual ~Frontend() = default;
  // For the start-up line: "gRPC on 127.0.0.1:50051".
  virtual std::string Describe() const = 0;
  // Stops taking new calls and lets the ones in flight finish. Idempotent.
  virtual void Stop() = 0;
  // Blocks until every call has ended.
  virtual void Wait() = 0;
};

// Starts a front end, or says why it could not (port in use, bad option).
using FrontendFactory = std::function<Result<std::unique_ptr<Frontend>>(const FrontendDeps&)>;

}  // namespace churnml::serving
