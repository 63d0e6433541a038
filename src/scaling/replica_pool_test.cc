#include "scaling/replica_pool.h"

#include <gtest/gtest.h>

namespace churnml::scaling {
namespace {

ReplicaPoolOptions Options() {
  ReplicaPoolOptions o;
  o.start_timeout_ms = 10'000;
  o.min_drain_ms = 2'000;
  o.max_drain_ms = 30'000;
  return o;
}

std::vector<SlotObservation> All(size_t n, bool alive, bool ready, int64_t sessions) {
  return std::vector<SlotObservation>(n, SlotObservation{alive, ready, sessions});
}

std::string Describe(const std::vector<PoolAction>& actions) {
  std::string out;
  for (const PoolAction& a : actions) {
    out += std::string(PoolActionName(a.kind)) + ":" + std::to_string(a.slot) + " ";
  }
  return out;
}

TEST(ReplicaPool, StartsLowestSlotsThenEnablesThemWhenReady) {
  ReplicaPool pool(4, Options());
  EXPECT_EQ(Describe(pool.Step(2, All(4, false, false, 0), 0)), "start:0 start:1 ");
  EXPECT_EQ(pool.Count(SlotState::kStarting), 2);
  // Not ready yet: nothing to do, and no second start.
  EXPECT_EQ(Describe(pool.Step(2, All(4, true, false, 0), 500)), "");
  EXPECT_EQ(Describe(pool.Step(2, All(4, true, true, 0), 1000)), "enable:0 enable:1 ");
  EXPECT_EQ(pool.Count(SlotState::kServing), 2);
}

TEST(ReplicaPool, DrainsHighestFirstAndStopsOnlyWhenIdleLongEnough) {
  ReplicaPool pool(3, Options());
  pool.Step(3, All(3, false, false, 0), 0);
  pool.Step(3, All(3, true, true, 0), 100);
  ASSERT_EQ(pool.Count(SlotState::kServing), 3);
  EXPECT_EQ(Describe(pool.Step(1, All(3, true, true, 5), 1000)), "drain:2 drain:1 ");
  EXPECT_EQ(pool.state(0), SlotState::kServing);
  // Sessions still open: keep draining.
  EXPECT_EQ(Describe(pool.Step(1, All(3, true, true, 3), 4000)), "");
  // Idle, and the drain began 3.5 s ago (over min_drain_ms): stop.
  EXPECT_EQ(Describe(pool.Step(1, All(3, true, true, 0), 4500)), "stop:1 stop:2 ");
  EXPECT_EQ(pool.Count(SlotState::kOff), 2);
}

TEST(ReplicaPool, WaitsTheMinimumDrainEvenWhenIdleAtOnce) {
  ReplicaPool pool(2, Options());
  pool.Step(2, All(2, false, false, 0), 0);
  pool.Step(2, All(2, true, true, 0), 100);
  EXPECT_EQ(Describe(pool.Step(1, All(2, true, true, 0), 1000)), "drain:1 ");
  EXPECT_EQ(Describe(pool.Step(1, All(2, true, true, 0), 2000)), "");
  EXPECT_EQ(Describe(pool.Step(1, All(2, true, true, 0), 3000)), "stop:1 ");
}

TEST(ReplicaPool, StopsADrainThatNeverEmptiesAtTheMaximum) {
  ReplicaPool pool(2, Options());
  pool.Step(2, All(2, false, false, 0), 0);
  pool.Step(2, All(2, true, true, 0), 100);
  pool.Step(1, All(2, true, true, 9), 1000);
  EXPECT_EQ(Describe(pool.Step(1, All(2, true, true, 9), 30'000)), "");
  const std::vector<PoolAction> actions = pool.Step(1, All(2, true, true, 9), 31'000);
  ASSERT_EQ(Describe(actions), "stop:1 ");
  EXPECT_EQ(actions[0].reason, "drain timeout with sessions left");
}

TEST(ReplicaPool, ReenablesADrainingSlotBeforeStartingANewOne) {
  ReplicaPool pool(3, Options());
  pool.Step(2, All(3, false, false, 0), 0);
  pool.Step(2, All(3, true, true, 0), 100);
  pool.Step(1, All(3, true, true, 2), 1000);
  ASSERT_EQ(pool.state(1), SlotState::kDraining);
  EXPECT_EQ(Describe(pool.Step(3, All(3, true, true, 2), 1500)), "enable:1 start:2 ");
}

TEST(ReplicaPool, AProcessThatDiesIsStoppedAndReplaced) {
  ReplicaPool pool(2, Options());
  pool.Step(1, All(2, false, false, 0), 0);
  pool.Step(1, All(2, true, true, 0), 100);
  std::vector<SlotObservation> seen = All(2, false, false, 0);
  // Slot 0 died: stop (maint + reap), and the next free slot... is slot 0 again.
  EXPECT_EQ(Describe(pool.Step(1, seen, 200)), "stop:0 start:0 ");
}

TEST(ReplicaPool, StartTimeoutAndCancelledStarts) {
  ReplicaPool pool(2, Options());
  pool.Step(2, All(2, false, false, 0), 0);
  EXPECT_EQ(Describe(pool.Step(2, All(2, true, false, 0), 10'001)),
            "stop:0 stop:1 start:0 start:1 ");
  EXPECT_EQ(Describe(pool.Step(0, All(2, true, false, 0), 10'100)), "stop:1 stop:0 ");
  EXPECT_EQ(pool.Count(SlotState::kOff), 2);
}

TEST(ReplicaPool, DesiredIsClampedToTheSlots) {
  ReplicaPool pool(2, Options());
  EXPECT_EQ(Describe(pool.Step(9, All(2, false, false, 0), 0)), "start:0 start:1 ");
  EXPECT_EQ(Describe(pool.Step(-3, All(2, true, false, 0), 1)), "stop:1 stop:0 ");
}

}  // namespace
}  // namespace churnml::scaling
