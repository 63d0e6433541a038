// Scores a request's rows with a served model, behind the model's circuit
// breaker and deadline, with the fallback chain (the previous version, then
// the training prior) when the model fails; records what happened in the
// serving metrics, the health monitor and live drift. Every prediction
// route (/predict, /predict/batch, /infer, and the routes built on them)
// scores through one Scorer; see scoring.h for the request template.
//
// Thread safety: Score and Record run concurrently on any number of io
// threads; the Scorer owns none of its dependencies.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "data/dataset.h"
#include "reliability/circuit_breaker.h"
#include "reliability/health_monitor.h"
#include "serving/fault_injector.h"
#include "serving/live_drift.h"
#include "serving/model_slot.h"
#include "serving/serving_metrics.h"

namespace churnml::serving {

struct ScorerOptions {
  // A model call slower than this counts as failed and the fallback chain
  // answers; 0 = no deadline. The call is not interrupted (a thread cannot
  // be preempted safely): the model's breaker stops sending it traffic once
  // its slow-call rate crosses the threshold.
  std::chrono::microseconds model_deadline{0};
  bool fallback = true;  // answer from the fallback chain when the model fails
};

// What the scorer uses; it owns none of it. `slot`, `metrics` and `clock`
// are required.
struct ScorerDeps {
  ModelSlot* slot = nullptr;
  ServingMetrics* metrics = nullptr;
  reliability::CircuitBreaker* model_breaker = nullptr;
  reliability::HealthMonitor* health = nullptr;
  FaultInjector* faults = nullptr;
  LiveDrift* drift = nullptr;
  const Clock* clock = &RealClock();
};

// Which model answered a request's rows, and whether the model failed.
struct ScoreOutcome {
  std::shared_ptr<const ServedModel> answered_by;
  FallbackKind fallback = FallbackKind::kNone;
  bool model_failed = false;
  Status error;  // why the model failed (logged, never sent to clients)
};

class Scorer {
 public:
  Scorer(ScorerOptions options, ScorerDeps deps);

  // Probabilities for every row of `rows` from `model`, or from the fallback
  // chain when the model fails, is too slow, or its breaker is open. With
  // the fallback chain off, a failed call leaves `error` set and
  // `fallback` kNone (the route answers 503).
  ScoreOutcome Score(const std::shared_ptr<const ServedModel>& model, const Dataset& rows,
                     std::vector<double>* probabilities) const;

  // Predictions by class and version, fallbacks, and the health monitor's
  // request record for one scored request that started at `started`.
  void Record(const ServedModel& model, const ScoreOutcome& outcome,
              const std::vector<double>& probabilities, Clock::TimePoint started) const;

  ModelSlot& slot() const { return *deps_.slot; }
  ServingMetrics& metrics() const { return *deps_.metrics; }
  const Clock& clock() const { return *deps_.clock; }

 private:
  ScorerOptions options_;
  ScorerDeps deps_;
};

}  // namespace churnml::serving
