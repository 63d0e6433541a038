// Keeps HAProxy's server slots on the replicas DNS names: `churnml
// autoscale run --discover HOST:PORT --haproxy-socket PATH` resolves HOST
// every interval and moves the backend's pre-declared servers (`churnml
// deploy haproxy --replicas MAX`) onto the addresses it returns through the
// runtime API (`set server B/S addr IP port PORT`, `state ready|maint`),
// where HAProxy's own health checks then take over (docs/deploy.md).
//
// The plan is a pure function: a slot already on a discovered address
// stays where it is (re-enabled if it was in maint); each new address takes
// the first slot whose address DNS no longer returns; slots left over go to
// maint (HAProxy sends them nothing); addresses beyond the slot count are
// left out and counted.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace churnml::scaling {

struct SlotView {
  std::string server;   // svname
  std::string address;  // `show stat` addr: "10.0.0.5:8000", "[fd00::5]:8000"
  bool maint = false;   // admin state maint (status starts with "MAINT")
};

enum class SlotChangeKind { kSetAddress, kReady, kMaint };

struct SlotChange {
  std::string server;
  SlotChangeKind kind = SlotChangeKind::kReady;
  std::string ip;  // kSetAddress: the new address and port
  std::string port;
};

// "IP:PORT" as HAProxy's `show stat` writes it (IPv6 in brackets).
std::string SlotEndpoint(std::string_view ip, std::string_view port);

struct SlotPlan {
  std::vector<SlotChange> changes;  // in the order to apply them
  size_t unplaced = 0;              // addresses with no slot left
};

// `ips`: the addresses HOST resolves to now (deduplicated), all on `port`.
SlotPlan PlanSlotAddresses(const std::vector<SlotView>& slots, const std::vector<std::string>& ips,
                           std::string_view port);

std::string_view SlotChangeName(SlotChangeKind kind);  // "set-addr", "ready", "maint"

}  // namespace churnml::scaling
