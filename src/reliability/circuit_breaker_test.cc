#include "reliability/circuit_breaker.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <thread>
#include <vector>

namespace churnml::reliability {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

CircuitBreakerConfig CountConfig(int64_t size, int64_t minimum) {
  CircuitBreakerConfig c;
  c.sliding_window_type = SlidingWindowType::kCountBased;
  c.sliding_window_size = size;
  c.minimum_number_of_calls = minimum;
  c.failure_rate_threshold = 50.0;
  c.slow_call_rate_threshold = 100.0;
  c.slow_call_duration_threshold = milliseconds(100);
  c.wait_duration_in_open_state = seconds(10);
  c.permitted_calls_in_half_open_state = 3;
  return c;
}

constexpr auto kFast = milliseconds(1);
constexpr auto kSlow = milliseconds(500);

void Succeed(CircuitBreaker& b, int n, Clock::Duration d = kFast) {
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(b.TryAcquirePermission());
    b.OnSuccess(d);
  }
}

void Fail(CircuitBreaker& b, int n, Clock::Duration d = kFast) {
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(b.TryAcquirePermission());
    b.OnError(d);
  }
}

// Opens a breaker built with CountConfig(10, 10).
void Trip(CircuitBreaker& b) {
  Succeed(b, 5);
  Fail(b, 5);
  ASSERT_EQ(b.state(), CircuitState::kOpen);
}

TEST(CircuitBreakerConfig, ValidateNamesTheField) {
  CircuitBreakerConfig c;
  c.sliding_window_size = 0;
  EXPECT_NE(c.Validate().status().message().find("sliding_window_size"), std::string::npos);
  c = {};
  c.failure_rate_threshold = 0;
  EXPECT_NE(c.Validate().status().message().find("failure_rate_threshold"), std::string::npos);
  c = {};
  c.slow_call_rate_threshold = 101;
  EXPECT_NE(c.Validate().status().message().find("slow_call_rate_threshold"), std::string::npos);
  c = {};
  c.slow_call_duration_threshold = Clock::Duration::zero();
  EXPECT_NE(c.Validate().status().message().find("slow_call_duration_threshold"),
            std::string::npos);
  c = {};
  c.wait_duration_in_open_state = Clock::Duration::zero();
  EXPECT_NE(c.Validate().status().message().find("wait_duration_in_open_state"), std::string::npos);
  c = {};
  c.permitted_calls_in_half_open_state = 0;
  EXPECT_NE(c.Validate().status().message().find("permitted_calls_in_half_open_state"),
            std::string::npos);
  c = {};
  c.minimum_number_of_calls = 0;
  EXPECT_NE(c.Validate().status().message().find("minimum_number_of_calls"), std::string::npos);
  c = {};
  c.max_wait_in_half_open_state = -seconds(1);
  EXPECT_NE(c.Validate().status().message().find("max_wait_in_half_open_state"), std::string::npos);
  c = {};
  c.sliding_window_type = SlidingWindowType::kTimeBased;
  c.sliding_window_size = 4000;
  EXPECT_EQ(c.Validate().status().code(), StatusCode::kInvalidArgument);
}

TEST(CircuitBreakerConfig, CountBasedMinimumIsLoweredToWindowSize) {
  CircuitBreakerConfig c = CountConfig(10, 100);
  Result<CircuitBreakerConfig> valid = c.Validate();
  ASSERT_TRUE(valid.ok());
  EXPECT_EQ(valid->minimum_number_of_calls, 10);
  EXPECT_TRUE(valid->record_failure);
}

TEST(CircuitBreaker, CreateRejectsInvalidConfigWithBreakerName) {
  ManualClock clock;
  CircuitBreakerConfig c = CountConfig(0, 1);
  auto breaker = CircuitBreaker::Create("model", c, clock);
  ASSERT_FALSE(breaker.ok());
  EXPECT_NE(breaker.status().message().find("'model'"), std::string::npos);
  EXPECT_TRUE(CircuitBreaker::Create("model", CountConfig(10, 10), clock).ok());
}

