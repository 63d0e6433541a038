#include "models/contributions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "models/logistic_regression.h"
#include "models/test_problem.h"
#include "models/xgboost_model.h"

namespace churnml {
namespace {

using ::testing::HasSubstr;

// |base + sum - margin| within 1e-6 relative to the margin (absolute below 1).
void ExpectAdditive(const std::vector<double>& contributions, const std::vector<double>& margins,
                    size_t cols) {
  for (size_t r = 0; r < margins.size(); ++r) {
    double sum = 0.0;
    for (size_t j = 0; j <= cols; ++j) sum += contributions[r * (cols + 1) + j];
    ASSERT_NEAR(sum, margins[r], 1e-6 * std::max(1.0, std::abs(margins[r]))) << "row " << r;
  }
}

TEST(Contributions, LogisticIsWeightTimesDistanceFromTheMean) {
  testing::Problem p = testing::LinearProblem(2000, 5);
  auto m = LogisticRegression::Train(p.x, p.y, {});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const std::vector<double> means = {0.1, -0.2, 0.3};
  std::vector<double> out(p.x.rows() * 4);
  ASSERT_TRUE(PredictContributions(**m, p.x, means, out).ok());
  const auto w = (*m)->coefficients();
  const double base = (*m)->intercept() + w[0] * 0.1 - w[1] * 0.2 + w[2] * 0.3;
  for (size_t r = 0; r < 5; ++r) {
    for (size_t j = 0; j < 3; ++j) {
      EXPECT_DOUBLE_EQ(out[r * 4 + j], w[j] * (p.x.at(r, j) - means[j]));
    }
    EXPECT_DOUBLE_EQ(out[r * 4 + 3], base);
  }
}

TEST(Contributions, LogisticAddsUpToTheMarginOnTenThousandRows) {
  testing::Problem p = testing::LinearProblem(10000, 6);
  auto m = LogisticRegression::Train(p.x, p.y, {});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  std::vector<double> margins(p.x.rows()), proba(p.x.rows()), out(p.x.rows() * 4);
  ASSERT_TRUE(PredictMargin(**m, p.x, margins).ok());
  ASSERT_TRUE((*m)->PredictProba(p.x, proba).ok());
  for (size_t r = 0; r < proba.size(); ++r) {
    ASSERT_DOUBLE_EQ(proba[r], 1.0 / (1.0 + std::exp(-margins[r])));
  }
  ASSERT_TRUE(PredictContributions(**m, p.x, std::vector<double>{0.5, 0.0, -0.5}, out).ok());
  ExpectAdditive(out, margins, 3);
}

TEST(Contributions, XGBoostTreeShapAddsUpToTheMarginOnTenThousandRows) {
  testing::Problem train = testing::XorProblem(5000, 7);
  XGBoostOptions o;
  o.n_estimators = 100;
  o.max_depth = 6;
  o.threads = 1;
  auto m = XGBoostModel::Train(train.x, train.y, o);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  testing::Problem p = testing::XorProblem(10000, 8);
  std::vector<double> margins(p.x.rows()), proba(p.x.rows()), out(p.x.rows() * 3);
  ASSERT_TRUE(PredictMargin(**m, p.x, margins).ok());
  ASSERT_TRUE((*m)->PredictProba(p.x, proba).ok());
  for (size_t r = 0; r < proba.size(); ++r) {
    // XGBoost computes in float: the sigmoid of the margin agrees to float precision.
    ASSERT_NEAR(proba[r], 1.0 / (1.0 + std::exp(-margins[r])), 1e-6) << "row " << r;
  }
  ASSERT_TRUE(PredictContributions(**m, p.x, {}, out).ok());
  ExpectAdditive(out, margins, 2);
  // The bias is the same for every row; both features matter for XOR.
  double sum_abs0 = 0, sum_abs1 = 0;
  for (size_t r = 0; r < p.x.rows(); ++r) {
    ASSERT_EQ(out[r * 3 + 2], out[2]);
    sum_abs0 += std::abs(out[r * 3]);
    sum_abs1 += std::abs(out[r * 3 + 1]);
  }
  EXPECT_GT(sum_abs0, 0.1 * static_cast<double>(p.x.rows()));
  EXPECT_GT(sum_abs1, 0.1 * static_cast<double>(p.x.rows()));
}

TEST(Contributions, XGBoostNoiseFeatureGetsLessThanSignal) {
  testing::Problem p = testing::LinearProblem(3000, 9);
  XGBoostOptions o;
  o.n_estimators = 30;
  o.max_depth = 3;
  o.threads = 1;
  auto m = XGBoostModel::Train(p.x, p.y, o);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  std::vector<double> out(p.x.rows() * 4);
  ASSERT_TRUE(PredictContributions(**m, p.x, {}, out).ok());
  double abs[3] = {0, 0, 0};
  for (size_t r = 0; r < p.x.rows(); ++r) {
    for (size_t j = 0; j < 3; ++j) abs[j] += std::abs(out[r * 4 + j]);
  }
  EXPECT_GT(abs[0], abs[1]);  // weight 2 against weight 1
  EXPECT_GT(abs[1], 5 * abs[2]);
}

TEST(Contributions, RefusesWrongShapesAndMeans) {
  testing::Problem p = testing::LinearProblem(100, 10);
  auto m = LogisticRegression::Train(p.x, p.y, {});
  ASSERT_TRUE(m.ok());
  std::vector<double> short_out(10);
  Status s = PredictContributions(**m, p.x, std::vector<double>(3, 0.0), short_out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("100 rows need 400"));
  std::vector<double> out(400);
  s = PredictContributions(**m, p.x, std::vector<double>(2, 0.0), out);
  EXPECT_THAT(s.message(), HasSubstr("need 3 column means, got 2"));
  s = PredictContributions(**m, p.x, std::vector<double>{0.0, NAN, 0.0}, out);
  EXPECT_THAT(s.message(), HasSubstr("column mean 2"));
  FeatureMatrix wide(4, 5);
  std::vector<double> margins(4);
  s = PredictMargin(**m, wide, margins);
  EXPECT_THAT(s.message(), HasSubstr("expects 3 features, got 5"));
}

}  // namespace
}  // namespace churnml
