// Google Benchmark for the reliability layer (src/reliability), the parts
// on the prediction hot path (40k requests/s on 2 threads):
//   - BreakerAcquireSuccess: TryAcquirePermission + OnSuccess on a CLOSED
//     breaker, count-based and time-based windows, 1 and 2 threads sharing
//     one breaker (the serve case: every io thread guards the same model);
//   - BreakerExecute: the Execute() wrapper (two clock reads added);
//   - HealthRecordRequest: HealthMonitor::RecordRequest, 1 and 2 threads;
//   - RealClockNow: one RealClock().Now(), the floor under every operation
//     that reads the time (time-based windows, Execute).
//
//   cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DCHURNML_BUILD_BENCH=ON
//   cmake --build build-bench --target reliability_bench && build-bench/bench/reliability_bench
#include <benchmark/benchmark.h>

#include <chrono>

#include "common/clock.h"
#include "reliability/circuit_breaker.h"
#include "reliability/health_monitor.h"

namespace churnml::reliability {
namespace {

CircuitBreakerConfig BreakerConfig(SlidingWindowType type) {
  CircuitBreakerConfig c;
  c.sliding_window_type = type;
  c.sliding_window_size = type == SlidingWindowType::kCountBased ? 100 : 60;
  c.minimum_number_of_calls = 100;
  c.slow_call_duration_threshold = std::chrono::milliseconds(100);
  return c;
}

CircuitBreaker& CountBreaker() {
  static CircuitBreaker breaker("model", BreakerConfig(SlidingWindowType::kCountBased),
                                RealClock());
  return breaker;
}

CircuitBreaker& TimeBreaker() {
  static CircuitBreaker breaker("model", BreakerConfig(SlidingWindowType::kTimeBased), RealClock());
  return breaker;
}

void BreakerAcquireSuccessCountBased(benchmark::State& state) {
  CircuitBreaker& breaker = CountBreaker();
  const auto latency = std::chrono::microseconds(300);
  for (auto _ : state) {
    if (breaker.TryAcquirePermission()) breaker.OnSuccess(latency);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BreakerAcquireSuccessCountBased)->Threads(1)->Threads(2)->UseRealTime();

void BreakerAcquireSuccessTimeBased(benchmark::State& state) {
  CircuitBreaker& breaker = TimeBreaker();
  const auto latency = std::chrono::microseconds(300);
  for (auto _ : state) {
    if (breaker.TryAcquirePermission()) breaker.OnSuccess(latency);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BreakerAcquireSuccessTimeBased)->Threads(1)->Threads(2)->UseRealTime();

void BreakerExecute(benchmark::State& state) {
  CircuitBreaker& breaker = CountBreaker();
  int value = 0;
  for (auto _ : state) {
    Status s = breaker.Execute([&] {
      benchmark::DoNotOptimize(++value);
      return Status::Ok();
    });
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BreakerExecute)->Threads(1)->UseRealTime();

HealthMonitor& Monitor() {
  static HealthMonitor monitor(HealthConfig{}, RealClock());
  return monitor;
}

void HealthRecordRequest(benchmark::State& state) {
  HealthMonitor& monitor = Monitor();
  const auto latency = std::chrono::microseconds(300);
  int64_t i = 0;
  for (auto _ : state) {
    monitor.RecordRequest(latency, (++i & 1023) == 0, false);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(HealthRecordRequest)->Threads(1)->Threads(2)->UseRealTime();

void RealClockNow(benchmark::State& state) {
  const Clock& clock = RealClock();
  for (auto _ : state) benchmark::DoNotOptimize(clock.Now());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(RealClockNow)->Threads(1)->UseRealTime();

}  // namespace
}  // namespace churnml::reliability

BENCHMARK_MAIN();
