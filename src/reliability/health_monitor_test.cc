#include "reliability/health_monitor.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

namespace churnml::reliability {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::seconds;

HealthConfig TestConfig() {
  HealthConfig c;
  c.min_requests = 10;
  c.warmup_intervals = 5;
  c.recovery_intervals = 2;
  return c;
}

// Records `n` requests of `latency` (the first `errors` failed, the first
// `fallbacks` served by a fallback), then closes the interval.
HealthReport Interval(HealthMonitor& m, ManualClock& clock, int n, Clock::Duration latency,
                      int errors = 0, int fallbacks = 0) {
  for (int i = 0; i < n; ++i) m.RecordRequest(latency, i < errors, i < fallbacks);
  clock.Advance(seconds(1));
  return m.Evaluate();
}

// Five warm-up intervals around 1.0 ms (alternating 0.9 / 1.1 ms).
void WarmUp(HealthMonitor& m, ManualClock& clock) {
  for (int i = 0; i < 5; ++i) {
    Interval(m, clock, 100, i % 2 ? microseconds(900) : microseconds(1100));
  }
}

bool HasReason(const HealthReport& r, std::string_view text) {
  for (const std::string& reason : r.reasons) {
    if (reason.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(HealthConfig, ValidateNamesTheField) {
  HealthConfig c;
  c.ewma_alpha = 1.5;
  EXPECT_NE(c.Validate().status().message().find("ewma_alpha"), std::string::npos);
  c = {};
  c.critical_z = 1.0;
  EXPECT_NE(c.Validate().status().message().find("critical_z"), std::string::npos);
  c = {};
  c.degraded_error_rate = 2.0;
  EXPECT_NE(c.Validate().status().message().find("degraded_error_rate"), std::string::npos);
  c = {};
  c.critical_fallback_rate = 0.01;
  EXPECT_NE(c.Validate().status().message().find("critical_fallback_rate"), std::string::npos);
  c = {};
  c.interval = Clock::Duration::zero();
  EXPECT_NE(c.Validate().status().message().find("interval"), std::string::npos);
  c = {};
  c.warmup_intervals = 0;
  EXPECT_NE(c.Validate().status().message().find("warmup_intervals"), std::string::npos);
  EXPECT_TRUE(HealthConfig{}.Validate().ok());
  ManualClock clock;
  EXPECT_FALSE(HealthMonitor::Create(c, clock).ok());
}

TEST(HealthMonitor, HealthyAndEmptyBeforeFirstEvaluate) {
  ManualClock clock;
  HealthMonitor m(TestConfig(), clock);
  EXPECT_EQ(m.state(), HealthState::kHealthy);
  EXPECT_EQ(m.current()->state, HealthState::kHealthy);
  EXPECT_EQ(m.current()->intervals_evaluated, 0);
}

TEST(HealthMonitor, WarmUpDoesNotJudgeLatency) {
  ManualClock clock;
  HealthMonitor m(TestConfig(), clock);
  Interval(m, clock, 100, milliseconds(1));
  HealthReport r = Interval(m, clock, 100, milliseconds(50));  // would be huge z
  EXPECT_FALSE(r.baseline_ready);
  EXPECT_EQ(r.latency_z, 0.0);
  EXPECT_EQ(r.state, HealthState::kHealthy);
  EXPECT_TRUE(r.reasons.empty());
}

TEST(HealthMonitor, BaselineLearnsDuringWarmUp) {
  ManualClock clock;
  HealthMonitor m(TestConfig(), clock);
  WarmUp(m, clock);
  HealthReport r = Interval(m, clock, 100, milliseconds(1));
  EXPECT_TRUE(r.baseline_ready);
  EXPECT_NEAR(r.baseline_latency_ms, 1.02, 0.01);  // the running mean of 1.1 .9 1.1 .9 1.1
  EXPECT_NEAR(r.mean_latency_ms, 1.0, 1e-9);
  EXPECT_EQ(r.state, HealthState::kHealthy);
  EXPECT_EQ(r.requests, 100);
}

TEST(HealthMonitor, LatencyAnomalyDegradesThenCritical) {
  ManualClock clock;
  HealthMonitor m(TestConfig(), clock);
  WarmUp(m, clock);
  // stddev floor 0.1 ms dominates (10% of ~1 ms): 1.5 ms is ~4.8σ.
  HealthReport degraded = Interval(m, clock, 100, microseconds(1500));
  EXPECT_EQ(degraded.state, HealthState::kDegraded);
  EXPECT_GE(degraded.latency_z, 3.0);
  EXPECT_LT(degraded.latency_z, 6.0);
  EXPECT_TRUE(HasReason(degraded, "σ above the"));
  HealthReport critical = Interval(m, clock, 100, milliseconds(12));
  EXPECT_EQ(critical.state, HealthState::kCritical);
  EXPECT_TRUE(HasReason(critical, "mean latency 12 ms is"));
  EXPECT_EQ(m.state(), HealthState::kCritical);
  EXPECT_EQ(m.current()->state, HealthState::kCritical);
}

TEST(HealthMonitor, AnomaliesBarelyMoveTheBaseline) {
  ManualClock clock;
  HealthMonitor m(TestConfig(), clock);
  WarmUp(m, clock);
  for (int i = 0; i < 5; ++i) Interval(m, clock, 100, milliseconds(20));
  HealthReport r = Interval(m, clock, 100, milliseconds(20));
  // Full-weight EWMA (alpha 0.1) would be near 9 ms after five 20 ms intervals.
  EXPECT_LT(r.baseline_latency_ms, 3.0);
  EXPECT_EQ(r.state, HealthState::kCritical);
}

TEST(HealthMonitor, LastingShiftIsLearnedOverMinutes) {
  ManualClock clock;
  HealthMonitor m(TestConfig(), clock);
  WarmUp(m, clock);
  int intervals = 0;
  HealthReport r;
  do {
    r = Interval(m, clock, 100, milliseconds(5));
    ++intervals;
  } while (r.state != HealthState::kHealthy && intervals < 2000);
  EXPECT_EQ(r.state, HealthState::kHealthy);
  EXPECT_GT(intervals, 30);  // not within the first half-minute (64 intervals here)
}

TEST(HealthMonitor, FasterThanBaselineIsHealthy) {
  ManualClock clock;
  HealthMonitor m(TestConfig(), clock);
  WarmUp(m, clock);
  HealthReport r = Interval(m, clock, 100, microseconds(100));
  EXPECT_LT(r.latency_z, -3.0);
  EXPECT_EQ(r.state, HealthState::kHealthy);
}

TEST(HealthMonitor, ErrorRateThresholds) {
  ManualClock clock;
  HealthMonitor m(TestConfig(), clock);
  WarmUp(m, clock);
  HealthReport degraded = Interval(m, clock, 100, milliseconds(1), /*errors=*/10);
  EXPECT_EQ(degraded.state, HealthState::kDegraded);
  EXPECT_DOUBLE_EQ(degraded.error_rate, 0.1);
  EXPECT_TRUE(HasReason(degraded, "error rate 10.0% >= degraded threshold 5.0%"));
  HealthReport critical = Interval(m, clock, 100, milliseconds(1), /*errors=*/40);
  EXPECT_EQ(critical.state, HealthState::kCritical);
  EXPECT_TRUE(HasReason(critical, "error rate 40.0% >= critical threshold 25.0%"));
  EXPECT_TRUE(HasReason(critical, "σ above the"));  // z-score against the clean baseline
}

TEST(HealthMonitor, FallbackRateThresholds) {
  ManualClock clock;
  HealthMonitor m(TestConfig(), clock);
  WarmUp(m, clock);
  HealthReport degraded = Interval(m, clock, 100, milliseconds(1), 0, /*fallbacks=*/10);
  EXPECT_EQ(degraded.state, HealthState::kDegraded);
  EXPECT_TRUE(HasReason(degraded, "fallback rate 10.0%"));
  HealthReport critical = Interval(m, clock, 100, milliseconds(1), 0, /*fallbacks=*/60);
  EXPECT_EQ(critical.state, HealthState::kCritical);
  EXPECT_DOUBLE_EQ(critical.fallback_rate, 0.6);
}

TEST(HealthMonitor, TooFewRequestsAreNotJudged) {
  ManualClock clock;
  HealthMonitor m(TestConfig(), clock);
  WarmUp(m, clock);
  HealthReport r = Interval(m, clock, 5, milliseconds(100), 5, 5);
  EXPECT_FALSE(r.judged);
  EXPECT_EQ(r.state, HealthState::kHealthy);
  HealthReport next = Interval(m, clock, 100, milliseconds(1));
  EXPECT_NEAR(next.baseline_latency_ms, r.baseline_latency_ms, 1e-9);  // not folded in
}

TEST(HealthMonitor, OpenBreakerSetsItsState) {
  ManualClock clock;
  HealthMonitor m(TestConfig(), clock);
  CircuitBreakerConfig c;
  c.sliding_window_size = 2;
  c.minimum_number_of_calls = 2;
  CircuitBreaker model("model", c, clock);
  CircuitBreaker webhook("webhook", c, clock);
  m.WatchBreaker(&model, HealthState::kCritical);
  m.WatchBreaker(&webhook, HealthState::kDegraded);
  WarmUp(m, clock);

  webhook.ForceOpen();
  HealthReport degraded = Interval(m, clock, 100, milliseconds(1));
  EXPECT_EQ(degraded.state, HealthState::kDegraded);
  EXPECT_TRUE(HasReason(degraded, "circuit breaker 'webhook' is forced_open"));
  ASSERT_EQ(degraded.breakers.size(), 2u);
  EXPECT_EQ(degraded.breakers[1].state, CircuitState::kForcedOpen);

  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(model.TryAcquirePermission());
    model.OnError(milliseconds(1));
  }
  HealthReport critical = Interval(m, clock, 100, milliseconds(1));
  EXPECT_EQ(critical.state, HealthState::kCritical);
  EXPECT_TRUE(HasReason(critical, "circuit breaker 'model' is open"));
}

TEST(HealthMonitor, RecoversAfterHysteresisIntervals) {
  ManualClock clock;
  HealthMonitor m(TestConfig(), clock);
  WarmUp(m, clock);
  ASSERT_EQ(Interval(m, clock, 100, milliseconds(1), 50).state, HealthState::kCritical);
  HealthReport first_good = Interval(m, clock, 100, milliseconds(1));
  EXPECT_EQ(first_good.state, HealthState::kCritical);
  EXPECT_TRUE(HasReason(first_good, "recovering: 1 of 2 intervals below critical"));
  HealthReport second_good = Interval(m, clock, 100, milliseconds(1));
  EXPECT_EQ(second_good.state, HealthState::kHealthy);
  EXPECT_TRUE(second_good.reasons.empty());
}

TEST(HealthMonitor, DegradedRecoversImmediately) {
  ManualClock clock;
  HealthMonitor m(TestConfig(), clock);
  WarmUp(m, clock);
  ASSERT_EQ(Interval(m, clock, 100, milliseconds(1), 10).state, HealthState::kDegraded);
  EXPECT_EQ(Interval(m, clock, 100, milliseconds(1)).state, HealthState::kHealthy);
}

TEST(HealthMonitor, ConcurrentRecordingSumsRight) {
  ManualClock clock;
  HealthMonitor m(TestConfig(), clock);
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&m] {
      for (int i = 0; i < 10000; ++i) m.RecordRequest(milliseconds(2), i % 10 == 0, false);
    });
  }
  for (std::thread& th : threads) th.join();
  HealthReport r = m.Evaluate();
  EXPECT_EQ(r.requests, 40000);
  EXPECT_DOUBLE_EQ(r.mean_latency_ms, 2.0);
  EXPECT_DOUBLE_EQ(r.error_rate, 0.1);
}

TEST(HealthMonitor, StateNames) {
  EXPECT_EQ(HealthStateName(HealthState::kHealthy), "healthy");
  EXPECT_EQ(HealthStateName(HealthState::kDegraded), "degraded");
  EXPECT_EQ(HealthStateName(HealthState::kCritical), "critical");
}

}  // namespace
}  // namespace churnml::reliability