TEST(CircuitBreaker, OpensWhenFailureRateReachesThreshold) {
  ManualClock clock;
  CircuitBreaker b("model", CountConfig(10, 10), clock);
  Succeed(b, 5);
  Fail(b, 4);
  EXPECT_EQ(b.state(), CircuitState::kClosed);  // 9 calls < minimum
  Fail(b, 1);                                   // 5 of 10 = 50% >= 50%
  EXPECT_EQ(b.state(), CircuitState::kOpen);
  const CircuitBreakerMetrics m = b.Metrics();
  EXPECT_DOUBLE_EQ(m.failure_rate, 50.0);
  EXPECT_EQ(m.buffered_calls, 10);
  EXPECT_EQ(m.failed_calls, 5);
}

TEST(CircuitBreaker, StaysClosedBelowFailureThreshold) {
  ManualClock clock;
  CircuitBreaker b("model", CountConfig(10, 10), clock);
  Succeed(b, 6);
  Fail(b, 4);
  EXPECT_EQ(b.state(), CircuitState::kClosed);
  EXPECT_DOUBLE_EQ(b.Metrics().failure_rate, 40.0);
}

TEST(CircuitBreaker, MinimumNumberOfCallsIsRespected) {
  ManualClock clock;
  CircuitBreaker b("model", CountConfig(10, 5), clock);
  Fail(b, 4);
  EXPECT_EQ(b.state(), CircuitState::kClosed);
  EXPECT_DOUBLE_EQ(b.Metrics().failure_rate, -1.0);  // not computed yet
  Fail(b, 1);
  EXPECT_EQ(b.state(), CircuitState::kOpen);
}

TEST(CircuitBreaker, SuccessThatReachesMinimumCanOpen) {
  ManualClock clock;
  CircuitBreaker b("model", CountConfig(10, 10), clock);
  Fail(b, 9);
  EXPECT_EQ(b.state(), CircuitState::kClosed);
  Succeed(b, 1);  // 9 of 10 failed, now computable
  EXPECT_EQ(b.state(), CircuitState::kOpen);
}

TEST(CircuitBreaker, OldestOutcomesLeaveTheCountWindow) {
  ManualClock clock;
  CircuitBreaker b("model", CountConfig(10, 10), clock);
  Fail(b, 4);
  Succeed(b, 6);  // 40%
  Succeed(b, 4);  // the 4 failures are overwritten
  const CircuitBreakerMetrics m = b.Metrics();
  EXPECT_EQ(m.buffered_calls, 10);
  EXPECT_EQ(m.failed_calls, 0);
  Fail(b, 4);  // 40% again: still closed
  EXPECT_EQ(b.state(), CircuitState::kClosed);
  Fail(b, 1);  // 50%
  EXPECT_EQ(b.state(), CircuitState::kOpen);
}

TEST(CircuitBreaker, OpensWhenSlowCallRateReachesThreshold) {
  ManualClock clock;
  CircuitBreakerConfig c = CountConfig(10, 10);
  c.slow_call_rate_threshold = 30.0;
  CircuitBreaker b("store", c, clock);
  Succeed(b, 8);
  Succeed(b, 2, kSlow);
  EXPECT_EQ(b.state(), CircuitState::kClosed);  // 20% slow
  Succeed(b, 1, kSlow);                         // 3 of 10 slow (oldest fast one evicted)
  EXPECT_EQ(b.state(), CircuitState::kOpen);
  const CircuitBreakerMetrics m = b.Metrics();
  EXPECT_DOUBLE_EQ(m.slow_call_rate, 30.0);
  EXPECT_DOUBLE_EQ(m.failure_rate, 0.0);
}

TEST(CircuitBreaker, CallAtExactlyTheSlowThresholdIsNotSlow) {
  ManualClock clock;
  CircuitBreakerConfig c = CountConfig(2, 2);
  c.slow_call_rate_threshold = 50.0;
  CircuitBreaker b("store", c, clock);
  Succeed(b, 2, c.slow_call_duration_threshold);
  EXPECT_EQ(b.state(), CircuitState::kClosed);
  EXPECT_EQ(b.Metrics().slow_calls, 0);
}

TEST(CircuitBreaker, OpenRefusesAndCountsNotPermitted) {
  ManualClock clock;
  CircuitBreaker b("model", CountConfig(10, 10), clock);
  Trip(b);
  EXPECT_FALSE(b.TryAcquirePermission());
  EXPECT_FALSE(b.TryAcquirePermission());
  EXPECT_EQ(b.Metrics().not_permitted_calls, 2);
  EXPECT_EQ(b.NotPermittedStatus().code(), StatusCode::kUnavailable);
  EXPECT_EQ(b.NotPermittedStatus().message(), "circuit breaker 'model' is open");
}

