// The storage under Counter and Histogram: values spread over a few
// cache-line-aligned stripes, one picked per thread, so io threads that bump
// the same counter on different cores do not fight over one cache line.
// Readers (a scrape) sum the stripes. All operations are relaxed atomics.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace churnml::monitoring::internal {

// Stripes per metric. Threads take stripes round-robin as they first touch
// any metric, so up to kStripes threads never share a line.
inline constexpr size_t kStripes = 8;

// Assigns the next stripe index (round-robin over all threads).
size_t NextStripe();

// This thread's stripe, fixed for the thread's lifetime.
inline size_t ThisThreadStripe() {
  static thread_local const size_t stripe = NextStripe();
  return stripe;
}

// Adds `delta` to a double held as bits in a 64-bit atomic (a CAS loop, which
// without contention is one locked instruction, like fetch_add).
inline void AtomicAddDouble(std::atomic<uint64_t>& cell, double delta) {
  uint64_t old_bits = cell.load(std::memory_order_relaxed);
  while (!cell.compare_exchange_weak(
      old_bits, std::bit_cast<uint64_t>(std::bit_cast<double>(old_bits) + delta),
      std::memory_order_relaxed, std::memory_order_relaxed)) {
  }
}

inline double LoadDouble(const std::atomic<uint64_t>& cell) {
  return std::bit_cast<double>(cell.load(std::memory_order_relaxed));
}

struct alignas(64) CacheLine {
  std::atomic<uint64_t> words[8] = {};
};

// kStripes rows of `width` 64-bit words, each row starting on its own cache
// line. Word values are uint64 counts or doubles stored as bits.
class StripedWords {
 public:
  explicit StripedWords(size_t width)
      : width_(width),
        lines_per_stripe_((width + 7) / 8),
        lines_(new CacheLine[kStripes * lines_per_stripe_]) {}

  size_t width() const { return width_; }

  std::atomic<uint64_t>& Word(size_t stripe, size_t index) {
    return lines_[stripe * lines_per_stripe_ + index / 8].words[index % 8];
  }
  const std::atomic<uint64_t>& Word(size_t stripe, size_t index) const {
    return lines_[stripe * lines_per_stripe_ + index / 8].words[index % 8];
  }

  // Sum over stripes of word `index` read as a count.
  uint64_t SumCount(size_t index) const {
    uint64_t total = 0;
    for (size_t s = 0; s < kStripes; ++s) total += Word(s, index).load(std::memory_order_relaxed);
    return total;
  }
  // Sum over stripes of word `index` read as a double.
  double SumDouble(size_t index) const {
    double total = 0;
    for (size_t s = 0; s < kStripes; ++s) total += LoadDouble(Word(s, index));
    return total;
  }

 private:
  size_t width_;
  size_t lines_per_stripe_;
  std::unique_ptr<CacheLine[]> lines_;
};

}  // namespace churnml::monitoring::internal
