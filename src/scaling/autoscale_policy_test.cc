#include "scaling/autoscale_policy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace churnml::scaling {
namespace {

constexpr int64_t kMonday = 4 * 86400;  // 1970-01-05 00:00 UTC was a Monday

AutoscaleOptions Reactive() {
  AutoscaleOptions o;
  o.target = 100;
  o.min_replicas = 1;
  o.max_replicas = 20;
  o.predictive = false;
  return o;
}

TEST(AutoscalePolicy, ReactiveIsHpaFormulaWithTolerance) {
  AutoscalePolicy policy(Reactive(), 60);
  // 4 replicas at 150 per replica (target 100): ceil(4 x 1.5) = 6.
  AutoscaleDecision d = policy.Decide(kMonday, 600, 4);
  EXPECT_EQ(d.reactive, 6);
  EXPECT_EQ(d.desired, 6);
  EXPECT_NE(d.reason.find("reactive"), std::string::npos) << d.reason;
  // 4 replicas at 108 per replica: inside the 10% tolerance, no change.
  d = policy.Decide(kMonday + 60, 432, 4);
  EXPECT_EQ(d.reactive, 4);
}

TEST(AutoscalePolicy, ScaleUpIsLimitedLikeHpa) {
  AutoscalePolicy policy(Reactive(), 60);
  AutoscaleDecision d = policy.Decide(kMonday, 2000, 2);  // needs 20
  EXPECT_EQ(d.desired, 6);                                // max(2 x 2, 2 + 4)
  EXPECT_NE(d.reason.find("limited"), std::string::npos) << d.reason;
}

TEST(AutoscalePolicy, ScaleDownWaitsForTheStabilizationWindow) {
  AutoscalePolicy policy(Reactive(), 60);
  EXPECT_EQ(policy.Decide(kMonday, 800, 8).desired, 8);
  // Load halves: the recommendation is 4, but 8 was recommended within 300 s.
  AutoscaleDecision d = policy.Decide(kMonday + 60, 400, 8);
  EXPECT_EQ(d.reactive, 4);
  EXPECT_EQ(d.desired, 8);
  EXPECT_NE(d.reason.find("stabilization"), std::string::npos) << d.reason;
  for (int64_t t = 120; t < 300; t += 60) EXPECT_EQ(policy.Decide(kMonday + t, 400, 8).desired, 8);
  // 300 s after the last 8: down to 4.
  EXPECT_EQ(policy.Decide(kMonday + 360, 400, 8).desired, 4);
}

TEST(AutoscalePolicy, NoSignalHoldsTheReactiveCountButKeepsFloorsAndTheWindow) {
  AutoscaleOptions o = Reactive();
  o.floors.push_back(*ParseScheduleFloor("Mon 00:00-24:00 5"));
  AutoscalePolicy policy(o, 60);
  AutoscaleDecision d = policy.DecideWithoutSignal(kMonday, 3);
  EXPECT_TRUE(std::isnan(d.load));
  EXPECT_EQ(d.reactive, 3);
  EXPECT_EQ(d.desired, 5) << "the floor still applies";
  AutoscalePolicy plain(Reactive(), 60);
  EXPECT_EQ(plain.Decide(kMonday, 800, 8).desired, 8);
  d = plain.DecideWithoutSignal(kMonday + 60, 8);
  EXPECT_EQ(d.desired, 8);
  EXPECT_NE(d.reason.find("no signal this interval, holds at 8"), std::string::npos) << d.reason;
}

TEST(AutoscalePolicy, ScheduledFloorAppliesOnItsDaysAndHours) {
  AutoscaleOptions o = Reactive();
  Result<ScheduleFloor> floor = ParseScheduleFloor("Mon-Fri 08:00-20:00 4");
  ASSERT_TRUE(floor.ok()) << floor.status().message();
  o.floors.push_back(*floor);
  AutoscalePolicy policy(o, 60);
  AutoscaleDecision d = policy.Decide(kMonday + 9 * 3600, 10, 1);
  EXPECT_EQ(d.scheduled, 4);
  EXPECT_EQ(d.desired, 4);
  EXPECT_NE(d.reason.find("scheduled"), std::string::npos);
  AutoscalePolicy evening(o, 60);
  EXPECT_EQ(evening.Decide(kMonday + 21 * 3600, 10, 1).scheduled, 0);
  AutoscalePolicy saturday(o, 60);
  EXPECT_EQ(saturday.Decide(kMonday + 5 * 86400 + 9 * 3600, 10, 1).scheduled, 0);
}

TEST(ScheduleFloor, ParsesListsAndRejectsNonsense) {
  Result<ScheduleFloor> f = ParseScheduleFloor("Sat,Sun 00:00-24:00 2");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->days, 0x60);
  EXPECT_EQ(f->end_minute, 1440);
  EXPECT_FALSE(ParseScheduleFloor("Mon-Fri 20:00-08:00 4").ok());
  EXPECT_FALSE(ParseScheduleFloor("Monday 08:00-20:00 4").ok());
  EXPECT_FALSE(ParseScheduleFloor("Mon 08:00-20:00 0").ok());
  Result<ScheduleFloor> bad = ParseScheduleFloor("Mon-Fri 08:00");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("--floor"), std::string::npos);
}