TEST(CircuitBreaker, MovesToHalfOpenOnFirstCallAfterOpenWait) {
  ManualClock clock;
  CircuitBreaker b("model", CountConfig(10, 10), clock);
  Trip(b);
  clock.Advance(seconds(10) - milliseconds(1));
  EXPECT_FALSE(b.TryAcquirePermission());
  EXPECT_EQ(b.state(), CircuitState::kOpen);
  clock.Advance(milliseconds(1));
  EXPECT_EQ(b.state(), CircuitState::kOpen);  // no call yet
  EXPECT_TRUE(b.TryAcquirePermission());
  EXPECT_EQ(b.state(), CircuitState::kHalfOpen);
}

TEST(CircuitBreaker, HalfOpenAdmitsAtMostPermittedProbes) {
  ManualClock clock;
  CircuitBreaker b("model", CountConfig(10, 10), clock);
  Trip(b);
  clock.Advance(seconds(10));
  const int64_t refused_before = b.Metrics().not_permitted_calls;
  EXPECT_TRUE(b.TryAcquirePermission());
  EXPECT_TRUE(b.TryAcquirePermission());
  EXPECT_TRUE(b.TryAcquirePermission());
  EXPECT_FALSE(b.TryAcquirePermission());
  EXPECT_FALSE(b.TryAcquirePermission());
  EXPECT_EQ(b.Metrics().not_permitted_calls - refused_before, 2);
  EXPECT_NE(b.NotPermittedStatus().message().find("half_open"), std::string::npos);
}

TEST(CircuitBreaker, HalfOpenClosesWhenProbesSucceed) {
  ManualClock clock;
  CircuitBreaker b("model", CountConfig(10, 10), clock);
  Trip(b);
  clock.Advance(seconds(10));
  Succeed(b, 2);
  Fail(b, 1);  // 33% < 50%
  EXPECT_EQ(b.state(), CircuitState::kClosed);
  const CircuitBreakerMetrics m = b.Metrics();
  EXPECT_EQ(m.buffered_calls, 0);  // a fresh window
  EXPECT_TRUE(b.TryAcquirePermission());
}

TEST(CircuitBreaker, HalfOpenReopensWhenProbesFail) {
  ManualClock clock;
  CircuitBreaker b("model", CountConfig(10, 10), clock);
  Trip(b);
  clock.Advance(seconds(10));
  Succeed(b, 1);
  Fail(b, 2);  // 67%
  EXPECT_EQ(b.state(), CircuitState::kOpen);
  EXPECT_FALSE(b.TryAcquirePermission());
  clock.Advance(seconds(10));  // a new open wait started at the reopen
  EXPECT_TRUE(b.TryAcquirePermission());
  EXPECT_EQ(b.state(), CircuitState::kHalfOpen);
}

TEST(CircuitBreaker, HalfOpenReopensWhenProbesAreSlow) {
  ManualClock clock;
  CircuitBreakerConfig c = CountConfig(10, 10);
  c.slow_call_rate_threshold = 50.0;
  CircuitBreaker b("model", c, clock);
  Trip(b);
  clock.Advance(seconds(10));
  Succeed(b, 2, kSlow);
  Succeed(b, 1);
  EXPECT_EQ(b.state(), CircuitState::kOpen);
}

TEST(CircuitBreaker, HalfOpenWaitsForAllProbesWithoutMaxWait) {
  ManualClock clock;
  CircuitBreaker b("model", CountConfig(10, 10), clock);
  Trip(b);
  clock.Advance(seconds(10));
  Succeed(b, 2);
  clock.Advance(std::chrono::hours(1));
  EXPECT_TRUE(b.TryAcquirePermission());  // the third probe
  EXPECT_EQ(b.state(), CircuitState::kHalfOpen);
}

TEST(CircuitBreaker, HalfOpenReopensAfterMaxWait) {
  ManualClock clock;
  CircuitBreakerConfig c = CountConfig(10, 10);
  c.max_wait_in_half_open_state = seconds(5);
  CircuitBreaker b("model", c, clock);
  Trip(b);
  clock.Advance(seconds(10));
  ASSERT_TRUE(b.TryAcquirePermission());  // a probe that never reports
  clock.Advance(seconds(5));
  EXPECT_FALSE(b.TryAcquirePermission());
  EXPECT_EQ(b.state(), CircuitState::kOpen);
}

