// Google Benchmark for the metrics layer (src/monitoring):
//   - CounterIncrement / HistogramObserve: the per-request hot path, on 1 and
//     2 threads sharing one series (the serve case: every io thread bumps
//     the same route's counter);
//   - SharedAtomicIncrement: the same increment on one unstriped atomic, the
//     baseline the striped cells are measured against;
//   - CounterIncrementInstrumentationOff: the cost left with metrics off;
//   - StageProfilerRecord: one stage timing (totals + histogram);
//   - RenderTextCatalogue / CollectCatalogue: one scrape of a registry with
//     every catalogue family, ~50 labelled series and the /proc collectors
//     (target: under 1 ms).
//
//   cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DCHURNML_BUILD_BENCH=ON
//   cmake --build build-bench --target metrics_bench && build-bench/bench/metrics_bench
#include <benchmark/benchmark.h>

#include <atomic>
#include <bit>
#include <memory>
#include <string>
#include <vector>

#include "monitoring/metrics_registry.h"
#include "monitoring/process_metrics.h"
#include "monitoring/stage_profiler.h"

namespace churnml::monitoring {
namespace {

template <typename T>
T* Must(Result<T*> r) {
  if (!r.ok()) {
    std::fprintf(stderr, "metrics_bench: %s\n", r.status().ToString().c_str());
    std::abort();
  }
  return *r;
}

// Shared by the threads of one benchmark run.
MetricsRegistry& HotRegistry() {
  static MetricsRegistry registry;
  return registry;
}

void CounterIncrement(benchmark::State& state) {
  static Counter& counter = Must(HotRegistry().AddCounter("churnml_http_requests_total",
                                                          "Requests.", {"route", "method", "code"}))
                                ->WithLabels({"/predict", "POST", "200"});
  for (auto _ : state) counter.Increment();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(CounterIncrement)->Threads(1)->Threads(2)->UseRealTime();

void SharedAtomicIncrement(benchmark::State& state) {
  alignas(64) static std::atomic<uint64_t> cell{0};
  for (auto _ : state) {
    uint64_t old_bits = cell.load(std::memory_order_relaxed);
    while (!cell.compare_exchange_weak(old_bits,
                                       std::bit_cast<uint64_t>(std::bit_cast<double>(old_bits) + 1),
                                       std::memory_order_relaxed)) {
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(SharedAtomicIncrement)->Threads(1)->Threads(2)->UseRealTime();

void CounterIncrementInstrumentationOff(benchmark::State& state) {
  static MetricsRegistry registry(MetricsRegistryOptions{.instrumentation = Instrumentation::kOff});
  static Counter& counter = Must(registry.AddCounter("churnml_off_total", "Off."))->Get();
  for (auto _ : state) {
    counter.Increment();
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(CounterIncrementInstrumentationOff)->Threads(1)->Threads(2)->UseRealTime();

void HistogramObserve(benchmark::State& state) {
  static Histogram& histogram =
      Must(HotRegistry().AddHistogram("churnml_http_request_duration_seconds", "Latency.",
                                      {"route"}, DefaultLatencyBuckets()))
          ->WithLabels({"/predict"});
  // Latencies spread over the buckets, as a server sees them.
  const double values[] = {0.00008, 0.0003, 0.0012, 0.004, 0.02, 0.0002, 0.0007, 0.09};
  size_t i = 0;
  for (auto _ : state) histogram.Observe(values[i++ & 7]);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(HistogramObserve)->Threads(1)->Threads(2)->UseRealTime();

void StageProfilerRecord(benchmark::State& state) {
  static std::unique_ptr<StageProfiler> profiler = [] {
    auto p = StageProfiler::Create(&HotRegistry(), {"decode", "features", "predict", "encode"});
    if (!p.ok()) std::abort();
    return std::move(*p);
  }();
  size_t stage = 0;
  for (auto _ : state) profiler->Record(stage++ & 3, std::chrono::nanoseconds(2500));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(StageProfilerRecord)->Threads(1)->Threads(2)->UseRealTime();

// Every catalogue family, with the series a busy server has: 6 routes × 2
// methods × 3 codes of requests is trimmed to the ~50 label series the
// issue sizes the scrape by.
std::unique_ptr<MetricsRegistry> CatalogueRegistry() {
  auto registry = std::make_unique<MetricsRegistry>();
  MetricsRegistry& r = *registry;
  RegisterProcessMetrics(r);
  RegisterBuildInfo(r, "0.1.0", "abcdef123456");
  const std::vector<std::string> routes = {"/predict", "/predict/batch", "/v2/models/{name}/infer",
                                           "/health",  "/metrics",       "unmatched"};
  auto* requests =
      Must(r.AddCounter("churnml_http_requests_total", "Requests.", {"route", "method", "code"}));
  auto* latency = Must(r.AddHistogram("churnml_http_request_duration_seconds", "Latency.",
                                      {"route"}, DefaultLatencyBuckets()));
  for (const std::string& route : routes) {
    for (const char* code : {"200", "400", "422", "500"}) {
      requests->WithLabels({route, "POST", code}).Increment(1234);
    }
    for (int i = 0; i < 100; ++i) latency->WithLabels({route}).Observe(0.0001 * i);
  }
  Must(r.AddGauge("churnml_http_connections_active", "Connections."))->Get().Set(12);
  Must(r.AddCounter("churnml_http_connections_rejected_total", "Rejected."))->Get();
  auto* auth = Must(r.AddCounter("churnml_http_auth_failures_total", "Auth.", {"reason"}));
  auth->WithLabels({"missing"});
  auth->WithLabels({"invalid"});
  Must(r.AddCounter("churnml_http_rate_limited_total", "429s."))->Get();
  auto* predictions = Must(
      r.AddCounter("churnml_predictions_total", "Predictions.", {"model", "version", "class"}));
  for (const char* version : {"3", "4"}) {
    for (const char* cls : {"0", "1"}) predictions->WithLabels({"churn", version, cls});
  }
  auto profiler = StageProfiler::Create(&r, {"decode", "features", "predict", "encode"});
  if (!profiler.ok()) std::abort();
  for (size_t s = 0; s < 4; ++s) (*profiler)->Record(s, std::chrono::microseconds(3));
  Must(r.AddGauge("churnml_model_info", "Model.", {"model", "version", "kind"}))
      ->WithLabels({"churn", "4", "xgboost"})
      .Set(1);
  auto* reloads = Must(r.AddCounter("churnml_model_reloads_total", "Reloads.", {"result"}));
  reloads->WithLabels({"success"});
  reloads->WithLabels({"failure"});
  Must(r.AddGauge("churnml_model_last_reload_timestamp_seconds", "Reload time."))->Get();
  auto* fallbacks = Must(r.AddCounter("churnml_fallbacks_total", "Fallbacks.", {"fallback"}));
  fallbacks->WithLabels({"previous_version"});
  fallbacks->WithLabels({"prior"});
  auto* calls = Must(r.AddCounter("churnml_circuit_breaker_calls_total", "Breaker calls.",
                                  {"breaker", "outcome"}));
  for (const char* outcome : {"success", "failure", "not_permitted"}) {
    calls->WithLabels({"alertmanager", outcome});
  }
  Must(r.AddCounter("churnml_retries_total", "Retries.", {"operation"}))
      ->WithLabels({"alert_delivery"});
  Must(r.AddGauge("churnml_alerts_firing", "Firing."))->Get();
  auto* notifications = Must(
      r.AddCounter("churnml_alert_notifications_total", "Notifications.", {"channel", "result"}));
  for (const char* result : {"sent", "failed"}) notifications->WithLabels({"webhook", result});
  Must(r.AddGauge("churnml_alert_queue_length", "Queue.", {"channel"}))->WithLabels({"webhook"});
  r.AddCollector([](CollectorSink& sink) {
    for (const char* state : {"closed", "open", "half_open"}) {
      sink.AddGauge("churnml_circuit_breaker_state", "Breaker state.",
                    {{"breaker", "alertmanager"}, {"state", state}}, 0);
    }
    for (const char* state : {"healthy", "degraded", "critical"}) {
      sink.AddGauge("churnml_health_state", "Health.", {{"state", state}}, 0);
    }
  });
  return registry;
}

void RenderTextCatalogue(benchmark::State& state) {
  std::unique_ptr<MetricsRegistry> registry = CatalogueRegistry();
  size_t bytes = 0;
  for (auto _ : state) {
    std::string text = registry->RenderText();
    bytes = text.size();
    benchmark::DoNotOptimize(text);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
  state.counters["samples"] = static_cast<double>(registry->Collect().size());
}
BENCHMARK(RenderTextCatalogue)->Unit(benchmark::kMicrosecond);

void CollectCatalogue(benchmark::State& state) {
  std::unique_ptr<MetricsRegistry> registry = CatalogueRegistry();
  for (auto _ : state) benchmark::DoNotOptimize(registry->Collect());
}
BENCHMARK(CollectCatalogue)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace churnml::monitoring

BENCHMARK_MAIN();
