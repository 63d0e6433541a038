#include "scaling/slot_addresses.h"

#include <gtest/gtest.h>

namespace churnml::scaling {
namespace {

std::string Show(const SlotPlan& plan) {
  std::string out;
  for (const SlotChange& c : plan.changes) {
    out += c.server + " " + std::string(SlotChangeName(c.kind));
    if (c.kind == SlotChangeKind::kSetAddress) out += " " + SlotEndpoint(c.ip, c.port);
    out += "; ";
  }
  return out;
}

TEST(SlotAddresses, NewAddressesTakeFreeSlotsAndUnusedSlotsGoToMaint) {
  // As `deploy haproxy --replicas 3` writes them: slots on ports no replica listens on yet.
  const std::vector<SlotView> slots = {{"r1", "127.0.0.1:8001", false},
                                       {"r2", "127.0.0.1:8002", false},
                                       {"r3", "127.0.0.1:8003", false}};
  const SlotPlan plan = PlanSlotAddresses(slots, {"10.0.0.5", "10.0.0.6"}, "8000");
  EXPECT_EQ(Show(plan), "r1 set-addr 10.0.0.5:8000; r2 set-addr 10.0.0.6:8000; r3 maint; ");
  EXPECT_EQ(plan.unplaced, 0u);
}

TEST(SlotAddresses, KnownAddressesStayPutAndAMaintSlotIsReEnabled) {
  const std::vector<SlotView> slots = {{"r1", "10.0.0.5:8000", false},
                                       {"r2", "10.0.0.6:8000", false},
                                       {"r3", "127.0.0.1:8003", true}};
  // 10.0.0.5 went away, 10.0.0.7 is new: it takes r1 (free now), r3 stays in maint.
  EXPECT_EQ(Show(PlanSlotAddresses(slots, {"10.0.0.6", "10.0.0.7"}, "8000")),
            "r1 set-addr 10.0.0.7:8000; ");
  // Nothing changed: nothing to do.
  EXPECT_EQ(Show(PlanSlotAddresses(slots, {"10.0.0.6", "10.0.0.5"}, "8000")), "");
  // A slot on a returned address but in maint (a pod that came back).
  const std::vector<SlotView> back = {{"r1", "10.0.0.5:8000", true},
                                      {"r2", "10.0.0.6:8000", false}};
  EXPECT_EQ(Show(PlanSlotAddresses(back, {"10.0.0.5", "10.0.0.6"}, "8000")), "r1 ready; ");
  // A new address on a slot in maint: the address, then ready.
  EXPECT_EQ(Show(PlanSlotAddresses(back, {"10.0.0.9", "10.0.0.6"}, "8000")),
            "r1 set-addr 10.0.0.9:8000; r1 ready; ");
}

TEST(SlotAddresses, NoAddressesPutsEverySlotInMaint) {
  const std::vector<SlotView> slots = {{"r1", "10.0.0.5:8000", false},
                                       {"r2", "10.0.0.6:8000", true}};
  EXPECT_EQ(Show(PlanSlotAddresses(slots, {}, "8000")), "r1 maint; ");
}

TEST(SlotAddresses, MoreAddressesThanSlotsAreCounted) {
  const std::vector<SlotView> slots = {{"r1", "127.0.0.1:8001", false}};
  const SlotPlan plan = PlanSlotAddresses(slots, {"10.0.0.5", "10.0.0.6", "10.0.0.5"}, "8000");
  EXPECT_EQ(Show(plan), "r1 set-addr 10.0.0.5:8000; ");
  EXPECT_EQ(plan.unplaced, 1u);
}

TEST(SlotAddresses, Ipv6EndpointsMatchShowStatsBrackets) {
  EXPECT_EQ(SlotEndpoint("fd00::5", "8000"), "[fd00::5]:8000");
  const std::vector<SlotView> slots = {{"r1", "[fd00::5]:8000", false}};
  EXPECT_EQ(Show(PlanSlotAddresses(slots, {"fd00::5"}, "8000")), "");
}

}  // namespace
}  // namespace churnml::scaling
