// Time as a dependency. Everything that decides by elapsed time (rate
// limits, circuit breakers, retry backoff, health baselines, alert `for`
// durations and repeat intervals) takes a `const Clock&`, so tests drive a
// ManualClock instead of sleeping, and production passes RealClock().
#pragma once

#include <chrono>
#include <thread>
#include <vector>

#include "common/mutex.h"

namespace churnml {

class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  using Duration = std::chrono::steady_clock::duration;

  virtual ~Clock() = default;
  // Monotonic time, for intervals and deadlines.
  virtual TimePoint Now() const = 0;
  // Wall-clock time, for timestamps people and other systems read
  // (alert startsAt/endsAt, log lines).
  virtual std::chrono::system_clock::time_point WallNow() const = 0;
  // Blocks for `duration` (a ManualClock advances itself instead).
  virtual void SleepFor(Duration duration) const = 0;
};

// The process's clocks. Stateless, so one shared instance is safe.
class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  std::chrono::system_clock::time_point WallNow() const override {
    return std::chrono::system_clock::now();
  }
  void SleepFor(Duration duration) const override { std::this_thread::sleep_for(duration); }
};

inline const Clock& RealClock() {
  static const SystemClock clock;
  return clock;
}

// A clock that moves only when told to. SleepFor advances it by the slept
// duration and records the call, so a test can check the backoff a retry
// loop chose without waiting for it. Thread-safe.
class ManualClock final : public Clock {
 public:
  ManualClock()
      : now_(std::chrono::steady_clock::time_point{} + std::chrono::hours(1)),
        wall_(std::chrono::system_clock::time_point{} + std::chrono::hours(24 * 365 * 56)) {}

  TimePoint Now() const override {
    MutexLock lock(&mu_);
    return now_;
  }
  std::chrono::system_clock::time_point WallNow() const override {
    MutexLock lock(&mu_);
    return wall_;
  }
  void SleepFor(Duration duration) const override {
    MutexLock lock(&mu_);
    sleeps_.push_back(duration);
    now_ += duration;
    wall_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(duration);
  }

  void Advance(Duration duration) {
    MutexLock lock(&mu_);
    now_ += duration;
    wall_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(duration);
  }
  // Every duration passed to SleepFor, in order.
  std::vector<Duration> sleeps() const {
    MutexLock lock(&mu_);
    return sleeps_;
  }

 private:
  mutable Mutex mu_;
  mutable TimePoint now_ CHURNML_GUARDED_BY(mu_);
  mutable std::chrono::system_clock::time_point wall_ CHURNML_GUARDED_BY(mu_);
  mutable std::vector<Duration> sleeps_ CHURNML_GUARDED_BY(mu_);
};

}  // namespace churnml
