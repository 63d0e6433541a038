#include "monitoring/alerts/delivery_queue.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

namespace churnml::monitoring {
namespace {

constexpr size_t kMaxTransitions = 1000;
// How often a wait on a clock other than real time re-reads it.
constexpr auto kClockPoll = std::chrono::milliseconds(20);

}  // namespace

DeliveryOptions DeliveryOptionsFor(const ChannelConfig& config) {
  DeliveryOptions o;
  o.queue_limit = config.queue_limit == 0 ? 1000 : config.queue_limit;
  // "N consecutive failures": a count window of the last N calls, all of
  // which must fail. Slow calls never open it (the HTTP timeout bounds them).
  o.breaker.sliding_window_type = reliability::SlidingWindowType::kCountBased;
  o.breaker.sliding_window_size = config.breaker.failure_threshold;
  o.breaker.minimum_number_of_calls = config.breaker.failure_threshold;
  o.breaker.failure_rate_threshold = 100.0;
  o.breaker.slow_call_rate_threshold = 100.0;
  o.breaker.slow_call_duration_threshold = std::chrono::hours(1);
  o.breaker.wait_duration_in_open_state = config.breaker.open_duration;
  o.breaker.permitted_calls_in_half_open_state = 1;
  o.retry.max_attempts = config.retry.max_attempts;
  o.retry.initial_backoff = config.retry.initial_backoff;
  o.retry.max_backoff = config.retry.max_backoff;
  o.retry.multiplier = config.retry.multiplier;
  o.retry.jitter = config.retry.jitter;
  o.rng_seed = std::hash<std::string>{}(config.name);
  return o;
}

Result<std::unique_ptr<DeliveryQueue>> DeliveryQueue::Create(std::unique_ptr<AlertChannel> channel,
                                                             DeliveryOptions options,
                                                             const Clock& clock) {
  const std::string where = "channel \"" + channel->name() + "\"";
  Result<reliability::CircuitBreakerConfig> breaker = options.breaker.Validate();
  if (!breaker.ok()) return breaker.status().WithContext(where + ": breaker");
  Result<reliability::RetryPolicy> retry = options.retry.Validate();
  if (!retry.ok()) return retry.status().WithContext(where + ": retry");
  if (options.queue_limit == 0)
    return InvalidArgumentError(where + ": queue_limit must be at least 1");
  options.breaker = *breaker;
  // A notification dropped mid-retry (FailedPrecondition) says nothing about
  // the channel's health.
  auto record = options.breaker.record_failure;
  options.breaker.record_failure = [record](const Status& s) {
    return s.code() != StatusCode::kFailedPrecondition && record(s);
  };
  options.retry = *retry;
  return std::unique_ptr<DeliveryQueue>(
      new DeliveryQueue(std::move(channel), std::move(options), clock));
}

DeliveryQueue::DeliveryQueue(std::unique_ptr<AlertChannel> channel, DeliveryOptions options,
                             const Clock& clock)
    : channel_(std::move(channel)),
      options_(std::move(options)),
      clock_(clock),
      breaker_(std::make_unique<reliability::CircuitBreaker>("alerts_" + channel_->name(),
                                                             options_.breaker, clock)),
      rng_(options_.rng_seed) {
  breaker_->SetListener([this](const reliability::StateTransition& t) {
    MutexLock lock(&transitions_mu_);
    if (transitions_.size() < kMaxTransitions) transitions_.emplace_back(t.from, t.to);
  });
  worker_ = std::thread([this] { Run(); });
}

DeliveryQueue::~DeliveryQueue() { Stop(); }

void DeliveryQueue::Stop() {
  {
    MutexLock lock(&mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void DeliveryQueue::Enqueue(const Notification& notification) {
  {
    MutexLock lock(&mu_);
    while (queue_.size() >= options_.queue_limit) {
      queue_.pop_front();
      ++stats_.dropped;
    }
    queue_.push_back(Entry{next_id_++, notification});
  }
  cv_.notify_all();
}

bool DeliveryQueue::WaitUntilEmpty(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  MutexLock lock(&mu_);
  while (!queue_.empty()) {
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) return false;
    mu_.WaitFor(cv_, left);
  }
  return true;
}

bool DeliveryQueue::StillQueued(uint64_t id) const {
  MutexLock lock(&mu_);
  return !queue_.empty() && queue_.front().id == id;
}

DeliveryStats DeliveryQueue::stats() const {
  DeliveryStats out;
  {
    MutexLock lock(&mu_);
    out = stats_;
    out.queued = queue_.size();
  }
  out.breaker_state = breaker_->state();
  MutexLock lock(&transitions_mu_);
  out.transitions = transitions_;
  return out;
}

void DeliveryQueue::WaitOnClock(Clock::Duration d) {
  const Clock::TimePoint until = clock_.Now() + d;
  while (!stop_) {
    const Clock::Duration left = until - clock_.Now();
    if (left <= Clock::Duration::zero()) return;
    mu_.WaitFor(cv_, std::min<Clock::Duration>(left, kClockPoll));
  }
}

void DeliveryQueue::Run() {
  mu_.Lock();
  while (true) {
    while (!stop_ && queue_.empty()) mu_.Wait(cv_);
    if (stop_) break;
    const Entry entry = queue_.front();
    mu_.Unlock();

    reliability::RetryStats retry_stats;
    Status channel_error;
    const Status status = reliability::Retry(
        options_.retry, clock_, rng_, breaker_.get(),
        [&] {
          if (!StillQueued(entry.id)) {
            // Pushed out of the full queue while being retried: stop
            // retrying it (FailedPrecondition is neither retried nor
            // recorded as a breaker failure).
            return FailedPreconditionError("notification dropped from the full queue");
          }
          Status s = channel_->Send(entry.notification);
          if (!s.ok()) channel_error = s;
          return s;
        },
        &retry_stats);

    mu_.Lock();
    if (!channel_error.ok()) stats_.last_channel_error = channel_error;
    stats_.attempts += static_cast<uint64_t>(retry_stats.attempts);
    if (status.code() == StatusCode::kFailedPrecondition && channel_error.ok()) continue;
    if (status.ok()) {
      // The entry may have been pushed out of a full queue meanwhile.
      if (!queue_.empty() && queue_.front().id == entry.id) queue_.pop_front();
      ++stats_.sent;
      cv_.notify_all();  // WaitUntilEmpty
      continue;
    }
    if (retry_stats.attempts > 0) {
      ++stats_.failed;
      // The worker is the edge for delivery errors: log once per round.
      spdlog::warn("alerts: channel {}: notification {} not delivered: {}", channel_->name(),
                   entry.notification.sequence,
                   channel_error.ok() ? status.ToString() : channel_error.ToString());
    }
    const reliability::CircuitState state = breaker_->state();
    const bool open = state == reliability::CircuitState::kOpen ||
                      state == reliability::CircuitState::kForcedOpen;
    WaitOnClock(open ? options_.breaker.wait_duration_in_open_state : options_.retry.max_backoff);
    if (stop_) break;
  }
  mu_.Unlock();
}

}  // namespace churnml::monitoring
