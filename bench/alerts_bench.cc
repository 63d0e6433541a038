// Alert evaluator costs: one Tick over a registry-sized snapshot with a
// full window of history, per expression kind; rules file parsing; and
// DeliveryQueue::Enqueue (the evaluator's only cost per channel).
//
//   cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DCHURNML_BUILD_BENCH=ON
//   cmake --build build-bench --target alerts_bench && build-bench/bench/alerts_bench
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "monitoring/alerts/alert_evaluator.h"
#include "monitoring/alerts/delivery_queue.h"
#include "monitoring/alerts/webhook_channel.h"

namespace churnml::monitoring {
namespace {

using namespace std::chrono_literals;

// `routes` routes × 3 codes of request counters and a 16-bucket latency
// histogram per route: about the size of a serving registry.
std::vector<MetricSample> Snapshot(int routes, double t) {
  std::vector<MetricSample> out;
  const char* bounds[] = {"0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005",
                          "0.01",   "0.025",   "0.05",   "0.1",   "0.25",   "0.5",
                          "1",      "2.5",     "5",      "+Inf"};
  for (int r = 0; r < routes; ++r) {
    const std::string route = "/route" + std::to_string(r);
    for (const char* code : {"200", "400", "500"}) {
      out.push_back({"churnml_http_requests_total",
                     {{"code", code}, {"method", "POST"}, {"route", route}},
                     t * (code[0] == '2' ? 100 : 3)});
    }
    double cumulative = 0;
    for (int b = 0; b < 16; ++b) {
      cumulative += t * (b < 8 ? 10 : 1);
      out.push_back({"churnml_http_request_duration_seconds_bucket",
                     {{"le", bounds[b]}, {"route", route}},
                     cumulative});
    }
  }
  out.push_back({"churnml_alert_queue_length", {{"channel", "log"}}, 0});
  return out;
}

const char* kExprs[] = {
    "value(churnml_alert_queue_length)",
    "rate(churnml_http_requests_total{code=~\"5..\"}[5m])",
    "ratio(rate(churnml_http_requests_total{code=~\"5..\"}[5m]), "
    "rate(churnml_http_requests_total[5m]))",
    "quantile(0.99, churnml_http_request_duration_seconds{route=\"/route1\"}[5m])",
};

// One rule of kind state.range(0), 20 routes (~380 series), 21 snapshots in
// the 5m window (15 s interval).
void BM_TickOneRule(benchmark::State& state) {
  const std::string yaml =
      std::string("evaluation_interval: 15s\nrules:\n  - name: R\n    expr: '") +
      kExprs[state.range(0)] + "'\n    threshold: 1e18\n";
  auto rules = ParseAlertRules(yaml, "bench.yaml");
  if (!rules.ok()) {
    state.SkipWithError(rules.status().message().c_str());
    return;
  }
  ManualClock clock;
  double t = 0;
  AlertEvaluator evaluator(
      *rules, [&] { return Snapshot(20, t); }, clock);
  for (int i = 0; i < 21; ++i) {
    t += 15;
    clock.Advance(15s);
    benchmark::DoNotOptimize(evaluator.Tick());
  }
  for (auto _ : state) {
    t += 15;
    clock.Advance(15s);
    benchmark::DoNotOptimize(evaluator.Tick());
  }
  state.SetLabel(state.range(0) == 0   ? "value"
                 : state.range(0) == 1 ? "rate"
                 : state.range(0) == 2 ? "ratio"
                                       : "quantile");
}
BENCHMARK(BM_TickOneRule)->DenseRange(0, 3)->Unit(benchmark::kMicrosecond);

void BM_ParseExampleRules(benchmark::State& state) {
  for (auto _ : state) {
    auto rules = LoadAlertRules(CHURNML_SOURCE_DIR "/deploy/alerts/rules.yaml");
    benchmark::DoNotOptimize(rules);
  }
}
BENCHMARK(BM_ParseExampleRules)->Unit(benchmark::kMicrosecond);

// Enqueue onto a queue whose breaker is open (the channel is down): the
// cost the evaluator pays per notification per channel.
void BM_Enqueue(benchmark::State& state) {
  ChannelConfig c;
  c.type = ChannelType::kWebhook;
  c.name = "bench";
  c.url = "http://127.0.0.1:9/down";
  c.timeout = 100ms;
  c.queue_limit = 1000;
  c.breaker.failure_threshold = 1;
  c.breaker.open_duration = 1h;
  c.retry.max_attempts = 1;
  auto queue = DeliveryQueue::Create(std::make_unique<WebhookChannel>(c.name, c.url, 100ms, ""),
                                     DeliveryOptionsFor(c), RealClock());
  if (!queue.ok()) {
    state.SkipWithError(queue.status().message().c_str());
    return;
  }
  Notification n;
  n.group_key = "{alertname=\"X\"}";
  n.alerts.resize(2);
  for (auto _ : state) (*queue)->Enqueue(n);
  (*queue)->Stop();
}
BENCHMARK(BM_Enqueue);

}  // namespace
}  // namespace churnml::monitoring

BENCHMARK_MAIN();
