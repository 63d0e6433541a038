#include "models/calibration.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace churnml {
namespace {

using ::testing::HasSubstr;

double Logit(double p) { return std::log(p / (1 - p)); }

// Two score levels: the two-parameter fit passes exactly through each
// level's mean smoothed target, so a and b follow by hand.
TEST(Calibrator, PlattMatchesTheHandComputedFitOnTwoScoreLevels) {
  std::vector<double> scores;
  std::vector<uint8_t> labels;
  // 0.2: 10 rows, 3 positive; 0.7: 10 rows, 8 positive.
  for (int i = 0; i < 10; ++i) {
    scores.push_back(0.2);
    labels.push_back(i < 3);
    scores.push_back(0.7);
    labels.push_back(i < 8);
  }
  // 11 positives, 9 negatives: targets 12/13 and 1/11.
  const double tp = 12.0 / 13.0, tn = 1.0 / 11.0;
  const double r1 = (3 * tp + 7 * tn) / 10, r2 = (8 * tp + 2 * tn) / 10;
  const double f1 = Logit(0.2), f2 = Logit(0.7);
  const double w = (Logit(r2) - Logit(r1)) / (f2 - f1);
  const double c = Logit(r1) - w * f1;
  Result<Calibrator> cal = Calibrator::FitPlatt(scores, labels);
  ASSERT_TRUE(cal.ok()) << cal.status().ToString();
  EXPECT_NEAR(cal->a(), -w, 1e-9);
  EXPECT_NEAR(cal->b(), -c, 1e-9);
  EXPECT_NEAR(cal->Apply(0.2), r1, 1e-9);
  EXPECT_NEAR(cal->Apply(0.7), r2, 1e-9);
}

TEST(Calibrator, PlattStaysFiniteOnSeparableRows) {
  Result<Calibrator> cal = Calibrator::FitPlatt(std::vector<double>{0.1, 0.2, 0.8, 0.9},
                                                std::vector<uint8_t>{0, 0, 1, 1});
  ASSERT_TRUE(cal.ok()) << cal.status().ToString();
  EXPECT_TRUE(std::isfinite(cal->a()) && std::isfinite(cal->b()));
  EXPECT_LT(cal->Apply(0.1), 0.5);
  EXPECT_GT(cal->Apply(0.9), 0.5);
}

TEST(Calibrator, IsotonicPoolsAdjacentViolatorsAsByHand) {
  // Sorted labels 0 | 1 0 | 1: the middle pair pools to 0.5.
  Result<Calibrator> cal = Calibrator::FitIsotonic(std::vector<double>{0.4, 0.1, 0.3, 0.2},
                                                   std::vector<uint8_t>{1, 0, 0, 1});
  ASSERT_TRUE(cal.ok()) << cal.status().ToString();
  EXPECT_EQ(cal->knots_x(), (std::vector<double>{0.1, 0.2, 0.3, 0.4}));
  EXPECT_EQ(cal->knots_y(), (std::vector<double>{0.0, 0.5, 0.5, 1.0}));
  EXPECT_DOUBLE_EQ(cal->Apply(0.05), 0.0);   // clipped below
  EXPECT_DOUBLE_EQ(cal->Apply(0.15), 0.25);  // interpolated
  EXPECT_DOUBLE_EQ(cal->Apply(0.25), 0.5);
  EXPECT_DOUBLE_EQ(cal->Apply(0.35), 0.75);
  EXPECT_DOUBLE_EQ(cal->Apply(0.99), 1.0);  // clipped above
}

TEST(Calibrator, IsotonicPoolsEqualScoresFirst) {
  // Three rows at 0.5 (one positive), then a positive at 0.9.
  Result<Calibrator> cal = Calibrator::FitIsotonic(std::vector<double>{0.5, 0.5, 0.5, 0.9},
                                                   std::vector<uint8_t>{1, 0, 0, 1});
  ASSERT_TRUE(cal.ok()) << cal.status().ToString();
  EXPECT_EQ(cal->knots_x(), (std::vector<double>{0.5, 0.9}));
  ASSERT_EQ(cal->knots_y().size(), 2u);
  EXPECT_DOUBLE_EQ(cal->knots_y()[0], 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(cal->knots_y()[1], 1.0);
}

TEST(Calibrator, JsonRoundTripAppliesIdentically) {
  for (auto fit : {&Calibrator::FitPlatt, &Calibrator::FitIsotonic}) {
    Result<Calibrator> cal = fit(std::vector<double>{0.1, 0.3, 0.35, 0.6, 0.8, 0.9},
                                 std::vector<uint8_t>{0, 1, 0, 0, 1, 1});
    ASSERT_TRUE(cal.ok());
    Result<Calibrator> back = Calibrator::FromJson(cal->ToJson(), "calibration.json");
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    for (double s : {0.0, 0.2, 0.33, 0.7, 1.0}) EXPECT_EQ(back->Apply(s), cal->Apply(s));
  }
}

TEST(Calibrator, RefusesHostileBlocksWithOneLine) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<std::pair<nlohmann::json, std::string>> cases = {
      {nlohmann::json::array(), "expected a JSON object"},
      {{{"method", "sigmoid"}}, "unknown calibration method"},
      {{{"method", "platt"}, {"a", 1}}, "\"a\" and \"b\""},
      {{{"method", "platt"}, {"a", 1e300}, {"b", 0}}, "not a finite number"},
      {{{"method", "platt"}, {"a", 1}, {"b", 0}, {"c", 2}}, "unknown field \"c\""},
      {{{"method", "isotonic"}, {"x", {0.1, 0.2}}, {"y", {0.5}}}, "equal length"},
      {{{"method", "isotonic"}, {"x", {0.2, 0.1}}, {"y", {0.1, 0.2}}}, "strictly increasing"},
      {{{"method", "isotonic"}, {"x", {0.1, 0.2}}, {"y", {0.6, 0.2}}}, "decreases"},
      {{{"method", "isotonic"}, {"x", {0.1, 1.5}}, {"y", {0.1, 0.2}}}, "in [0, 1]"},
      {{{"method", "isotonic"}, {"x", {0.1, nan}}, {"y", {0.1, 0.2}}}, "not a pair of finite"},
      {{{"method", "isotonic"}, {"x", {0.1, "a"}}, {"y", {0.1, 0.2}}}, "non-number"},
      {{{"method", "isotonic"},
        {"x", std::vector<double>(kMaxIsotonicKnots + 1, 0.5)},
        {"y", std::vector<double>(kMaxIsotonicKnots + 1, 0.5)}},
       "more than"},
  };
  for (const auto& [doc, expected] : cases) {
    Result<Calibrator> c = Calibrator::FromJson(doc, "m/calibration.json");
    ASSERT_FALSE(c.ok()) << doc.dump().substr(0, 80);
    EXPECT_THAT(c.status().message(), HasSubstr("m/calibration.json"));
    EXPECT_THAT(c.status().message(), HasSubstr(expected)) << doc.dump().substr(0, 80);
    EXPECT_EQ(c.status().message().find('\n'), std::string::npos);
  }
}

TEST(Calibrator, FitRefusesASingleClass) {
  EXPECT_THAT(Calibrator::FitIsotonic(std::vector<double>{0.1, 0.2}, std::vector<uint8_t>{1, 1})
                  .status()
                  .message(),
              HasSubstr("both classes"));
}

}  // namespace
}  // namespace churnml
