// DeliveryQueue: one channel's bounded queue and worker thread, so a slow
// or dead channel never blocks the evaluator, the server or other channels.
//
// Enqueue never blocks (beyond a short mutex): when the queue is full the
// oldest undelivered notification is dropped and counted. The worker sends
// the oldest notification through reliability::Retry (backoff + jitter,
// attempt cap) and the channel's own CircuitBreaker. A notification leaves
// the queue only once delivered (or dropped for space), so notifications
// are delivered in order, each at most once by this queue. After a failed
// round the worker waits (on the queue's clock) for the breaker's open
// duration when it is open, otherwise for the retry max_backoff, and tries
// the same notification again. A notification pushed out of the queue while
// its retries run is not tried again.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/mutex.h"
#include "common/random.h"
#include "monitoring/alerts/alert_channel.h"
#include "monitoring/alerts/alert_evaluator.h"
#include "reliability/circuit_breaker.h"
#include "reliability/retry.h"

namespace churnml::monitoring {

struct DeliveryOptions {
  size_t queue_limit = 1000;  // notifications held; the oldest is dropped beyond it
  reliability::CircuitBreakerConfig breaker;
  reliability::RetryPolicy retry;
  uint64_t rng_seed = 1;  // backoff jitter
};

// The options a rules file's channel section describes: the breaker opens
// after `failure_threshold` consecutive failed attempts and admits one probe
// after `open_duration`.
DeliveryOptions DeliveryOptionsFor(const ChannelConfig& config);

struct DeliveryStats {
  uint64_t sent = 0;      // notifications delivered
  uint64_t failed = 0;    // delivery rounds that gave up (the notification stays queued)
  uint64_t dropped = 0;   // pushed out of a full queue
  uint64_t attempts = 0;  // calls of the channel's Send
  size_t queued = 0;      // waiting, including the one in flight
  reliability::CircuitState breaker_state = reliability::CircuitState::kClosed;
  Status last_channel_error;  // the channel's most recent failed Send (OK if none yet)
  // Every breaker transition so far (from, to), oldest first (at most 1000).
  std::vector<std::pair<reliability::CircuitState, reliability::CircuitState>> transitions;
};

class DeliveryQueue final : public NotificationSink {
 public:
  // InvalidArgument when the breaker or retry options are out of range.
  // `clock` must outlive the queue. The worker starts at once.
  static Result<std::unique_ptr<DeliveryQueue>> Create(std::unique_ptr<AlertChannel> channel,
                                                       DeliveryOptions options, const Clock& clock);
  ~DeliveryQueue() override;  // Stop()

  DeliveryQueue(const DeliveryQueue&) = delete;
  DeliveryQueue& operator=(const DeliveryQueue&) = delete;

  void Enqueue(const Notification& notification) override;

  // Stops the worker after the attempt in flight (bounded by the channel's
  // timeout times the attempt cap, plus backoff). Undelivered notifications
  // stay queued and counted. Idempotent.
  void Stop();

  // Waits (real time) until the queue is empty; false on timeout.
  bool WaitUntilEmpty(std::chrono::milliseconds timeout);

  const std::string& channel_name() const { return channel_->name(); }
  DeliveryStats stats() const;

 private:
  DeliveryQueue(std::unique_ptr<AlertChannel> channel, DeliveryOptions options, const Clock& clock);
  void Run();
  // True while entry `id` is still the oldest queued notification.
  bool StillQueued(uint64_t id) const;
  // Waits until `d` has passed on clock_ or Stop() is called.
  void WaitOnClock(Clock::Duration d) CHURNML_REQUIRES(mu_);

  struct Entry {
    uint64_t id;
    Notification notification;
  };

  const std::unique_ptr<AlertChannel> channel_;
  const DeliveryOptions options_;
  const Clock& clock_;
  std::unique_ptr<reliability::CircuitBreaker> breaker_;
  Rng rng_;  // used by the worker only

  mutable Mutex mu_;
  std::condition_variable cv_;
  std::deque<Entry> queue_ CHURNML_GUARDED_BY(mu_);
  uint64_t next_id_ CHURNML_GUARDED_BY(mu_) = 1;
  bool stop_ CHURNML_GUARDED_BY(mu_) = false;
  DeliveryStats stats_ CHURNML_GUARDED_BY(mu_);  // queued and breaker_state filled on read

  mutable Mutex transitions_mu_;
  std::vector<std::pair<reliability::CircuitState, reliability::CircuitState>> transitions_
      CHURNML_GUARDED_BY(transitions_mu_);

  std::thread worker_;
};

}  // namespace churnml::monitoring
