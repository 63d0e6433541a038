// CircuitBreaker: stops calling a dependency that keeps failing or slowing
// down, then probes it before trusting it again. The semantics follow
// resilience4j's CircuitBreaker (docs/reliability.md has the details):
//
//   CLOSED     calls pass; outcomes go into a sliding window (the last N
//              calls, or the calls of the last N seconds). Once the window
//              holds at least `minimum_number_of_calls`, a failure rate or a
//              slow-call rate >= its threshold opens the breaker.
//   OPEN       calls are refused (counted as not permitted) for
//              `wait_duration_in_open_state`; the first call after that moves
//              the breaker to HALF_OPEN.
//   HALF_OPEN  at most `permitted_calls_in_half_open_state` probe calls pass;
//              when all of them have completed, their failure / slow-call
//              rates decide OPEN (>= threshold) or CLOSED. With
//              `max_wait_in_half_open_state` > 0 the breaker reopens if the
//              probes have not completed in time.
//   FORCED_OPEN an operator's ForceOpen(): refuses calls until Reset().
//
// Thread safety: every member function may be called concurrently. In the
// CLOSED state TryAcquirePermission() is one atomic load and OnSuccess() /
// OnError() are a few atomic operations (no mutex); transitions and the
// half-open probe accounting take a mutex.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

#include "common/clock.h"
#include "common/mutex.h"
#include "common/status.h"
#include "reliability/rolling_counters.h"

namespace churnml::reliability {

enum class SlidingWindowType {
  kCountBased,  // the last `sliding_window_size` calls
  kTimeBased,   // the calls of the last `sliding_window_size` seconds
};

// "count_based" / "time_based".
std::string_view SlidingWindowTypeName(SlidingWindowType type);

struct CircuitBreakerConfig {
  SlidingWindowType sliding_window_type = SlidingWindowType::kCountBased;
  // Calls (count-based) or seconds (time-based). 1..1,000,000 calls, 1..3600 s.
  int64_t sliding_window_size = 100;
  // Calls the window must hold before rates are computed (per window period
  // for a time-based window). For a count-based window a value above
  // sliding_window_size is lowered to it, as resilience4j does.
  int64_t minimum_number_of_calls = 100;
  // Percent (0, 100]: open when failed calls / calls >= this.
  double failure_rate_threshold = 50.0;
  // Percent (0, 100]: open when slow calls / calls >= this.
  double slow_call_rate_threshold = 100.0;
  // A call that takes longer than this is slow (> 0).
  Clock::Duration slow_call_duration_threshold = std::chrono::seconds(60);
  // How long OPEN refuses calls before the next call moves it to HALF_OPEN (> 0).
  Clock::Duration wait_duration_in_open_state = std::chrono::seconds(60);
  // Probe calls admitted in HALF_OPEN (>= 1).
  int64_t permitted_calls_in_half_open_state = 10;
  // Longest stay in HALF_OPEN before reopening; 0 = wait for all probes.
  Clock::Duration max_wait_in_half_open_state = Clock::Duration::zero();
  // Which non-OK results count as failures; the others count as successes
  // (resilience4j's recordExceptions). Null means "every error".
  std::function<bool(const Status&)> record_failure;

  // The config with defaults applied (count-based minimum lowered to the
  // window size, a null predicate replaced by "any error"), or
  // InvalidArgument naming the first field out of range.
  Result<CircuitBreakerConfig> Validate() const;
};

enum class CircuitState : uint8_t { kClosed, kOpen, kHalfOpen, kForcedOpen };

// "closed", "open", "half_open", "forced_open" (label values for the
// churnml_circuit_breaker_state gauge).
std::string_view CircuitStateName(CircuitState state);
inline constexpr CircuitState kAllCircuitStates[] = {
    CircuitState::kClosed, CircuitState::kOpen, CircuitState::kHalfOpen, CircuitState::kForcedOpen};

// What happened to one call, for churnml_circuit_breaker_calls_total.
enum class CallOutcome : uint8_t { kSuccess, kFailure, kSlowSuccess, kSlowFailure, kNotPermitted };

// "success", "failure", "slow_success", "slow_failure", "not_permitted".
std::string_view CallOutcomeName(CallOutcome outcome);
inline constexpr CallOutcome kAllCallOutcomes[] = {
    CallOutcome::kSuccess, CallOutcome::kFailure, CallOutcome::kSlowSuccess,
    CallOutcome::kSlowFailure, CallOutcome::kNotPermitted};

struct StateTransition {
  std::string_view breaker;  // valid during the listener call
  CircuitState from = CircuitState::kClosed;
  CircuitState to = CircuitState::kClosed;
  // The rates (percent) and window size that caused it; -1 when not computed.
  double failure_rate = -1.0;
  double slow_call_rate = -1.0;
  int64_t calls = 0;
  std::string reason;  // e.g. "failure rate 60.0% >= threshold 50.0% over 10 calls"
};

struct CircuitBreakerMetrics {
  CircuitState state = CircuitState::kClosed;
  // Percent over the buffered calls, or -1 while fewer than the minimum
  // number of calls (resilience4j). In OPEN: the window that opened it; in
  // HALF_OPEN: the probes so far.
  double failure_rate = -1.0;
  double slow_call_rate = -1.0;
  int64_t buffered_calls = 0;
  int64_t failed_calls = 0;
  int64_t slow_calls = 0;  // slow successes + slow failures
  // Calls refused since the breaker was created.
  int64_t not_permitted_calls = 0;
};

class CircuitBreaker {
 public:
  // Validates `config` and builds a breaker; InvalidArgument names the field.
  static Result<std::unique_ptr<CircuitBreaker>> Create(std::string name,
                                                        const CircuitBreakerConfig& config,
                                                        const Clock& clock);