// A daily load: 200 at night, up to 1,800 at 14:00, in 5-minute samples.
std::vector<LoadSample> DailyTrace(int days) {
  std::vector<LoadSample> trace;
  for (int64_t t = 0; t < days * 86400; t += 300) {
    const double hour = static_cast<double>(t % 86400) / 3600;
    const double wave = std::cos((hour - 14) / 24 * 2 * std::numbers::pi);
    trace.push_back({kMonday + t, 1000 + 800 * wave});
  }
  return trace;
}

// The first time on `day` (0-based) a decision asks for at least `replicas`.
int64_t FirstAtLeast(const std::vector<AutoscaleDecision>& run, int day, int replicas) {
  for (const AutoscaleDecision& d : run) {
    if (d.time >= kMonday + day * 86400 && d.desired >= replicas) return d.time;
  }
  return -1;
}

TEST(AutoscaleReplay, PredictiveScalesUpBeforeTheLoadReactiveAfter) {
  const std::vector<LoadSample> trace = DailyTrace(4);
  AutoscaleOptions reactive = Reactive();
  reactive.max_replicas = 30;
  AutoscaleOptions predictive = reactive;
  predictive.predictive = true;
  predictive.startup_seconds = 1800;  // replicas take 30 min to be useful
  const auto r = Replay(reactive, trace);
  const auto p = Replay(predictive, trace);
  // Day 3: when does each ask for 14 replicas, which the load needs once
  // it passes 1,300 per s (13 x the target), at about 10:00?
  int64_t needed = -1;
  for (const LoadSample& s : trace) {
    if (s.time >= kMonday + 3 * 86400 && s.load > 1300) {
      needed = s.time;
      break;
    }
  }
  ASSERT_GT(needed, 0);
  const int64_t reactive_at = FirstAtLeast(r, 3, 14);
  const int64_t predictive_at = FirstAtLeast(p, 3, 14);
  ASSERT_GT(reactive_at, 0);
  ASSERT_GT(predictive_at, 0);
  EXPECT_GE(reactive_at, needed);           // reactive follows the load
  EXPECT_LE(predictive_at, needed - 1200);  // predictive is there about 30 min early
  bool said_predictive = false;
  for (const AutoscaleDecision& d : p) said_predictive |= d.reason.find("predictive") == 0;
  EXPECT_TRUE(said_predictive);
}

TEST(AutoscaleReplay, APerReplicaLoadIsARatioOfTheTarget) {
  AutoscaleOptions o = Reactive();
  o.target = 0.05;  // p99 of 50 ms
  o.min_replicas = 2;
  o.stabilization_seconds = 0;
  // At the target, then twice it, twice it again, then half of it.
  const std::vector<LoadSample> trace = {{0, 0.05}, {60, 0.1}, {120, 0.1}, {180, 0.025}};
  const auto run = Replay(o, trace, TraceLoad::kPerReplica);
  ASSERT_EQ(run.size(), 4u);
  EXPECT_EQ(run[0].desired, 2);  // ratio 1
  EXPECT_EQ(run[1].desired, 4);  // ceil(2 x 2)
  EXPECT_EQ(run[2].desired, 8);  // ceil(4 x 2): a recorded latency does not react
  EXPECT_EQ(run[3].desired, 4);  // ceil(8 x 0.5)
  EXPECT_DOUBLE_EQ(run[1].load, 0.1) << "decisions carry the trace's value";
  // The same trace as a total load: ceil(0.1 / 0.05) = 2 replicas at most.
  EXPECT_EQ(Replay(o, trace)[2].desired, 2);
}

TEST(AutoscaleReplay, StabilizationPreventsFlapping) {
  // Load jumps between 450 and 950 every minute (target 100 per replica).
  std::vector<LoadSample> trace;
  for (int64_t t = 0; t < 3600; t += 60)
    trace.push_back({kMonday + t, (t / 60) % 2 ? 450.0 : 950.0});
  AutoscaleOptions o = Reactive();
  const auto run = Replay(o, trace);
  int changes = 0;
  for (size_t i = 1; i < run.size(); ++i) changes += run[i].desired != run[i - 1].desired;
  EXPECT_LE(changes, 2);  // up once to 10, then held
  o.stabilization_seconds = 0;
  const auto flappy = Replay(o, trace);
  int flappy_changes = 0;
  for (size_t i = 1; i < flappy.size(); ++i)
    flappy_changes += flappy[i].desired != flappy[i - 1].desired;
  EXPECT_GT(flappy_changes, 20);  // the window is what stops it
}

TEST(LoadTrace, ParsesAndNamesBadRows) {
  Result<std::vector<LoadSample>> ok = ParseLoadTrace("time,load\n100,5\n160,7.5\n");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->size(), 2u);
  EXPECT_EQ((*ok)[1].load, 7.5);
  Result<std::vector<LoadSample>> bad = ParseLoadTrace("time,load\n100,5\n160,x\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("line 3, column load"), std::string::npos);
  EXPECT_FALSE(ParseLoadTrace("t,l\n1,2\n").ok());
  EXPECT_FALSE(ParseLoadTrace("time,load\n100,5\n50,5\n").ok());
}

}  // namespace
}  // namespace churnml::scaling
