#include "reliability/retry.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "reliability/duration_format.h"

namespace churnml::reliability {
namespace {

constexpr int kMaxAttempts = 1000;

Status PolicyError(std::string_view field, std::string_view requirement, const std::string& got) {
  return InvalidArgumentError(
      fmt::format("retry policy: {} must be {}, got {}", field, requirement, got));
}

double Nanos(Clock::Duration d) { return std::chrono::duration<double, std::nano>(d).count(); }

Clock::Duration FromNanos(double ns) {
  return std::chrono::duration_cast<Clock::Duration>(std::chrono::duration<double, std::nano>(ns));
}

}  // namespace

std::string_view JitterName(Jitter jitter) {
  switch (jitter) {
    case Jitter::kNone:
      return "none";
    case Jitter::kFull:
      return "full";
    case Jitter::kDecorrelated:
      return "decorrelated";
  }
  return "unknown";
}

bool IsRetryableByDefault(const Status& status) {
  return status.code() == StatusCode::kUnavailable ||
         status.code() == StatusCode::kDeadlineExceeded || status.code() == StatusCode::kIOError;
}

std::string DescribeRetry(const RetryEvent& event) {
  return fmt::format("attempt {} of {} failed ({}); retrying in {}", event.attempt,
                     event.max_attempts, event.error ? event.error->ToString() : "unknown error",
                     FormatDuration(event.delay));
}

Result<RetryPolicy> RetryPolicy::Validate() const {
  if (max_attempts < 1 || max_attempts > kMaxAttempts) {
    return PolicyError("max_attempts", "in [1, 1000]", std::to_string(max_attempts));
  }
  if (initial_backoff <= Clock::Duration::zero()) {
    return PolicyError("initial_backoff", "> 0", FormatDuration(initial_backoff));
  }
  if (!(multiplier >= 1.0) || std::isinf(multiplier)) {
    return PolicyError("multiplier", ">= 1 and finite", fmt::format("{}", multiplier));
  }
  if (max_backoff < initial_backoff) {
    return PolicyError("max_backoff",
                       fmt::format(">= initial_backoff ({})", FormatDuration(initial_backoff)),
                       FormatDuration(max_backoff));
  }
  if (deadline < Clock::Duration::zero()) {
    return PolicyError("deadline", ">= 0 (0 = none)", FormatDuration(deadline));
  }
  RetryPolicy valid = *this;
  if (!valid.retryable) valid.retryable = IsRetryableByDefault;
  return valid;
}

Backoff::Backoff(const RetryPolicy& policy)
    : initial_(std::max(policy.initial_backoff, Clock::Duration(1))),
      max_(std::max(policy.max_backoff, initial_)),
      multiplier_(policy.multiplier >= 1.0 ? policy.multiplier : 1.0),
      jitter_(policy.jitter),
      previous_ns_(Nanos(initial_)) {}

Clock::Duration Backoff::Next(Rng& rng) {
  const double max_ns = Nanos(max_);
  double delay_ns = 0.0;
  if (jitter_ == Jitter::kDecorrelated) {
    const double low = Nanos(initial_);
    const double high = std::max(low, previous_ns_ * 3.0);
    delay_ns = std::min(max_ns, low + rng.Uniform() * (high - low));
    previous_ns_ = delay_ns;
  } else {
    const double exponential =
        std::min(max_ns, Nanos(initial_) * std::pow(multiplier_, static_cast<double>(retry_)));
    delay_ns = jitter_ == Jitter::kFull ? rng.Uniform() * exponential : exponential;
  }
  ++retry_;
  return FromNanos(delay_ns);
}

Status Retry(const RetryPolicy& policy, const Clock& clock, Rng& rng, CircuitBreaker* breaker,
             const std::function<Status()>& op, RetryStats* stats) {
  const int max_attempts = std::clamp(policy.max_attempts, 1, kMaxAttempts);
  const bool has_deadline = policy.deadline > Clock::Duration::zero();
  const Clock::TimePoint deadline_at = clock.Now() + policy.deadline;
  RetryStats local;
  RetryStats& s = stats ? *stats : local;
  s = RetryStats{};

  Backoff backoff(policy);
  for (int attempt = 1;; ++attempt) {
    if (breaker && !breaker->TryAcquirePermission()) {
      s.last_status = breaker->NotPermittedStatus();
      return s.last_status;
    }
    const Clock::TimePoint started = clock.Now();
    Status status = op();
    const Clock::Duration took = clock.Now() - started;
    ++s.attempts;
    if (breaker) breaker->OnResult(status, took);
    s.last_status = status;
    if (status.ok()) return status;
    const bool retryable =
        policy.retryable ? policy.retryable(status) : IsRetryableByDefault(status);
    if (!retryable) return status;
    if (breaker && (breaker->state() == CircuitState::kOpen ||
                    breaker->state() == CircuitState::kForcedOpen)) {
      // This attempt opened the breaker: waiting out a backoff only to be
      // refused would delay the caller's fallback.
      s.last_status = breaker->NotPermittedStatus();
      return s.last_status;
    }
    if (attempt >= max_attempts) {
      return status.WithContext(fmt::format("gave up after {} attempts", attempt));
    }
    const Clock::Duration delay = backoff.Next(rng);
    if (has_deadline && clock.Now() + delay >= deadline_at) {
      return status.WithContext(
          fmt::format("gave up after {} attempts: a retry in {} would pass the {} retry deadline",
                      attempt, FormatDuration(delay), FormatDuration(policy.deadline)));
    }
    if (policy.on_retry) {
      policy.on_retry(RetryEvent{attempt, max_attempts, delay, &status});
    }
    clock.SleepFor(delay);
    s.total_sleep += delay;
  }
}

}  // namespace churnml::reliability
