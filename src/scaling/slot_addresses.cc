#include "scaling/slot_addresses.h"

#include <set>

namespace churnml::scaling {

std::string SlotEndpoint(std::string_view ip, std::string_view port) {
  const bool v6 = ip.find(':') != std::string_view::npos;
  return (v6 ? "[" + std::string(ip) + "]" : std::string(ip)) + ":" + std::string(port);
}

SlotPlan PlanSlotAddresses(const std::vector<SlotView>& slots, const std::vector<std::string>& ips,
                           std::string_view port) {
  SlotPlan plan;
  std::set<std::string> wanted;
  for (const std::string& ip : ips) wanted.insert(SlotEndpoint(ip, port));
  std::set<std::string> placed;
  std::vector<const SlotView*> free;
  for (const SlotView& slot : slots) {
    if (wanted.contains(slot.address) && !placed.contains(slot.address)) {
      placed.insert(slot.address);
      if (slot.maint) plan.changes.push_back({slot.server, SlotChangeKind::kReady, "", ""});
    } else {
      free.push_back(&slot);
    }
  }
  size_t next = 0;
  std::set<std::string> done;
  for (const std::string& ip : ips) {
    const std::string endpoint = SlotEndpoint(ip, port);
    if (placed.contains(endpoint) || !done.insert(endpoint).second) continue;
    if (next == free.size()) {
      ++plan.unplaced;
      continue;
    }
    const SlotView& slot = *free[next++];
    plan.changes.push_back({slot.server, SlotChangeKind::kSetAddress, ip, std::string(port)});
    if (slot.maint) plan.changes.push_back({slot.server, SlotChangeKind::kReady, "", ""});
  }
  for (; next < free.size(); ++next) {
    if (!free[next]->maint) {
      plan.changes.push_back({free[next]->server, SlotChangeKind::kMaint, "", ""});
    }
  }
  return plan;
}

std::string_view SlotChangeName(SlotChangeKind kind) {
  switch (kind) {
    case SlotChangeKind::kSetAddress:
      return "set-addr";
    case SlotChangeKind::kReady:
      return "ready";
    case SlotChangeKind::kMaint:
      return "maint";
  }
  return "";
}

}  // namespace churnml::scaling
