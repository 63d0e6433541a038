// The storage under Counter, Histogram and StageProfiler: values spread over
// cache-line-aligned stripes, one per thread, so io threads that bump the
// same counter on different cores neither share a cache line nor need a
// locked instruction. Readers (a scrape) sum the stripes. All accesses are
// relaxed atomics.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace churnml::monitoring::internal {

// Stripes per metric. The first kStripes - 1 threads alive at once that
// touch metrics each own a stripe outright and update it with a plain
// load and store (no locked instruction); any further threads share the
// last stripe and use atomic read-modify-writes.
inline constexpr size_t kStripes = 16;

struct StripeSlot {
  size_t index = kStripes - 1;
  bool exclusive = false;  // true: only this thread writes stripe `index`
};

// Holds this thread's slot; gives an exclusive stripe back when the thread
// exits, so a thread pool that is recreated keeps exclusive stripes.
class StripeLease {
 public:
  StripeLease();
  ~StripeLease();
  StripeLease(const StripeLease&) = delete;
  StripeLease& operator=(const StripeLease&) = delete;
  const StripeSlot& slot() const { return slot_; }

 private:
  StripeSlot slot_;
};

// This thread's stripe, fixed for the thread's lifetime.
inline const StripeSlot& ThisThreadStripe() {
  static thread_local const StripeLease lease;
  return lease.slot();
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

// Adds to a cell of this thread's stripe: a plain load and store when the
// stripe is the thread's own (readers still see whole values: the cell is
// atomic), an atomic add when it is shared.
inline void StripeAddCount(const StripeSlot& slot, std::atomic<uint64_t>& cell, uint64_t delta) {
  if (slot.exclusive) {
    cell.store(cell.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
  } else {
    cell.fetch_add(delta, std::memory_order_relaxed);
  }
}
inline void StripeAddDouble(const StripeSlot& slot, std::atomic<uint64_t>& cell, double delta) {
  if (slot.exclusive) {
    cell.store(std::bit_cast<uint64_t>(LoadDouble(cell) + delta), std::memory_order_relaxed);
  } else {
    AtomicAddDouble(cell, delta);
  }
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
