// The local actuator's state machine (pure, no I/O, time passed in): which
// pre-declared HAProxy server slots should run a replica, and the steps to
// get there without failing a request.
//
//   off ──start──▶ starting ──ready──▶ serving ──drain──▶ draining ──idle──▶ off
//                     │ exit/timeout        │ exit            │ more wanted
//                     ▼                     ▼                 ▼
//                    off (stop)            off (stop)       serving (re-enabled)
//
// Scaling up re-enables draining slots first (their process is still up),
// then starts the lowest-numbered free slots. Scaling down cancels starting
// slots first, then drains the highest-numbered serving ones. A draining
// slot is stopped once HAProxy shows no session on it for min_drain_ms (or
// after max_drain_ms whatever it shows), so no request is cut: HAProxy
// sends nothing new to a draining server and the process is stopped only
// when what it had has finished.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace churnml::scaling {

enum class SlotState { kOff, kStarting, kServing, kDraining };
std::string_view SlotStateName(SlotState state);

enum class PoolActionKind {
  kStart,   // start the slot's process (HAProxy still has it in maint)
  kEnable,  // the process answers ready: HAProxy ready + health up
  kDrain,   // HAProxy drain: no new requests
  kStop,    // HAProxy maint, then stop (SIGTERM) and reap the process
};
std::string_view PoolActionName(PoolActionKind kind);

struct PoolAction {
  PoolActionKind kind;
  size_t slot;
  std::string reason;
};

// What the driver saw for one slot this tick.
struct SlotObservation {
  bool process_alive = false;  // its process runs (false when it has none)
  bool ready = false;          // its /v2/health/ready answered 200
  int64_t sessions = 0;        // HAProxy's scur for the server
};

struct ReplicaPoolOptions {
  int64_t start_timeout_ms = 60'000;  // starting longer than this: stopped
  int64_t min_drain_ms = 2'000;       // draining at least this long ...
  int64_t max_drain_ms = 60'000;      // ... and at most this long
};

class ReplicaPool {
 public:
  ReplicaPool(size_t slots, ReplicaPoolOptions options);

  // One tick: moves slots towards `desired` (clamped to 0..slots) and
  // returns the actions to carry out, in order. `observations` has one
  // entry per slot.
  std::vector<PoolAction> Step(int desired, const std::vector<SlotObservation>& observations,
                               int64_t now_ms);

  SlotState state(size_t slot) const { return slots_[slot].state; }
  size_t size() const { return slots_.size(); }
  int Count(SlotState state) const;

 private:
  struct Slot {
    SlotState state = SlotState::kOff;
    int64_t since_ms = 0;
    int64_t idle_since_ms = -1;  // draining with no session since then
  };
  void Move(size_t i, SlotState to, int64_t now_ms);

  std::vector<Slot> slots_;
  ReplicaPoolOptions options_;
};

}  // namespace churnml::scaling
