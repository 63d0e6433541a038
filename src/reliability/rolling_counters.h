// RollingCounters<K>: K counters summed over a sliding window of the last N
// whole seconds, kept as N per-second buckets of atomics (resilience4j's
// time-based window, "subtract on evict"). Adding is lock-free; a mutex is
// taken only by the first caller that sees a new second, to evict the
// buckets that fell out of the window.
//
// Thread safety: all members may be called concurrently. Totals read while
// other threads add may be off by the adds in flight; they are exact once
// the writers are quiescent.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "common/clock.h"
#include "common/mutex.h"

namespace churnml::reliability {

template <size_t K>
class RollingCounters {
 public:
  // `window_seconds` >= 1 (smaller values are raised to 1). `clock` must
  // outlive this object.
  RollingCounters(int64_t window_seconds, const Clock& clock)
      : size_(std::max<int64_t>(window_seconds, 1)),
        clock_(clock),
        buckets_(new Bucket[static_cast<size_t>(size_)]),
        current_second_(SecondOf(clock.Now())) {}

  RollingCounters(const RollingCounters&) = delete;
  RollingCounters& operator=(const RollingCounters&) = delete;

  int64_t window_seconds() const { return size_; }

  // Moves the window to the clock's current second (evicting old buckets)
  // and returns the bucket to add to.
  size_t CurrentBucket() {
    const int64_t second = SecondOf(clock_.Now());
    int64_t current = current_second_.load(std::memory_order_acquire);
    if (second > current) {
      MutexLock lock(&mu_);
      AdvanceLocked(second);
      current = current_second_.load(std::memory_order_relaxed);
    }
    return static_cast<size_t>(current % size_);
  }

  // Adds `delta` to counter `k` of `bucket` (from CurrentBucket()).
  void Add(size_t bucket, size_t k, int64_t delta) {
    buckets_[bucket].counts[k].fetch_add(delta, std::memory_order_relaxed);
    totals_[k].fetch_add(delta, std::memory_order_relaxed);
  }

  // Sum of counter `k` over the window as of the last CurrentBucket() or
  // Refresh() call.
  int64_t Total(size_t k) const { return totals_[k].load(std::memory_order_relaxed); }

  // Evicts the buckets that are older than the window at the clock's time.
  void Refresh() { CurrentBucket(); }

  // Empties the window.
  void Clear() {
    MutexLock lock(&mu_);
    for (int64_t i = 0; i < size_; ++i) EvictLocked(static_cast<size_t>(i));
    current_second_.store(
        std::max(SecondOf(clock_.Now()), current_second_.load(std::memory_order_relaxed)),
        std::memory_order_release);
  }

 private:
  struct alignas(64) Bucket {
    std::array<std::atomic<int64_t>, K> counts{};
  };

  static int64_t SecondOf(Clock::TimePoint t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  }

  void AdvanceLocked(int64_t second) CHURNML_REQUIRES(mu_) {
    const int64_t current = current_second_.load(std::memory_order_relaxed);
    if (second <= current) return;
    const int64_t steps = std::min(second - current, size_);
    for (int64_t i = 1; i <= steps; ++i) EvictLocked(static_cast<size_t>((current + i) % size_));
    current_second_.store(second, std::memory_order_release);
  }

  void EvictLocked(size_t bucket) CHURNML_REQUIRES(mu_) {
    for (size_t k = 0; k < K; ++k) {
      const int64_t v = buckets_[bucket].counts[k].exchange(0, std::memory_order_relaxed);
      if (v != 0) totals_[k].fetch_sub(v, std::memory_order_relaxed);
    }
  }

  const int64_t size_;
  const Clock& clock_;
  std::unique_ptr<Bucket[]> buckets_;
  alignas(64) std::array<std::atomic<int64_t>, K> totals_{};
  alignas(64) std::atomic<int64_t> current_second_;
  Mutex mu_;  // serialises eviction; the buckets themselves are atomics
};

}  // namespace churnml::reliability
