#include "reliability/circuit_breaker.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "reliability/duration_format.h"

namespace churnml::reliability {
namespace {

constexpr int64_t kMaxCountWindow = 1'000'000;
constexpr int64_t kMaxTimeWindowSeconds = 3600;

// Outcome cells of the count-based window.
constexpr uint8_t kEmpty = 0;
constexpr uint8_t kSuccessCell = 1;
constexpr uint8_t kFailureCell = 2;
constexpr uint8_t kSlowSuccessCell = 3;
constexpr uint8_t kSlowFailureCell = 4;

// A cell holds its outcome's CallOutcome value plus one (0 is empty).
constexpr uint8_t CellOf(CallOutcome outcome) { return static_cast<uint8_t>(outcome) + 1; }
static_assert(CellOf(CallOutcome::kSuccess) == kSuccessCell &&
              CellOf(CallOutcome::kFailure) == kFailureCell &&
              CellOf(CallOutcome::kSlowSuccess) == kSlowSuccessCell &&
              CellOf(CallOutcome::kSlowFailure) == kSlowFailureCell);

bool IsFailure(uint8_t code) { return code == kFailureCell || code == kSlowFailureCell; }
bool IsSlow(uint8_t code) { return code == kSlowSuccessCell || code == kSlowFailureCell; }

// Counter indexes of the time-based window.
constexpr size_t kTotal = 0;
constexpr size_t kFailed = 1;
constexpr size_t kSlow = 2;

int64_t Nanos(Clock::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

bool IsAnyError(const Status& status) { return !status.ok(); }

CircuitBreakerConfig Normalize(CircuitBreakerConfig c) {
  const int64_t max_window = c.sliding_window_type == SlidingWindowType::kCountBased
                                 ? kMaxCountWindow
                                 : kMaxTimeWindowSeconds;
  c.sliding_window_size = std::clamp<int64_t>(c.sliding_window_size, 1, max_window);
  c.minimum_number_of_calls = std::max<int64_t>(c.minimum_number_of_calls, 1);
  if (c.sliding_window_type == SlidingWindowType::kCountBased) {
    c.minimum_number_of_calls = std::min(c.minimum_number_of_calls, c.sliding_window_size);
  }
  if (!(c.failure_rate_threshold > 0.0)) c.failure_rate_threshold = 50.0;
  if (!(c.slow_call_rate_threshold > 0.0)) c.slow_call_rate_threshold = 100.0;
  c.failure_rate_threshold = std::min(c.failure_rate_threshold, 100.0);
  c.slow_call_rate_threshold = std::min(c.slow_call_rate_threshold, 100.0);
  if (c.slow_call_duration_threshold <= Clock::Duration::zero()) {
    c.slow_call_duration_threshold = std::chrono::seconds(60);
  }
  if (c.wait_duration_in_open_state <= Clock::Duration::zero()) {
    c.wait_duration_in_open_state = std::chrono::seconds(60);
  }
  c.permitted_calls_in_half_open_state =
      std::clamp<int64_t>(c.permitted_calls_in_half_open_state, 1, kMaxCountWindow);
  c.max_wait_in_half_open_state = std::max(c.max_wait_in_half_open_state, Clock::Duration::zero());
  if (!c.record_failure) c.record_failure = IsAnyError;
  return c;
}

Status FieldError(std::string_view field, std::string_view requirement, const std::string& got) {
  return InvalidArgumentError(
      fmt::format("circuit breaker config: {} must be {}, got {}", field, requirement, got));
}

}  // namespace

std::string_view SlidingWindowTypeName(SlidingWindowType type) {
  return type == SlidingWindowType::kCountBased ? "count_based" : "time_based";
}

std::string_view CircuitStateName(CircuitState state) {
  switch (state) {
    case CircuitState::kClosed:
      return "closed";
    case CircuitState::kOpen:
      return "open";
    case CircuitState::kHalfOpen:
      return "half_open";
    case CircuitState::kForcedOpen:
      return "forced_open";
  }
  return "unknown";
}

std::string_view CallOutcomeName(CallOutcome outcome) {
  switch (outcome) {
    case CallOutcome::kSuccess:
      return "success";
    case CallOutcome::kFailure:
      return "failure";
    case CallOutcome::kSlowSuccess:
      return "slow_success";
    case CallOutcome::kSlowFailure:
      return "slow_failure";
    case CallOutcome::kNotPermitted:
      return "not_permitted";
  }
  return "unknown";
}

Result<CircuitBreakerConfig> CircuitBreakerConfig::Validate() const {
  if (sliding_window_type == SlidingWindowType::kCountBased &&
      (sliding_window_size < 1 || sliding_window_size > kMaxCountWindow)) {
    return FieldError("sliding_window_size", "in [1, 1000000] calls for a count-based window",
                      std::to_string(sliding_window_size));
  }
  if (sliding_window_type == SlidingWindowType::kTimeBased &&
      (sliding_window_size < 1 || sliding_window_size > kMaxTimeWindowSeconds)) {
    return FieldError("sliding_window_size", "in [1, 3600] seconds for a time-based window",
                      std::to_string(sliding_window_size));
  }
  if (minimum_number_of_calls < 1) {
    return FieldError("minimum_number_of_calls", ">= 1", std::to_string(minimum_number_of_calls));
  }
  if (!(failure_rate_threshold > 0.0 && failure_rate_threshold <= 100.0)) {
    return FieldError("failure_rate_threshold", "in (0, 100] percent",
                      fmt::format("{}", failure_rate_threshold));
  }
  if (!(slow_call_rate_threshold > 0.0 && slow_call_rate_threshold <= 100.0)) {
    return FieldError("slow_call_rate_threshold", "in (0, 100] percent",
                      fmt::format("{}", slow_call_rate_threshold));
  }
  if (slow_call_duration_threshold <= Clock::Duration::zero()) {
    return FieldError("slow_call_duration_threshold", "> 0",
                      FormatDuration(slow_call_duration_threshold));
  }
  if (wait_duration_in_open_state <= Clock::Duration::zero()) {
    return FieldError("wait_duration_in_open_state", "> 0",
                      FormatDuration(wait_duration_in_open_state));
  }
  if (permitted_calls_in_half_open_state < 1 ||
      permitted_calls_in_half_open_state > kMaxCountWindow) {
    return FieldError("permitted_calls_in_half_open_state", "in [1, 1000000]",
                      std::to_string(permitted_calls_in_half_open_state));
  }
  if (max_wait_in_half_open_state < Clock::Duration::zero()) {
    return FieldError("max_wait_in_half_open_state", ">= 0 (0 = wait for all probes)",
                      FormatDuration(max_wait_in_half_open_state));
  }
  return Normalize(*this);
}

// ---- CountWindow ----

CircuitBreaker::CountWindow::CountWindow(int64_t size)
    : size_(size), cells_(new std::atomic<uint8_t>[static_cast<size_t>(size)]()) {}

void CircuitBreaker::CountWindow::Apply(uint8_t old_code, uint8_t new_code) {
  const int64_t total_delta = (new_code != kEmpty) - (old_code != kEmpty);
  const int64_t failed_delta = IsFailure(new_code) - IsFailure(old_code);
  const int64_t slow_delta = IsSlow(new_code) - IsSlow(old_code);
  if (total_delta != 0) total_.fetch_add(total_delta, std::memory_order_relaxed);
  if (failed_delta != 0) failed_.fetch_add(failed_delta, std::memory_order_relaxed);
  if (slow_delta != 0) slow_.fetch_add(slow_delta, std::memory_order_relaxed);
}

bool CircuitBreaker::CountWindow::Record(uint8_t code) {
  const uint64_t index = next_.fetch_add(1, std::memory_order_relaxed) % size_;
  const uint8_t old_code = cells_[index].exchange(code, std::memory_order_relaxed);
  if (old_code == code) return false;  // the common case: success replaces success
  Apply(old_code, code);
  return old_code == kEmpty || IsFailure(code) > IsFailure(old_code) ||
         IsSlow(code) > IsSlow(old_code);
}

void CircuitBreaker::CountWindow::Clear() {
  for (int64_t i = 0; i < size_; ++i) {
    Apply(cells_[i].exchange(kEmpty, std::memory_order_relaxed), kEmpty);
  }
  next_.store(0, std::memory_order_relaxed);
}

// ---- CircuitBreaker ----

Result<std::unique_ptr<CircuitBreaker>> CircuitBreaker::Create(std::string name,
                                                               const CircuitBreakerConfig& config,
                                                               const Clock& clock) {
  if (name.empty()) return InvalidArgumentError("circuit breaker name must not be empty");
  Result<CircuitBreakerConfig> valid = config.Validate();
  if (!valid.ok()) return valid.status().WithContext("circuit breaker '" + name + "'");
  return std::make_unique<CircuitBreaker>(std::move(name), *valid, clock);
}

CircuitBreaker::CircuitBreaker(std::string name, const CircuitBreakerConfig& config,
                               const Clock& clock)
    : name_(std::move(name)), config_(Normalize(config)), clock_(clock) {
  if (config_.sliding_window_type == SlidingWindowType::kCountBased) {
    count_window_ = std::make_unique<CountWindow>(config_.sliding_window_size);
  } else {
    time_window_ = std::make_unique<RollingCounters<3>>(config_.sliding_window_size, clock_);
  }
}

void CircuitBreaker::SetListener(std::function<void(const StateTransition&)> listener) {
  MutexLock lock(&mu_);
  listener_ = std::move(listener);
}

void CircuitBreaker::SetOutcomeListener(std::function<void(CallOutcome)> listener) {
  outcome_listener_ = std::move(listener);
}

Status CircuitBreaker::NotPermittedStatus() const {
  if (state() == CircuitState::kHalfOpen) {
    return UnavailableError(
        fmt::format("circuit breaker '{}' is half_open and all {} probe calls are taken", name_,
                    config_.permitted_calls_in_half_open_state));
  }
  return UnavailableError(fmt::format("circuit breaker '{}' is open", name_));
}

void CircuitBreaker::CountNotPermitted() {
  not_permitted_.fetch_add(1, std::memory_order_relaxed);
  Notify(CallOutcome::kNotPermitted);
}

bool CircuitBreaker::TryAcquirePermission() {
  const CircuitState s = state_.load(std::memory_order_acquire);
  if (s == CircuitState::kClosed) return true;
  if (s == CircuitState::kForcedOpen ||
      (s == CircuitState::kOpen &&
       Nanos(clock_.Now()) < open_until_ns_.load(std::memory_order_acquire))) {
    CountNotPermitted();
    return false;
  }
  bool permitted = false;
  {
    MutexLock lock(&mu_);
    const Clock::TimePoint now = clock_.Now();
    if (state() == CircuitState::kOpen &&
        Nanos(now) >= open_until_ns_.load(std::memory_order_relaxed)) {
      TransitionLocked(CircuitState::kHalfOpen,
                       fmt::format("open wait of {} elapsed",
                                   FormatDuration(config_.wait_duration_in_open_state)),
                       Counts{}, 1);
    }
    const CircuitState current = state();
    if (current == CircuitState::kClosed) {
      permitted = true;
    } else if (current == CircuitState::kHalfOpen) {
      const int64_t permitted_probes = config_.permitted_calls_in_half_open_state;
      const Counts probes{probes_completed_.load(std::memory_order_relaxed),
                          probes_failed_.load(std::memory_order_relaxed),
                          probes_slow_.load(std::memory_order_relaxed)};
      if (config_.max_wait_in_half_open_state > Clock::Duration::zero() &&
          now - half_open_since_ >= config_.max_wait_in_half_open_state) {
        TransitionLocked(
            CircuitState::kOpen,
            fmt::format("only {} of {} probe calls completed within the {} half-open limit",
                        probes.total, permitted_probes,
                        FormatDuration(config_.max_wait_in_half_open_state)),
            probes, permitted_probes);
      } else if (probes_admitted_.load(std::memory_order_relaxed) < permitted_probes) {
        probes_admitted_.fetch_add(1, std::memory_order_relaxed);
        permitted = true;
      }
    }
  }
  if (!permitted) CountNotPermitted();
  return permitted;
}

void CircuitBreaker::OnSuccess(Clock::Duration duration) { Record(false, duration); }
void CircuitBreaker::OnError(Clock::Duration duration) { Record(true, duration); }

void CircuitBreaker::OnResult(const Status& status, Clock::Duration duration) {
  Record(!status.ok() && config_.record_failure(status), duration);
}

double CircuitBreaker::Rate(int64_t part, int64_t total, int64_t minimum) const {
  if (total <= 0 || total < minimum) return -1.0;
  return 100.0 * static_cast<double>(part) / static_cast<double>(total);
}

std::string CircuitBreaker::ThresholdBreach(const Counts& c, int64_t minimum) const {
  const double failure_rate = Rate(c.failed, c.total, minimum);
  const double slow_rate = Rate(c.slow, c.total, minimum);
  if (failure_rate < 0) return {};
  if (failure_rate >= config_.failure_rate_threshold) {
    return fmt::format(
        "failure rate {:.1f}% >= threshold {:.1f}% (slow call rate {:.1f}%, {} calls)",
        failure_rate, config_.failure_rate_threshold, slow_rate, c.total);
  }
  if (slow_rate >= config_.slow_call_rate_threshold) {
    return fmt::format(
        "slow call rate {:.1f}% >= threshold {:.1f}% (calls slower than {}; failure rate {:.1f}%, "
        "{} calls)",
        slow_rate, config_.slow_call_rate_threshold,
        FormatDuration(config_.slow_call_duration_threshold), failure_rate, c.total);
  }
  return {};
}

CircuitBreaker::Counts CircuitBreaker::ClosedCounts() const {
  if (count_window_) {
    return {count_window_->total(), count_window_->failed(), count_window_->slow()};
  }
  return {time_window_->Total(kTotal), time_window_->Total(kFailed), time_window_->Total(kSlow)};
}

void CircuitBreaker::Record(bool failed, Clock::Duration duration) {
  const bool slow = duration > config_.slow_call_duration_threshold;
  const CallOutcome outcome = failed ? (slow ? CallOutcome::kSlowFailure : CallOutcome::kFailure)
                                     : (slow ? CallOutcome::kSlowSuccess : CallOutcome::kSuccess);
  const CircuitState s = state_.load(std::memory_order_acquire);
  if (s == CircuitState::kClosed) {
    bool may_trip = true;
    if (count_window_) {
      may_trip = count_window_->Record(CellOf(outcome));
    } else {
      const size_t bucket = time_window_->CurrentBucket();
      time_window_->Add(bucket, kTotal, 1);
      if (failed) time_window_->Add(bucket, kFailed, 1);
      if (slow) time_window_->Add(bucket, kSlow, 1);
    }
    Notify(outcome);
    if (!may_trip) return;
    const int64_t minimum = config_.minimum_number_of_calls;
    if (ThresholdBreach(ClosedCounts(), minimum).empty()) return;
    MutexLock lock(&mu_);
    if (state() != CircuitState::kClosed) return;
    const Counts counts = ClosedCounts();
    std::string reason = ThresholdBreach(counts, minimum);
    if (!reason.empty()) TransitionLocked(CircuitState::kOpen, std::move(reason), counts, minimum);
    return;
  }
  if (s == CircuitState::kHalfOpen) {
    MutexLock lock(&mu_);
    if (state() == CircuitState::kHalfOpen) OnHalfOpenOutcomeLocked(failed, slow);
  }
  // In OPEN / FORCED_OPEN the call was admitted before the breaker opened:
  // it is counted for the outcome metric but no window holds it.
  Notify(outcome);
}

void CircuitBreaker::OnHalfOpenOutcomeLocked(bool failed, bool slow) {
  const int64_t completed = probes_completed_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (failed) probes_failed_.fetch_add(1, std::memory_order_relaxed);
  if (slow) probes_slow_.fetch_add(1, std::memory_order_relaxed);
  const int64_t permitted = config_.permitted_calls_in_half_open_state;
  if (completed < permitted) return;
  const Counts probes{completed, probes_failed_.load(std::memory_order_relaxed),
                      probes_slow_.load(std::memory_order_relaxed)};
  std::string breach = ThresholdBreach(probes, permitted);
  if (!breach.empty()) {
    TransitionLocked(CircuitState::kOpen, "probe calls: " + breach, probes, permitted);
    return;
  }
  TransitionLocked(
      CircuitState::kClosed,
      fmt::format("probe calls: failure rate {:.1f}% < {:.1f}% and slow call rate {:.1f}% < "
                  "{:.1f}% over {} calls",
                  Rate(probes.failed, probes.total, permitted), config_.failure_rate_threshold,
                  Rate(probes.slow, probes.total, permitted), config_.slow_call_rate_threshold,
                  probes.total),
      probes, permitted);
}

void CircuitBreaker::ClearClosedWindow() {
  if (count_window_) {
    count_window_->Clear();
  } else {
    time_window_->Clear();
  }
}

void CircuitBreaker::TransitionLocked(CircuitState to, std::string reason, const Counts& counts,
                                      int64_t minimum) {
  const CircuitState from = state();
  StateTransition transition;
  transition.breaker = name_;
  transition.from = from;
  transition.to = to;
  transition.failure_rate = Rate(counts.failed, counts.total, minimum);
  transition.slow_call_rate = Rate(counts.slow, counts.total, minimum);
  transition.calls = counts.total;
  transition.reason = std::move(reason);

  const Clock::TimePoint now = clock_.Now();
  switch (to) {
    case CircuitState::kOpen:
    case CircuitState::kForcedOpen: {
      MutexLock frozen_lock(&frozen_mu_);
      frozen_counts_ = counts;
      frozen_minimum_ = minimum;
    }
      open_until_ns_.store(Nanos(now + config_.wait_duration_in_open_state),
                           std::memory_order_release);
      break;
    case CircuitState::kHalfOpen:
      half_open_since_ = now;
      probes_admitted_.store(0, std::memory_order_relaxed);
      probes_completed_.store(0, std::memory_order_relaxed);
      probes_failed_.store(0, std::memory_order_relaxed);
      probes_slow_.store(0, std::memory_order_relaxed);
      break;
    case CircuitState::kClosed:
      ClearClosedWindow();
      break;
  }
  state_.store(to, std::memory_order_release);

  const auto level = (to == CircuitState::kOpen || to == CircuitState::kForcedOpen)
                         ? spdlog::level::warn
                         : spdlog::level::info;
  spdlog::log(level, "circuit breaker '{}' {} -> {}: {}", name_, CircuitStateName(from),
              CircuitStateName(to), transition.reason);
  if (listener_) listener_(transition);
}

CircuitBreakerMetrics CircuitBreaker::Metrics() const {
  CircuitBreakerMetrics m;
  m.state = state();
  m.not_permitted_calls = not_permitted_.load(std::memory_order_relaxed);
  Counts counts;
  int64_t minimum = 1;
  switch (m.state) {
    case CircuitState::kClosed:
      if (time_window_) time_window_->Refresh();
      counts = ClosedCounts();
      minimum = config_.minimum_number_of_calls;
      break;
    case CircuitState::kHalfOpen:
      counts = {probes_completed_.load(std::memory_order_relaxed),
                probes_failed_.load(std::memory_order_relaxed),
                probes_slow_.load(std::memory_order_relaxed)};
      minimum = config_.permitted_calls_in_half_open_state;
      break;
    case CircuitState::kOpen:
    case CircuitState::kForcedOpen: {
      MutexLock lock(&frozen_mu_);
      counts = frozen_counts_;
      minimum = frozen_minimum_;
      break;
    }
  }
  m.buffered_calls = counts.total;
  m.failed_calls = counts.failed;
  m.slow_calls = counts.slow;
  m.failure_rate = Rate(counts.failed, counts.total, minimum);
  m.slow_call_rate = Rate(counts.slow, counts.total, minimum);
  return m;
}

void CircuitBreaker::ForceOpen() {
  MutexLock lock(&mu_);
  if (state() == CircuitState::kForcedOpen) return;
  const Counts counts = state() == CircuitState::kClosed ? ClosedCounts() : Counts{};
  TransitionLocked(CircuitState::kForcedOpen, "forced open by an operator", counts,
                   config_.minimum_number_of_calls);
}

void CircuitBreaker::Reset() {
  MutexLock lock(&mu_);
  if (state() == CircuitState::kClosed) {
    ClearClosedWindow();
    return;
  }
  TransitionLocked(CircuitState::kClosed, "reset by an operator", Counts{}, 1);
}

}  // namespace churnml::reliability
