// libFuzzer target: every input is parsed as an alert rule expression and,
// when it parses, evaluated over a small sample history (every expression
// kind, counter resets, histogram buckets). A failure must be one short
// InvalidArgument; evaluation must not crash. Crashes (100,000 nested
// ratio( overflowed the stack), sanitizer reports and hangs are failures.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "monitoring/alerts/alert_expr.h"
#include "monitoring/alerts/sample_history.h"

namespace {

using churnml::monitoring::MetricSample;
using churnml::monitoring::SampleHistory;

const SampleHistory& History() {
  static const SampleHistory* history = [] {
    auto* h = new SampleHistory(std::chrono::minutes(10), 16);
    const churnml::Clock::TimePoint start{};
    for (int i = 0; i < 6; ++i) {
      const double v = i == 3 ? 1 : 10.0 * i;  // a counter reset at i = 3
      h->Add(start + std::chrono::seconds(30 * i),
             {MetricSample{"requests_total", {{"code", "200"}, {"route", "/predict"}}, v},
              MetricSample{"requests_total", {{"code", "500"}, {"route", "/predict"}}, v / 10},
              MetricSample{"queue_depth", {}, 3.0 + i},
              MetricSample{"latency_bucket", {{"le", "0.1"}}, 5.0 * i},
              MetricSample{"latency_bucket", {{"le", "1"}}, 8.0 * i},
              MetricSample{"latency_bucket", {{"le", "+Inf"}}, 9.0 * i}});
    }
    return h;
  }();
  return *history;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace churnml::monitoring;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  churnml::Result<std::shared_ptr<const Expr>> expr = ParseExpr(text);
  if (!expr.ok()) {
    if (expr.status().code() != churnml::StatusCode::kInvalidArgument) std::abort();
    if (expr.status().message().size() > 600) std::abort();
    return 0;
  }
  (void)EvaluateExpr(**expr, History());
  (void)(*expr)->LongestWindow();
  return 0;
}
