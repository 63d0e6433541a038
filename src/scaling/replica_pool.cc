#include "scaling/replica_pool.h"

#include <algorithm>

namespace churnml::scaling {

std::string_view SlotStateName(SlotState state) {
  switch (state) {
    case SlotState::kOff:
      return "off";
    case SlotState::kStarting:
      return "starting";
    case SlotState::kServing:
      return "serving";
    case SlotState::kDraining:
      return "draining";
  }
  return "?";
}

std::string_view PoolActionName(PoolActionKind kind) {
  switch (kind) {
    case PoolActionKind::kStart:
      return "start";
    case PoolActionKind::kEnable:
      return "enable";
    case PoolActionKind::kDrain:
      return "drain";
    case PoolActionKind::kStop:
      return "stop";
  }
  return "?";
}

ReplicaPool::ReplicaPool(size_t slots, ReplicaPoolOptions options)
    : slots_(slots), options_(options) {}

int ReplicaPool::Count(SlotState state) const {
  return static_cast<int>(
      std::count_if(slots_.begin(), slots_.end(), [&](const Slot& s) { return s.state == state; }));
}

void ReplicaPool::Move(size_t i, SlotState to, int64_t now_ms) {
  slots_[i].state = to;
  slots_[i].since_ms = now_ms;
  slots_[i].idle_since_ms = -1;
}

std::vector<PoolAction> ReplicaPool::Step(int desired,
                                          const std::vector<SlotObservation>& observations,
                                          int64_t now_ms) {
  std::vector<PoolAction> actions;
  const size_t n = std::min(slots_.size(), observations.size());
  // What happened to each slot since the last tick.
  for (size_t i = 0; i < n; ++i) {
    Slot& s = slots_[i];
    const SlotObservation& o = observations[i];
    switch (s.state) {
      case SlotState::kOff:
        break;
      case SlotState::kStarting:
        if (!o.process_alive) {
          actions.push_back({PoolActionKind::kStop, i, "exited while starting"});
          Move(i, SlotState::kOff, now_ms);
        } else if (o.ready) {
          actions.push_back({PoolActionKind::kEnable, i, "ready"});
          Move(i, SlotState::kServing, now_ms);
        } else if (now_ms - s.since_ms > options_.start_timeout_ms) {
          actions.push_back({PoolActionKind::kStop, i, "not ready within the start timeout"});
          Move(i, SlotState::kOff, now_ms);
        }
        break;
      case SlotState::kServing:
        if (!o.process_alive) {
          actions.push_back({PoolActionKind::kStop, i, "exited while serving"});
          Move(i, SlotState::kOff, now_ms);
        }
        break;
      case SlotState::kDraining: {
        if (o.sessions > 0) {
          s.idle_since_ms = -1;
        } else if (s.idle_since_ms < 0) {
          s.idle_since_ms = now_ms;
        }
        const bool idle_long_enough =
            s.idle_since_ms >= 0 && now_ms - s.since_ms >= options_.min_drain_ms;
        if (!o.process_alive) {
          actions.push_back({PoolActionKind::kStop, i, "exited while draining"});
          Move(i, SlotState::kOff, now_ms);
        } else if (idle_long_enough) {
          actions.push_back({PoolActionKind::kStop, i, "drained"});
          Move(i, SlotState::kOff, now_ms);
        } else if (now_ms - s.since_ms >= options_.max_drain_ms) {
          actions.push_back({PoolActionKind::kStop, i, "drain timeout with sessions left"});
          Move(i, SlotState::kOff, now_ms);
        }
        break;
      }
    }
  }
  desired = std::clamp(desired, 0, static_cast<int>(slots_.size()));
  int active = Count(SlotState::kStarting) + Count(SlotState::kServing);
  // Up: re-enable draining slots (lowest first), then start free ones.
  for (size_t i = 0; i < n && active < desired; ++i) {
    if (slots_[i].state == SlotState::kDraining && observations[i].process_alive) {
      actions.push_back({PoolActionKind::kEnable, i, "wanted again while draining"});
      Move(i, SlotState::kServing, now_ms);
      ++active;
    }
  }
  for (size_t i = 0; i < n && active < desired; ++i) {
    if (slots_[i].state == SlotState::kOff) {
      actions.push_back({PoolActionKind::kStart, i, "scale up"});
      Move(i, SlotState::kStarting, now_ms);
      ++active;
    }
  }
  // Down: cancel starting slots, then drain serving ones, highest first.
  for (size_t i = n; i-- > 0 && active > desired;) {
    if (slots_[i].state == SlotState::kStarting) {
      actions.push_back({PoolActionKind::kStop, i, "scale down before it was ready"});
      Move(i, SlotState::kOff, now_ms);
      --active;
    }
  }
  for (size_t i = n; i-- > 0 && active > desired;) {
    if (slots_[i].state == SlotState::kServing) {
      actions.push_back({PoolActionKind::kDrain, i, "scale down"});
      Move(i, SlotState::kDraining, now_ms);
      --active;
    }
  }
  return actions;
}

}  // namespace churnml::scaling
