#include "reliability/retry.h"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

namespace churnml::reliability {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

RetryPolicy NoJitter(int attempts) {
  RetryPolicy p;
  p.max_attempts = attempts;
  p.initial_backoff = milliseconds(100);
  p.multiplier = 2.0;
  p.max_backoff = seconds(1);
  p.jitter = Jitter::kNone;
  return p;
}

std::function<Status()> AlwaysUnavailable(int* calls) {
  return [calls] {
    ++*calls;
    return UnavailableError("backend down");
  };
}

TEST(RetryPolicy, ValidateNamesTheField) {
  RetryPolicy p;
  p.max_attempts = 0;
  EXPECT_NE(p.Validate().status().message().find("max_attempts"), std::string::npos);
  p = {};
  p.initial_backoff = Clock::Duration::zero();
  EXPECT_NE(p.Validate().status().message().find("initial_backoff"), std::string::npos);
  p = {};
  p.multiplier = 0.5;
  EXPECT_NE(p.Validate().status().message().find("multiplier"), std::string::npos);
  p = {};
  p.max_backoff = milliseconds(1);
  EXPECT_NE(p.Validate().status().message().find("max_backoff"), std::string::npos);
  p = {};
  p.deadline = -seconds(1);
  EXPECT_NE(p.Validate().status().message().find("deadline"), std::string::npos);
  p = {};
  Result<RetryPolicy> valid = p.Validate();
  ASSERT_TRUE(valid.ok());
  EXPECT_TRUE(valid->retryable(UnavailableError("x")));
  EXPECT_FALSE(valid->retryable(InvalidArgumentError("x")));
}

TEST(Retry, ExactBackoffSequenceWithoutJitter) {
  ManualClock clock;
  Rng rng(1);
  int calls = 0;
  RetryStats stats;
  Status s = Retry(NoJitter(6), clock, rng, nullptr, AlwaysUnavailable(&calls), &stats);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("gave up after 6 attempts"), std::string::npos);
  EXPECT_NE(s.message().find("backend down"), std::string::npos);
  const std::vector<Clock::Duration> expected = {milliseconds(100), milliseconds(200),
                                                 milliseconds(400), milliseconds(800), seconds(1)};
  EXPECT_EQ(clock.sleeps(), expected);
  EXPECT_EQ(calls, 6);
  EXPECT_EQ(stats.attempts, 6);
  EXPECT_EQ(stats.total_sleep, milliseconds(2500));
  EXPECT_EQ(stats.last_status.message(), "backend down");
}

TEST(Retry, SucceedsAfterTransientFailures) {
  ManualClock clock;
  Rng rng(1);
  int calls = 0;
  RetryStats stats;
  Status s = Retry(
      NoJitter(5), clock, rng, nullptr,
      [&] { return ++calls < 3 ? UnavailableError("busy") : Status::Ok(); }, &stats);
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(stats.attempts, 3);
  EXPECT_EQ(clock.sleeps().size(), 2u);
  EXPECT_TRUE(stats.last_status.ok());
}

TEST(Retry, NonRetryableErrorStopsAtOnce) {
  ManualClock clock;
  Rng rng(1);
  RetryStats stats;
  Status s = Retry(
      NoJitter(5), clock, rng, nullptr, [] { return InvalidArgumentError("row 3: bad"); }, &stats);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "row 3: bad");
  EXPECT_EQ(stats.attempts, 1);
  EXPECT_TRUE(clock.sleeps().empty());
}

TEST(Retry, CustomRetryablePredicate) {
  ManualClock clock;
  Rng rng(1);
  RetryPolicy p = NoJitter(3);
  p.retryable = [](const Status& s) { return s.code() == StatusCode::kInternal; };
  RetryStats stats;
  Status s = Retry(
      p, clock, rng, nullptr, [] { return InternalError("boom"); }, &stats);
  EXPECT_EQ(stats.attempts, 3);
  Status u = Retry(
      p, clock, rng, nullptr, [] { return UnavailableError("x"); }, &stats);
  EXPECT_EQ(stats.attempts, 1);
}

TEST(Retry, FullJitterStaysWithinTheExponentialCap) {
  RetryPolicy p = NoJitter(8);
  p.jitter = Jitter::kFull;
  p.max_backoff = milliseconds(1000);
  bool varied = false;
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    ManualClock clock;
    Rng rng(seed);
    int calls = 0;
    Retry(p, clock, rng, nullptr, AlwaysUnavailable(&calls)).IgnoreError();
    const std::vector<Clock::Duration> sleeps = clock.sleeps();
    ASSERT_EQ(sleeps.size(), 7u);
    Clock::Duration cap = milliseconds(100);
    for (Clock::Duration d : sleeps) {
      EXPECT_GE(d, Clock::Duration::zero());
      EXPECT_LT(d, cap);
      if (d != sleeps[0]) varied = true;
      cap = std::min<Clock::Duration>(cap * 2, milliseconds(1000));
    }
  }
  EXPECT_TRUE(varied);
}

TEST(Retry, DecorrelatedJitterStaysBetweenBaseAndThreeTimesPrevious) {
  RetryPolicy p = NoJitter(10);
  p.jitter = Jitter::kDecorrelated;
  p.max_backoff = milliseconds(2000);
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    ManualClock clock;
    Rng rng(seed);
    int calls = 0;
    Retry(p, clock, rng, nullptr, AlwaysUnavailable(&calls)).IgnoreError();
    Clock::Duration previous = milliseconds(100);
    for (Clock::Duration d : clock.sleeps()) {
      EXPECT_GE(d, milliseconds(100));
      EXPECT_LE(d, std::min<Clock::Duration>(previous * 3, milliseconds(2000)));
      previous = d;
    }
  }
}

