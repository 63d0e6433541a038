#include "serving/serving_metrics.h"

#include <charconv>
#include <string>
#include <unordered_map>
#include <utility>

#include "serving/served_model.h"

namespace churnml::serving {

namespace {

// The request path's labelled children, per thread: label lookups take the
// family's lock only the first time a thread sees a (route, method, code).
struct RequestChildren {
  monitoring::Counter* requests = nullptr;
  monitoring::Histogram* duration = nullptr;
};

struct ThreadCache {
  const ServingMetrics* owner = nullptr;
  std::string key;
  std::unordered_map<std::string, RequestChildren> requests;
  std::unordered_map<const ServedModel*, std::pair<monitoring::Counter*, monitoring::Counter*>>
      predictions;
};

ThreadCache& Cache(const ServingMetrics* owner) {
  thread_local ThreadCache cache;
  if (cache.owner != owner) {
    cache = ThreadCache{};
    cache.owner = owner;
  }
  return cache;
}

}  // namespace

void ReportBreakerState(monitoring::CollectorSink& sink, const std::string& breaker,
                        reliability::CircuitState state) {
  for (reliability::CircuitState s : reliability::kAllCircuitStates) {
    sink.AddGauge("churnml_circuit_breaker_state",
                  "1 for the circuit breaker's current state, 0 for the others.",
                  {{"breaker", breaker}, {"state", std::string(reliability::CircuitStateName(s))}},
                  s == state ? 1 : 0);
  }
}

std::string_view FallbackName(FallbackKind kind) {
  switch (kind) {
    case FallbackKind::kNone:
      return "";
    case FallbackKind::kPreviousVersion:
      return "previous_version";
    case FallbackKind::kPrior:
      return "prior";
  }
  return "";
}

Result<std::unique_ptr<ServingMetrics>> ServingMetrics::Create(
    monitoring::MetricsRegistry* registry) {
  std::unique_ptr<ServingMetrics> m(new ServingMetrics(registry));
  CHURNML_ASSIGN_OR_RETURN(
      m->requests_, registry->AddCounter("churnml_http_requests_total",
                                         "HTTP requests answered, by route pattern, method and "
                                         "status code.",
                                         {"route", "method", "code"}));
  CHURNML_ASSIGN_OR_RETURN(
      m->duration_,
      registry->AddHistogram("churnml_http_request_duration_seconds",
                             "Time from the first request byte to the response, by route.",
                             {"route"}, monitoring::DefaultLatencyBuckets()));
  CHURNML_ASSIGN_OR_RETURN(
      m->predictions_,
      registry->AddCounter("churnml_predictions_total",
                           "Predictions served, by model, version and predicted class.",
                           {"model", "version", "class"}));
  CHURNML_ASSIGN_OR_RETURN(
      monitoring::CounterFamily * fallbacks,
      registry->AddCounter("churnml_fallbacks_total",
                           "Rows answered by the fallback chain instead of the serving model.",
                           {"fallback"}));
  m->fallbacks_[1] = &fallbacks->WithLabels({"previous_version"});
  m->fallbacks_[2] = &fallbacks->WithLabels({"prior"});
  CHURNML_ASSIGN_OR_RETURN(
      monitoring::CounterFamily * auth,
      registry->AddCounter("churnml_http_auth_failures_total",
                           "Requests refused for a missing or invalid API key.", {"reason"}));
  m->auth_missing_ = &auth->WithLabels({"missing"});
  m->auth_invalid_ = &auth->WithLabels({"invalid"});
  CHURNML_ASSIGN_OR_RETURN(monitoring::CounterFamily * limited,
                           registry->AddCounter("churnml_http_rate_limited_total",
                                                "Requests answered 429 by the rate limiter.", {}));
  m->rate_limited_ = &limited->Get();
  CHURNML_ASSIGN_OR_RETURN(
      monitoring::CounterFamily * reloads,
      registry->AddCounter("churnml_model_reloads_total",
                           "Hot-swap attempts of a new model version, by result.", {"result"}));
  m->reload_success_ = &reloads->WithLabels({"success"});
  m->reload_failure_ = &reloads->WithLabels({"failure"});
  CHURNML_ASSIGN_OR_RETURN(
      monitoring::GaugeFamily * last_reload,
      registry->AddGauge("churnml_model_last_reload_timestamp_seconds",
                         "Unix time of the last successful model load or swap.", {}));
  m->last_reload_ = &last_reload->Get();
  CHURNML_ASSIGN_OR_RETURN(m->breaker_calls_,
                           registry->AddCounter("churnml_circuit_breaker_calls_total",
                                                "Calls through each circuit breaker, by outcome.",
                                                {"breaker", "outcome"}));
  CHURNML_ASSIGN_OR_RETURN(
      m->retries_, registry->AddCounter("churnml_retries_total",
                                        "Retry attempts after a first failed try, by operation.",
                                        {"operation"}));
  CHURNML_ASSIGN_OR_RETURN(
      m->profiler_, monitoring::StageProfiler::Create(registry, {"decode", "predict", "encode"}));
  return m;
}

void ServingMetrics::RecordRequest(std::string_view route, std::string_view method, int status,
                                   std::chrono::nanoseconds latency) {
  ThreadCache& cache = Cache(this);
  if (route.empty()) route = "unmatched";
  cache.key.assign(route);
  cache.key.push_back(' ');
  cache.key.append(method);
  char code[8];
  auto [end, ec] = std::to_chars(code, code + sizeof(code), status);
  cache.key.push_back(' ');
  cache.key.append(code, end);
  auto it = cache.requests.find(cache.key);
  if (it == cache.requests.end()) {
    RequestChildren children{
        &requests_->WithLabels({std::string(route), std::string(method), std::string(code, end)}),
        &duration_->WithLabels({std::string(route)})};
    it = cache.requests.emplace(cache.key, children).first;
  }
  it->second.requests->Increment();
  it->second.duration->Observe(std::chrono::duration<double>(latency).count());
}

void ServingMetrics::RecordPredictions(const ServedModel& model, int64_t positives,
                                       int64_t negatives) {
  ThreadCache& cache = Cache(this);
  auto it = cache.predictions.find(&model);
  if (it == cache.predictions.end()) {
    // Keyed by address: a thread's cache is dropped with the thread, and an
    // address reused by a later model only after the old one was freed
    // would mislabel, so entries are refreshed when the cache grows.
    if (cache.predictions.size() > 8) cache.predictions.clear();
    it =
        cache.predictions
            .emplace(&model, std::pair{&predictions_->WithLabels({model.name, model.version, "1"}),
                                       &predictions_->WithLabels({model.name, model.version, "0"})})
            .first;
  }
  if (positives > 0) it->second.first->Increment(static_cast<double>(positives));
  if (negatives > 0) it->second.second->Increment(static_cast<double>(negatives));
}

Result<ServingMetrics::VariantSeries> ServingMetrics::Variant(const std::string& name) {
  if (variant_predictions_ == nullptr) {
    CHURNML_ASSIGN_OR_RETURN(
        variant_predictions_,
        registry_->AddCounter("churnml_variant_predictions_total",
                              "Predictions served by each A/B variant, by predicted class.",
                              {"variant", "class"}));
    CHURNML_ASSIGN_OR_RETURN(
        variant_duration_,
        registry_->AddHistogram("churnml_variant_request_duration_seconds",
                                "Time from decoding to the encoded answer, by A/B variant.",
                                {"variant"}, monitoring::DefaultLatencyBuckets()));
  }
  return VariantSeries{&variant_predictions_->WithLabels({name, "0"}),
                       &variant_predictions_->WithLabels({name, "1"}),
                       &variant_duration_->WithLabels({name})};
}

void ServingMetrics::RecordFallback(FallbackKind kind, int64_t rows) {
  if (kind == FallbackKind::kNone) return;
  fallbacks_[static_cast<size_t>(kind)]->Increment(static_cast<double>(rows));
}

void ServingMetrics::RecordAuthFailure(bool missing) {
  (missing ? auth_missing_ : auth_invalid_)->Increment();
}

void ServingMetrics::RecordRateLimited() { rate_limited_->Increment(); }

void ServingMetrics::RecordReload(bool success, double unix_seconds) {
  (success ? reload_success_ : reload_failure_)->Increment();
  if (success) last_reload_->Set(unix_seconds);
}

monitoring::Counter& ServingMetrics::Retries(const std::string& operation) {
  return retries_->WithLabels({operation});
}

void ServingMetrics::WatchBreaker(reliability::CircuitBreaker* breaker) {
  std::array<monitoring::Counter*, std::size(reliability::kAllCallOutcomes)> outcomes{};
  for (reliability::CallOutcome outcome : reliability::kAllCallOutcomes) {
    outcomes[static_cast<size_t>(outcome)] = &breaker_calls_->WithLabels(
        {breaker->name(), std::string(reliability::CallOutcomeName(outcome))});
  }
  breaker->SetOutcomeListener([outcomes](reliability::CallOutcome outcome) {
    outcomes[static_cast<size_t>(outcome)]->Increment();
  });
  registry_->AddCollector([breaker](monitoring::CollectorSink& sink) {
    ReportBreakerState(sink, breaker->name(), breaker->state());
  });
}

}  // namespace churnml::serving
