// The serving layer's metrics (docs/monitoring.md has the catalogue), with
// every labelled child the request path needs resolved ahead of time or
// cached per thread, so recording a request never looks a label up under a
// shared lock.
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "monitoring/metrics_registry.h"
#include "monitoring/stage_profiler.h"
#include "reliability/circuit_breaker.h"

namespace churnml::serving {

struct ServedModel;

// Request stages the profiler times (churnml_stage_duration_seconds{stage}).
// Decoding yields typed model rows directly (issue 13 §1), so serving has no
// separate feature stage; batch prediction still records one.
enum ServingStage : size_t { kStageDecode = 0, kStagePredict, kStageEncode };

enum class FallbackKind { kNone, kPreviousVersion, kPrior };
std::string_view FallbackName(FallbackKind kind);  // "", "previous_version", "prior"

// churnml_circuit_breaker_state{breaker, state}: 1 for `state`, 0 for the
// other states (the model's, the store's and each alert channel's breaker).
void ReportBreakerState(monitoring::CollectorSink& sink, const std::string& breaker,
                        reliability::CircuitState state);

class ServingMetrics {
 public:
  static Result<std::unique_ptr<ServingMetrics>> Create(monitoring::MetricsRegistry* registry);

  // One answered request (the server's access observer calls it).
  void RecordRequest(std::string_view route, std::string_view method, int status,
                     std::chrono::nanoseconds latency);
  void RecordPredictions(const ServedModel& model, int64_t positives, int64_t negatives);
  void RecordFallback(FallbackKind kind, int64_t rows);
  void RecordAuthFailure(bool missing);
  void RecordRateLimited();
  void RecordReload(bool success, double unix_seconds);
  // churnml_retries_total{operation}: count a retry with Increment().
  monitoring::Counter& Retries(const std::string& operation);
  // The per-variant series of an A/B lane (serve --variant):
  // churnml_variant_predictions_total{variant,class} and
  // churnml_variant_request_duration_seconds{variant}, resolved once.
  struct VariantSeries {
    monitoring::Counter* negatives = nullptr;
    monitoring::Counter* positives = nullptr;
    monitoring::Histogram* duration = nullptr;
  };
  Result<VariantSeries> Variant(const std::string& name);
  // Exports `breaker`'s state and call outcomes.
  void WatchBreaker(reliability::CircuitBreaker* breaker);

  monitoring::StageProfiler& profiler() { return *profiler_; }
  monitoring::MetricsRegistry& registry() { return *registry_; }

 private:
  explicit ServingMetrics(monitoring::MetricsRegistry* registry) : registry_(registry) {}

  monitoring::MetricsRegistry* registry_;
  monitoring::CounterFamily* requests_ = nullptr;
  monitoring::HistogramFamily* duration_ = nullptr;
  monitoring::CounterFamily* predictions_ = nullptr;
  monitoring::CounterFamily* breaker_calls_ = nullptr;
  monitoring::CounterFamily* retries_ = nullptr;
  monitoring::CounterFamily* variant_predictions_ = nullptr;
  monitoring::HistogramFamily* variant_duration_ = nullptr;
  std::array<monitoring::Counter*, 3> fallbacks_{};
  monitoring::Counter* auth_missing_ = nullptr;
  monitoring::Counter* auth_invalid_ = nullptr;
  monitoring::Counter* rate_limited_ = nullptr;
  monitoring::Counter* reload_success_ = nullptr;
  monitoring::Counter* reload_failure_ = nullptr;
  monitoring::Gauge* last_reload_ = nullptr;
  std::unique_ptr<monitoring::StageProfiler> profiler_;
};

}  // namespace churnml::serving
