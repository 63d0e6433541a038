// The model being served and the one it replaced, swapped atomically.
// A swap never invalidates a snapshot in use, so a request that started on
// version 3 finishes on version 3.
//
// The request path reads through a per-thread Reader: one relaxed-cost
// atomic load of a generation counter per request, and the shared_ptr
// (whose atomic load takes libstdc++'s internal spin lock) only after a
// swap. No lock is shared between io threads on the prediction path.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "serving/served_model.h"

namespace churnml::serving {

class ModelSlot {
 public:
  // One per thread (thread_local in the service): the thread's snapshot.
  struct Reader {
    uint64_t slot = 0;  // the slot's id (not its address, which a later slot may reuse)
    uint64_t generation = 0;
    std::shared_ptr<const ServedModel> model;
  };

  // The current model, refreshed into `reader` when it changed. Null before
  // the first Swap.
  const std::shared_ptr<const ServedModel>& Read(Reader& reader) const {
    uint64_t generation = generation_.load(std::memory_order_acquire);
    if (reader.slot != id_ || reader.generation != generation) {
      reader.slot = id_;
      reader.generation = generation;
      reader.model = current_.load(std::memory_order_acquire);
    }
    return reader.model;
  }

  std::shared_ptr<const ServedModel> current() const {
    return current_.load(std::memory_order_acquire);
  }
  // The version that served before the last swap (the first fallback), or
  // null before any swap.
  std::shared_ptr<const ServedModel> previous() const {
    return previous_.load(std::memory_order_acquire);
  }
  // Installs `next`; the outgoing model becomes previous(). Only the
  // watcher thread swaps.
  void Swap(std::shared_ptr<const ServedModel> next) {
    std::shared_ptr<const ServedModel> outgoing =
        current_.exchange(std::move(next), std::memory_order_acq_rel);
    if (outgoing) previous_.store(std::move(outgoing), std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_release);
  }

 private:
  std::atomic<std::shared_ptr<const ServedModel>> current_;
  std::atomic<std::shared_ptr<const ServedModel>> previous_;
  std::atomic<uint64_t> generation_{1};
  const uint64_t id_ = NextId();

  static uint64_t NextId() {
    static std::atomic<uint64_t> next{1};
    return next.fetch_add(1, std::memory_order_relaxed);
  }
};

}  // namespace churnml::serving
