// The routes of `churnml serve` (docs/api.md): predictions (/predict,
// /predict/batch, the Open Inference Protocol under /v2), health (/health,
// /ready), /metrics, /info and the operator endpoints (/admin/faults).
// Authentication and rate limits run before these handlers (RequestGate).
//
// The prediction path: decode → features (schema checks into a per-thread
// Dataset) → predict (through the model's circuit breaker, with the fallback
// chain: the previous version, then the training prior) → encode. Each stage
// is timed by the stage profiler. No lock is shared between io threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "data/dataset.h"
#include "reliability/circuit_breaker.h"
#include "reliability/health_monitor.h"
#include "serving/api/predict_codec.h"
#include "serving/fault_injector.h"
#include "serving/http/router.h"
#include "serving/live_drift.h"
#include "serving/model_slot.h"
#include "serving/serving_metrics.h"

namespace churnml::serving {

struct PredictionServiceOptions {
  size_t max_batch = 1000;  // customers per /predict/batch or infer request
  // A model call slower than this counts as failed and the fallback chain
  // answers; 0 = no deadline. The call is not interrupted (a thread cannot
  // be preempted safely): the model's breaker stops sending it traffic once
  // its slow-call rate crosses the threshold.
  std::chrono::microseconds model_deadline{0};
  bool fallback = true;          // answer from the fallback chain when the model fails
  bool fault_injection = false;  // expose POST /admin/faults
  std::string server_version;
  std::chrono::system_clock::time_point started_at = std::chrono::system_clock::now();
};

// What the service uses; it owns none of it. Only `slot`, `metrics` and
// `clock` are required.
struct PredictionServiceDeps {
  ModelSlot* slot = nullptr;
  ServingMetrics* metrics = nullptr;
  reliability::CircuitBreaker* model_breaker = nullptr;
  reliability::HealthMonitor* health = nullptr;
  FaultInjector* faults = nullptr;
  LiveDrift* drift = nullptr;  // live drift of scored rows, and GET /drift
  const Clock* clock = &RealClock();
};

// Which model answered a request's rows, and whether the model failed.
struct ScoreOutcome {
  std::shared_ptr<const ServedModel> answered_by;
  FallbackKind fallback = FallbackKind::kNone;
  bool model_failed = false;
  Status error;  // why the model failed (logged, never sent to clients)
};

class PredictionService {
 public:
  PredictionService(PredictionServiceOptions options, PredictionServiceDeps deps);

  Status AddRoutes(Router& router);

  // Probabilities for every row of `rows` from `model`, or from the fallback
  // chain when the model fails, is too slow, or its breaker is open.
  ScoreOutcome Score(const std::shared_ptr<const ServedModel>& model, const Dataset& rows,
                     std::vector<double>* probabilities);

 private:
  void Predict(const HttpRequest& request, HttpResponse& response);
  void PredictBatch(const HttpRequest& request, HttpResponse& response);
  void Infer(const HttpRequest& request, HttpResponse& response);
  void ModelMetadata(const HttpRequest& request, HttpResponse& response);
  void ModelReady(const HttpRequest& request, HttpResponse& response);
  void Health(const HttpRequest& request, HttpResponse& response);
  void Ready(const HttpRequest& request, HttpResponse& response);
  void Info(const HttpRequest& request, HttpResponse& response);
  void Metrics(const HttpRequest& request, HttpResponse& response);
  void Faults(const HttpRequest& request, HttpResponse& response);

  // The serving model for a request, or a 503 answered on `response`.
  const std::shared_ptr<const ServedModel>* ModelOrUnavailable(HttpResponse& response);
  // For /v2/models/{name}[/versions/{version}]: the model, or 404 answered.
  std::shared_ptr<const ServedModel> NamedModel(const HttpRequest& request, HttpResponse& response);
  // Whether the service can take traffic, and why not.
  bool IsReady(std::string* reason);
  void RecordOutcome(const ServedModel& model, const ScoreOutcome& outcome,
                     const std::vector<double>& probabilities, Clock::TimePoint started);

  PredictionServiceOptions options_;
  PredictionServiceDeps deps_;
};

}  // namespace churnml::serving