TEST(CircuitBreaker, ListenerCalledOncePerTransitionInOrder) {
  ManualClock clock;
  CircuitBreaker b("model", CountConfig(10, 10), clock);
  std::vector<StateTransition> seen;
  std::vector<std::string> reasons;
  b.SetListener([&](const StateTransition& t) {
    seen.push_back(t);
    reasons.push_back(t.reason);
  });
  Trip(b);
  EXPECT_FALSE(b.TryAcquirePermission());  // no extra transition
  clock.Advance(seconds(10));
  Succeed(b, 3);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].from, CircuitState::kClosed);
  EXPECT_EQ(seen[0].to, CircuitState::kOpen);
  EXPECT_DOUBLE_EQ(seen[0].failure_rate, 50.0);
  EXPECT_EQ(seen[0].calls, 10);
  EXPECT_NE(reasons[0].find("failure rate 50.0% >= threshold 50.0%"), std::string::npos);
  EXPECT_EQ(seen[1].to, CircuitState::kHalfOpen);
  EXPECT_EQ(seen[2].from, CircuitState::kHalfOpen);
  EXPECT_EQ(seen[2].to, CircuitState::kClosed);
  EXPECT_EQ(seen[0].breaker, "model");
}

TEST(CircuitBreaker, OutcomeListenerSeesEveryOutcome) {
  ManualClock clock;
  CircuitBreaker b("model", CountConfig(10, 10), clock);
  std::map<CallOutcome, int> counts;
  b.SetOutcomeListener([&](CallOutcome o) { ++counts[o]; });
  Succeed(b, 2);
  Succeed(b, 1, kSlow);
  Fail(b, 1);
  Fail(b, 1, kSlow);
  b.ForceOpen();
  EXPECT_FALSE(b.TryAcquirePermission());
  EXPECT_EQ(counts[CallOutcome::kSuccess], 2);
  EXPECT_EQ(counts[CallOutcome::kSlowSuccess], 1);
  EXPECT_EQ(counts[CallOutcome::kFailure], 1);
  EXPECT_EQ(counts[CallOutcome::kSlowFailure], 1);
  EXPECT_EQ(counts[CallOutcome::kNotPermitted], 1);
}

TEST(CircuitBreaker, TimeBasedWindowForgetsOldSeconds) {
  ManualClock clock;
  CircuitBreakerConfig c = CountConfig(10, 4);
  c.sliding_window_type = SlidingWindowType::kTimeBased;
  c.sliding_window_size = 5;  // seconds
  CircuitBreaker b("alerts", c, clock);
  Fail(b, 3);
  EXPECT_EQ(b.Metrics().buffered_calls, 3);
  clock.Advance(seconds(5));  // the failures' second has left the window
  EXPECT_EQ(b.Metrics().buffered_calls, 0);
  Succeed(b, 1);
  Fail(b, 2);
  EXPECT_EQ(b.state(), CircuitState::kClosed);  // 3 calls < minimum 4
  Fail(b, 1);                                   // 3 of 4 failed
  EXPECT_EQ(b.state(), CircuitState::kOpen);
}

TEST(CircuitBreaker, TimeBasedWindowSumsSecondsInsideIt) {
  ManualClock clock;
  CircuitBreakerConfig c = CountConfig(10, 4);
  c.sliding_window_type = SlidingWindowType::kTimeBased;
  c.sliding_window_size = 5;
  CircuitBreaker b("alerts", c, clock);
  Fail(b, 1);
  clock.Advance(seconds(2));
  Succeed(b, 1);
  clock.Advance(seconds(2));
  Succeed(b, 1);
  const CircuitBreakerMetrics m = b.Metrics();
  EXPECT_EQ(m.buffered_calls, 3);
  EXPECT_EQ(m.failed_calls, 1);
  clock.Advance(seconds(1));  // first second leaves
  EXPECT_EQ(b.Metrics().buffered_calls, 2);
  EXPECT_EQ(b.Metrics().failed_calls, 0);
}

TEST(CircuitBreaker, ForceOpenAndReset) {
  ManualClock clock;
  CircuitBreaker b("model", CountConfig(10, 10), clock);
  b.ForceOpen();
  EXPECT_EQ(b.state(), CircuitState::kForcedOpen);
  clock.Advance(std::chrono::hours(1));
  EXPECT_FALSE(b.TryAcquirePermission());  // forced open never half-opens
  b.Reset();
  EXPECT_EQ(b.state(), CircuitState::kClosed);
  EXPECT_TRUE(b.TryAcquirePermission());
  EXPECT_EQ(b.Metrics().buffered_calls, 0);
}