TEST(Retry, SameSeedGivesSameDelays) {
  RetryPolicy p = NoJitter(5);
  p.jitter = Jitter::kFull;
  ManualClock a, b;
  Rng ra(42), rb(42);
  int calls = 0;
  Retry(p, a, ra, nullptr, AlwaysUnavailable(&calls)).IgnoreError();
  Retry(p, b, rb, nullptr, AlwaysUnavailable(&calls)).IgnoreError();
  EXPECT_EQ(a.sleeps(), b.sleeps());
}

TEST(Retry, DeadlineCutsTheLoopWithoutSleepingPastIt) {
  ManualClock clock;
  Rng rng(1);
  RetryPolicy p = NoJitter(10);
  p.initial_backoff = milliseconds(400);
  p.max_backoff = seconds(10);
  p.deadline = seconds(1);
  const Clock::TimePoint start = clock.Now();
  RetryStats stats;
  Status s = Retry(
      p, clock, rng, nullptr,
      [&] {
        clock.Advance(milliseconds(50));  // each attempt takes 50 ms
        return DeadlineExceededError("timed out");
      },
      &stats);
  // t=50 fail, sleep 400 -> t=450, t=500 fail, a 800 ms sleep would end at 1300.
  EXPECT_EQ(stats.attempts, 2);
  EXPECT_EQ(clock.sleeps(), std::vector<Clock::Duration>{milliseconds(400)});
  EXPECT_LT(clock.Now() - start, seconds(1));
  EXPECT_EQ(s.code(), StatusCode::kDeadlineExceeded);
  EXPECT_NE(s.message().find("retry deadline"), std::string::npos);
}

TEST(Retry, OpenBreakerStopsBeforeCallingOp) {
  ManualClock clock;
  Rng rng(1);
  CircuitBreaker breaker("alerts", CircuitBreakerConfig{}, clock);
  breaker.ForceOpen();
  int calls = 0;
  RetryStats stats;
  Status s = Retry(NoJitter(5), clock, rng, &breaker, AlwaysUnavailable(&calls), &stats);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(stats.attempts, 0);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "circuit breaker 'alerts' is open");
  EXPECT_TRUE(clock.sleeps().empty());
}

TEST(Retry, BreakerOpenedByAnAttemptEndsTheLoop) {
  ManualClock clock;
  Rng rng(1);
  CircuitBreakerConfig c;
  c.sliding_window_size = 2;
  c.minimum_number_of_calls = 2;
  CircuitBreaker breaker("alerts", c, clock);
  int calls = 0;
  RetryStats stats;
  Status s = Retry(NoJitter(10), clock, rng, &breaker, AlwaysUnavailable(&calls), &stats);
  EXPECT_EQ(calls, 2);  // the second failure opened it
  EXPECT_EQ(breaker.state(), CircuitState::kOpen);
  EXPECT_EQ(s.message(), "circuit breaker 'alerts' is open");
  EXPECT_EQ(clock.sleeps().size(), 1u);
}

TEST(Retry, RecordsEachAttemptOnTheBreakerWithItsDuration) {
  ManualClock clock;
  Rng rng(1);
  CircuitBreakerConfig c;
  c.slow_call_duration_threshold = milliseconds(100);
  CircuitBreaker breaker("store", c, clock);
  int calls = 0;
  Status s = Retry(NoJitter(3), clock, rng, &breaker, [&] {
    clock.Advance(milliseconds(200));
    return ++calls < 3 ? IOError("disk") : Status::Ok();
  });
  EXPECT_TRUE(s.ok());
  const CircuitBreakerMetrics m = breaker.Metrics();
  EXPECT_EQ(m.buffered_calls, 3);
  EXPECT_EQ(m.failed_calls, 2);
  EXPECT_EQ(m.slow_calls, 3);
}

TEST(Retry, OnRetryNamesAttemptDelayAndError) {
  ManualClock clock;
  Rng rng(1);
  RetryPolicy p = NoJitter(3);
  std::vector<std::string> lines;
  std::vector<Clock::Duration> delays;
  p.on_retry = [&](const RetryEvent& e) {
    lines.push_back(DescribeRetry(e));
    delays.push_back(e.delay);
  };
  int calls = 0;
  Retry(p, clock, rng, nullptr, AlwaysUnavailable(&calls)).IgnoreError();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "attempt 1 of 3 failed (Unavailable: backend down); retrying in 100 ms");
  EXPECT_EQ(lines[1], "attempt 2 of 3 failed (Unavailable: backend down); retrying in 200 ms");
  EXPECT_EQ(delays, clock.sleeps());
}

TEST(Retry, ResultVariantReturnsTheValue) {
  ManualClock clock;
  Rng rng(1);
  int calls = 0;
  RetryStats stats;
  Result<std::string> r = Retry(
      NoJitter(4), clock, rng, nullptr,
      [&]() -> Result<std::string> {
        if (++calls < 3) return UnavailableError("not yet");
        return std::string("scored");
      },
      &stats);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "scored");
  EXPECT_EQ(stats.attempts, 3);
  Result<int> failed = Retry(NoJitter(2), clock, rng, nullptr,
                             []() -> Result<int> { return NotFoundError("model 'x'"); });
  EXPECT_EQ(failed.status().code(), StatusCode::kNotFound);
}

TEST(Retry, JitterNames) {
  EXPECT_EQ(JitterName(Jitter::kDecorrelated), "decorrelated");
  EXPECT_TRUE(IsRetryableByDefault(IOError("x")));
  EXPECT_TRUE(IsRetryableByDefault(DeadlineExceededError("x")));
  EXPECT_FALSE(IsRetryableByDefault(NotFoundError("x")));
}

}  // namespace
}  // namespace churnml::reliability
