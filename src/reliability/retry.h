// Retry with exponential backoff and jitter, bounded by attempts, an overall
// deadline, and an optional CircuitBreaker.
//
//   Status s = Retry(policy, clock, rng, &breaker, [&] { return Send(alert); });
//
// Each attempt asks the breaker for permission first (a refusal ends the
// loop at once with the breaker's Unavailable status: a retry never goes
// through an open breaker) and reports the attempt's outcome and duration to
// it. Between attempts the loop sleeps with clock.SleepFor, never past the
// deadline. Thread safety: Retry is reentrant; `rng` and `stats` must not be
// shared between concurrent calls.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "reliability/circuit_breaker.h"

namespace churnml::reliability {

// How the delay before retry n (n = 0 for the first retry) is drawn
// ("Exponential Backoff And Jitter", AWS Architecture Blog):
enum class Jitter {
  kNone,          // min(max_backoff, initial_backoff * multiplier^n)
  kFull,          // uniform [0, min(max_backoff, initial_backoff * multiplier^n))
  kDecorrelated,  // min(max_backoff, uniform [initial_backoff, 3 * previous delay)),
                  // previous delay starting at initial_backoff
};

// "none", "full", "decorrelated".
std::string_view JitterName(Jitter jitter);

struct RetryEvent {
  int attempt = 0;                // the attempt that failed, 1-based
  int max_attempts = 0;           // the policy's cap
  Clock::Duration delay{};        // sleep before the next attempt
  const Status* error = nullptr;  // that attempt's error (valid during the callback)
};

// "attempt 2 of 5 failed (Unavailable: ...); retrying in 400 ms": the log
// line for an on_retry callback.
std::string DescribeRetry(const RetryEvent& event);

struct RetryPolicy {
  // Attempts in total, including the first (>= 1; 1 = no retries).
  int max_attempts = 3;
  // Delay before the first retry (> 0).
  Clock::Duration initial_backoff = std::chrono::milliseconds(100);
  // Growth per retry for kNone / kFull (>= 1).
  double multiplier = 2.0;
  // Cap on any one delay (>= initial_backoff).
  Clock::Duration max_backoff = std::chrono::seconds(10);
  Jitter jitter = Jitter::kFull;
  // Time for all attempts and sleeps together, from the call to Retry;
  // 0 = no deadline. A sleep that would end at or past it is not taken.
  Clock::Duration deadline = Clock::Duration::zero();
  // Which errors are worth retrying. Null = Unavailable, DeadlineExceeded, IOError.
  std::function<bool(const Status&)> retryable;
  // Called before each sleep (for a retries_total metric and a log line).
  std::function<void(const RetryEvent&)> on_retry;

  // The policy with defaults applied, or InvalidArgument naming the field.
  Result<RetryPolicy> Validate() const;
};

// True for Unavailable, DeadlineExceeded and IOError.
bool IsRetryableByDefault(const Status& status);

struct RetryStats {
  int attempts = 0;  // calls of `op` made
  Clock::Duration total_sleep{};
  Status last_status;  // what the last attempt (or the breaker) returned
};

// Runs `op` until it succeeds, returns a non-retryable error, the attempts
// or the deadline run out, or the breaker refuses. Returns OK,
// the breaker's Unavailable status, or the last error (with "after N
// attempts" context when it gave up on a retryable one). `breaker` may be
// null. Precondition: policy.Validate() succeeds (out-of-range values are
// clamped).
Status Retry(const RetryPolicy& policy, const Clock& clock, Rng& rng, CircuitBreaker* breaker,
             const std::function<Status()>& op, RetryStats* stats = nullptr);

// The same for an operation that returns Result<T>: the value of the first
// successful attempt, or the error Retry would return.
namespace retry_internal {
template <class T>
struct IsResult : std::false_type {};
template <class T>
struct IsResult<Result<T>> : std::true_type {};
}  // namespace retry_internal

template <class F>
requires retry_internal::IsResult<std::invoke_result_t<F&>>::value std::invoke_result_t<F&> Retry(
    const RetryPolicy& policy, const Clock& clock, Rng& rng, CircuitBreaker* breaker, F&& op,
    RetryStats* stats = nullptr) {
  using R = std::invoke_result_t<F&>;
  std::optional<R> last;
  const Status status = Retry(
      policy, clock, rng, breaker,
      [&]() -> Status {
        last.emplace(op());
        return last->status();
      },
      stats);
  if (status.ok()) return std::move(*last);
  return R(status);
}

// The delay calculator Retry uses, exposed for tests and for callers that
// run their own loop.
class Backoff {
 public:
  // Precondition: policy.Validate() succeeds.
  explicit Backoff(const RetryPolicy& policy);
  // The delay before the next retry (retry 0, 1, 2, ...).
  Clock::Duration Next(Rng& rng);

 private:
  Clock::Duration initial_;
  Clock::Duration max_;
  double multiplier_;
  Jitter jitter_;
  int retry_ = 0;
  double previous_ns_;  // kDecorrelated's previous delay
};

}  // namespace churnml::reliability