TEST(CircuitBreaker, ResetEmptiesTheWindow) {
  ManualClock clock;
  CircuitBreaker b("model", CountConfig(10, 10), clock);
  Fail(b, 4);
  b.Reset();
  EXPECT_EQ(b.Metrics().buffered_calls, 0);
  Fail(b, 4);
  Succeed(b, 5);
  EXPECT_EQ(b.state(), CircuitState::kClosed);  // 4 of 9
}

TEST(CircuitBreaker, ExecuteRecordsOutcomesAndRefusesWhenOpen) {
  ManualClock clock;
  CircuitBreakerConfig c = CountConfig(2, 2);
  c.record_failure = [](const Status& s) { return s.code() != StatusCode::kInvalidArgument; };
  CircuitBreaker b("model", c, clock);
  int calls = 0;
  Result<int> r = b.Execute([&]() -> Result<int> {
    ++calls;
    clock.Advance(kSlow);
    return 7;
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 7);
  EXPECT_EQ(b.Metrics().slow_calls, 1);  // timed on the breaker's clock
  // A caller's mistake is not the dependency's failure.
  Status bad = b.Execute([&] {
    ++calls;
    return InvalidArgumentError("bad input");
  });
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(b.Metrics().failed_calls, 0);
  Status down = b.Execute([&] {
    ++calls;
    return UnavailableError("down");
  });
  EXPECT_EQ(down.message(), "down");
  EXPECT_EQ(b.state(), CircuitState::kOpen);  // 1 failure of 2
  Status refused = b.Execute([&] {
    ++calls;
    return Status::Ok();
  });
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(refused.message(), "circuit breaker 'model' is open");
}

TEST(CircuitBreaker, ConcurrentRecordingSumsRight) {
  ManualClock clock;
  for (SlidingWindowType type : {SlidingWindowType::kCountBased, SlidingWindowType::kTimeBased}) {
    CircuitBreakerConfig c = CountConfig(100000, 100000);
    c.sliding_window_type = type;
    c.sliding_window_size = type == SlidingWindowType::kCountBased ? 100000 : 60;
    c.failure_rate_threshold = 100.0;
    CircuitBreaker b("model", c, clock);
    constexpr int kThreads = 4;
    constexpr int kPerThread = 5000;
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&b, t] {
        for (int i = 0; i < kPerThread; ++i) {
          if (!b.TryAcquirePermission()) continue;
          if (i % 4 == t % 4) {
            b.OnError(kFast);
          } else {
            b.OnSuccess(i % 10 == 0 ? kSlow : kFast);
          }
        }
      });
    }
    for (std::thread& th : threads) th.join();
    const CircuitBreakerMetrics m = b.Metrics();
    EXPECT_EQ(m.buffered_calls, kThreads * kPerThread) << SlidingWindowTypeName(type);
    EXPECT_EQ(m.failed_calls, kThreads * kPerThread / 4) << SlidingWindowTypeName(type);
    EXPECT_EQ(b.state(), CircuitState::kClosed);
  }
}

TEST(CircuitBreaker, ConcurrentFailuresOpenExactlyOnce) {
  ManualClock clock;
  CircuitBreaker b("model", CountConfig(100, 100), clock);
  int transitions = 0;
  b.SetListener([&](const StateTransition&) { ++transitions; });  // runs under the lock
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&b] {
      for (int i = 0; i < 1000; ++i) {
        if (b.TryAcquirePermission()) b.OnError(kFast);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(b.state(), CircuitState::kOpen);
  EXPECT_EQ(transitions, 1);
}

TEST(CircuitBreaker, Names) {
  EXPECT_EQ(CircuitStateName(CircuitState::kHalfOpen), "half_open");
  EXPECT_EQ(CircuitStateName(CircuitState::kForcedOpen), "forced_open");
  EXPECT_EQ(CallOutcomeName(CallOutcome::kSlowFailure), "slow_failure");
  EXPECT_EQ(CallOutcomeName(CallOutcome::kNotPermitted), "not_permitted");
}

}  // namespace
}  // namespace churnml::reliability