  // Precondition: `config.Validate()` succeeds (out-of-range values are
  // clamped into range rather than trusted). `clock` must outlive the breaker.
  CircuitBreaker(std::string name, const CircuitBreakerConfig& config, const Clock& clock);
  CircuitBreaker(const CircuitBreaker&) = delete;
  CircuitBreaker& operator=(const CircuitBreaker&) = delete;

  const std::string& name() const { return name_; }
  const CircuitBreakerConfig& config() const { return config_; }
  CircuitState state() const { return state_.load(std::memory_order_acquire); }

  // True if a call may go ahead; the caller must then report it with
  // OnSuccess/OnError/OnResult. False (and one not-permitted call counted)
  // when OPEN, FORCED_OPEN, or HALF_OPEN with all probes taken.
  bool TryAcquirePermission();

  // Reports a permitted call's outcome and how long it took.
  void OnSuccess(Clock::Duration duration);
  void OnError(Clock::Duration duration);
  // OnError if `status` is a failure under config.record_failure, else OnSuccess.
  void OnResult(const Status& status, Clock::Duration duration);

  // Unavailable("circuit breaker '<name>' is open") (or "... is half_open
  // and all probe calls are taken"): what a refused call returns.
  Status NotPermittedStatus() const;

  // Runs `f` (returning Status or Result<T>) if permitted, timing it on the
  // breaker's clock and recording its outcome; returns its result, or
  // NotPermittedStatus() without calling it.
  template <class F>
  std::invoke_result_t<F&> Execute(F&& f) {
    using R = std::invoke_result_t<F&>;
    if (!TryAcquirePermission()) return R(NotPermittedStatus());
    const Clock::TimePoint start = clock_.Now();
    R result = f();
    OnResult(internal::ToStatus(result), clock_.Now() - start);
    return result;
  }

  CircuitBreakerMetrics Metrics() const;

  // Operator controls: ForceOpen refuses every call until Reset; Reset
  // returns to CLOSED with an empty window.
  void ForceOpen();
  void Reset();

  // Called once per transition, in order, while the breaker's transition
  // lock is held: the listener may read state(), name() and Metrics() but
  // must not call TryAcquirePermission/On*/ForceOpen/Reset. Set before the
  // breaker is shared between threads.
  void SetListener(std::function<void(const StateTransition&)> listener);
  // Called for every recorded outcome and every refused call (hot path:
  // keep it to a counter increment). Set before the breaker is shared.
  void SetOutcomeListener(std::function<void(CallOutcome)> listener);

 private:
  // Count-based window: a ring of outcome cells written with a fetch_add
  // index, and running totals kept by subtract-on-overwrite.
  class CountWindow {
   public:
    explicit CountWindow(int64_t size);
    // Records an outcome; true if a rate or the call count may have risen.
    bool Record(uint8_t code);
    void Clear();
    int64_t total() const { return total_.load(std::memory_order_relaxed); }
    int64_t failed() const { return failed_.load(std::memory_order_relaxed); }
    int64_t slow() const { return slow_.load(std::memory_order_relaxed); }

   private:
    void Apply(uint8_t old_code, uint8_t new_code);
    const int64_t size_;
    std::unique_ptr<std::atomic<uint8_t>[]> cells_;
    alignas(64) std::atomic<uint64_t> next_{0};
    alignas(64) std::atomic<int64_t> total_{0};
    std::atomic<int64_t> failed_{0};
    std::atomic<int64_t> slow_{0};
  };

  struct Counts {
    int64_t total = 0;
    int64_t failed = 0;
    int64_t slow = 0;
  };

  void Record(bool failed, Clock::Duration duration);
  Counts ClosedCounts() const;
  double Rate(int64_t part, int64_t total, int64_t minimum) const;
  // The reason the counts are above a threshold, or empty.
  std::string ThresholdBreach(const Counts& counts, int64_t minimum) const;
  void ClearClosedWindow();
  void OnHalfOpenOutcomeLocked(bool failed, bool slow) CHURNML_REQUIRES(mu_);
  void TransitionLocked(CircuitState to, std::string reason, const Counts& counts, int64_t minimum)
      CHURNML_REQUIRES(mu_);
  void CountNotPermitted();
  void Notify(CallOutcome outcome) const {
    if (outcome_listener_) outcome_listener_(outcome);
  }

  const std::string name_;
  const CircuitBreakerConfig config_;
  const Clock& clock_;

  alignas(64) std::atomic<CircuitState> state_{CircuitState::kClosed};
  std::unique_ptr<CountWindow> count_window_;        // count-based
  std::unique_ptr<RollingCounters<3>> time_window_;  // time-based
  alignas(64) std::atomic<int64_t> not_permitted_{0};

  Mutex mu_ CHURNML_ACQUIRED_BEFORE(frozen_mu_);  // serialises transitions and half-open accounting
  std::atomic<int64_t> open_until_ns_{0};         // written under mu_
  Clock::TimePoint half_open_since_ CHURNML_GUARDED_BY(mu_);
  std::atomic<int64_t> probes_admitted_{0};   // written under mu_
  std::atomic<int64_t> probes_completed_{0};  // written under mu_
  std::atomic<int64_t> probes_failed_{0};     // written under mu_
  std::atomic<int64_t> probes_slow_{0};       // written under mu_

  // The window that opened the breaker, reported by Metrics() while open.
  mutable Mutex frozen_mu_;
  Counts frozen_counts_ CHURNML_GUARDED_BY(frozen_mu_);
  int64_t frozen_minimum_ CHURNML_GUARDED_BY(frozen_mu_) = 1;

  std::function<void(const StateTransition&)> listener_ CHURNML_GUARDED_BY(mu_);
  std::function<void(CallOutcome)> outcome_listener_;
};

}  // namespace churnml::reliability
