#include "pipeline/threshold_choice.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

namespace churnml {
namespace {

using ::testing::HasSubstr;

// Scores high to low with labels:
//   0.9:1  0.8:1  0.7:0  0.6:1  0.5:0  0.4:0  0.3:1  0.2:0   (4 positives)
const std::vector<double> kScores = {0.5, 0.9, 0.3, 0.7, 0.8, 0.2, 0.6, 0.4};
const std::vector<uint8_t> kLabels = {0, 1, 1, 0, 1, 0, 1, 0};

ThresholdChoice Choose(const std::string& goal) {
  Result<ThresholdGoal> g = ThresholdGoal::Parse(goal);
  EXPECT_TRUE(g.ok()) << g.status().ToString();
  Result<ThresholdChoice> c = ChooseThreshold(kLabels, kScores, *g);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return *c;
}

TEST(ChooseThreshold, F1PicksTheBestCutByHand) {
  // t=0.9 F1 2/5, 0.8: 2/3, 0.7: 4/7, 0.6: 3/4 (tp 3, fp 1, fn 1), 0.3: 2/3 ...
  const ThresholdChoice c = Choose("f1");
  EXPECT_DOUBLE_EQ(c.threshold, 0.6);
  EXPECT_DOUBLE_EQ(c.f1, 0.75);
  EXPECT_DOUBLE_EQ(c.precision, 0.75);
  EXPECT_DOUBLE_EQ(c.recall, 0.75);
}

TEST(ChooseThreshold, PrecisionTargetTakesTheLowestThresholdReachingIt) {
  // precision 1 at 0.8 (2/2); 0.75 at 0.6; 4/7 at 0.3.
  EXPECT_DOUBLE_EQ(Choose("precision=1").threshold, 0.8);
  EXPECT_DOUBLE_EQ(Choose("precision=0.7").threshold, 0.6);
  Result<ThresholdChoice> none =
      ChooseThreshold(std::vector<uint8_t>{0, 1}, std::vector<double>{0.9, 0.1},
                      *ThresholdGoal::Parse("precision=0.9"));
  EXPECT_THAT(none.status().message(), HasSubstr("no threshold reaches precision 0.9"));
}

TEST(ChooseThreshold, RecallTargetTakesTheHighestThresholdReachingIt) {
  EXPECT_DOUBLE_EQ(Choose("recall=0.5").threshold, 0.8);
  EXPECT_DOUBLE_EQ(Choose("recall=0.7").threshold, 0.6);
  EXPECT_DOUBLE_EQ(Choose("recall=1").threshold, 0.3);
}

TEST(ChooseThreshold, CostWeighsMissesAgainstContacts) {
  // FN costs 10, FP 1: catching every churner (t=0.3: fp 3) costs 3.
  const ThresholdChoice expensive_misses = Choose("cost=10:1");
  EXPECT_DOUBLE_EQ(expensive_misses.threshold, 0.3);
  EXPECT_DOUBLE_EQ(expensive_misses.cost, 3);
  // FN 1, FP 10: contacting nobody wrongly: t=0.8 (fn 2) costs 2.
  const ThresholdChoice expensive_contacts = Choose("cost=1:10");
  EXPECT_DOUBLE_EQ(expensive_contacts.threshold, 0.8);
  EXPECT_DOUBLE_EQ(expensive_contacts.cost, 2);
}

TEST(ChooseThreshold, TiedScoresCrossTogether) {
  // Two rows at 0.5, one of each class; a cut cannot split them.
  Result<ThresholdChoice> c =
      ChooseThreshold(std::vector<uint8_t>{1, 0, 1}, std::vector<double>{0.5, 0.5, 0.9},
                      *ThresholdGoal::Parse("recall=1"));
  ASSERT_TRUE(c.ok());
  EXPECT_DOUBLE_EQ(c->threshold, 0.5);
  EXPECT_DOUBLE_EQ(c->precision, 2.0 / 3.0);
}

TEST(ThresholdGoal, RefusesMalformedGoals) {
  for (const char* bad : {"f2", "precision=", "precision=1.5", "recall=0", "cost=1", "cost=0:1",
                          "cost=a:b", "accuracy=0.9"}) {
    Result<ThresholdGoal> g = ThresholdGoal::Parse(bad);
    ASSERT_FALSE(g.ok()) << bad;
    EXPECT_THAT(g.status().message(), HasSubstr("--threshold-for"));
  }
  EXPECT_EQ(ThresholdGoal::Parse("cost=5:1")->ToString(), "cost=5:1");
}

}  // namespace
}  // namespace churnml
