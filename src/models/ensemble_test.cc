#include "models/ensemble.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <vector>

namespace churnml {
namespace {

double Logit(double p) { return std::log(p / (1 - p)); }
double Sigmoid(double z) { return 1 / (1 + std::exp(-z)); }

TEST(EnsembleWeights, EmptyMeansEqualWeights) {
  Result<std::vector<double>> w = NormalizeEnsembleWeights({}, 4);
  ASSERT_TRUE(w.ok()) << w.status().message();
  EXPECT_EQ(*w, std::vector<double>(4, 0.25));
}

TEST(EnsembleWeights, NormalisesToSumOne) {
  const std::vector<double> given = {0.7, 0.3 * 3};  // 0.7, 0.9
  Result<std::vector<double>> w = NormalizeEnsembleWeights(given, 2);
  ASSERT_TRUE(w.ok());
  EXPECT_DOUBLE_EQ((*w)[0], 0.7 / 1.6);
  EXPECT_DOUBLE_EQ((*w)[1], 0.9 / 1.6);
}

TEST(EnsembleWeights, RefusesAWrongCountNamingBoth) {
  const std::vector<double> given = {1, 2, 3};
  Result<std::vector<double>> w = NormalizeEnsembleWeights(given, 2);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("3 value(s) for 2 member(s)"), std::string::npos);
}

TEST(EnsembleWeights, RefusesZeroNegativeAndNonFiniteWeights) {
  for (double bad : std::vector<double>{0.0, -0.5, std::nan(""), INFINITY}) {
    const std::vector<double> given = {1.0, bad};
    Result<std::vector<double>> w = NormalizeEnsembleWeights(given, 2);
    ASSERT_FALSE(w.ok()) << bad;
    EXPECT_NE(w.status().message().find("weight 2"), std::string::npos);
  }
}

TEST(EnsembleModel, AverageIsTheWeightedMeanOfLogOdds) {
  auto model = EnsembleModel::Create(EnsembleMethod::kAverage, {0.75, 0.25}, 0.0);
  ASSERT_TRUE(model.ok()) << model.status().message();
  FeatureMatrix x(2, 2);
  x.at(0, 0) = 0.9;
  x.at(0, 1) = 0.2;
  x.at(1, 0) = 0.5;
  x.at(1, 1) = 0.5;
  std::vector<double> p(2);
  ASSERT_TRUE((*model)->PredictProba(x, p).ok());
  // logit(0.9) = 2.1972, logit(0.2) = -1.3863: 0.75 * 2.1972 + 0.25 * -1.3863 = 1.3013
  EXPECT_NEAR(p[0], Sigmoid(0.75 * Logit(0.9) + 0.25 * Logit(0.2)), 1e-15);
  EXPECT_NEAR(p[0], 0.7861, 1e-4);
  EXPECT_DOUBLE_EQ(p[1], 0.5);
}

TEST(EnsembleModel, StackingAddsTheBiasAndAllowsAnyWeights) {
  auto model = EnsembleModel::Create(EnsembleMethod::kStacking, {2.0, -0.5}, 0.3);
  ASSERT_TRUE(model.ok());
  const std::vector<double> row = {0.6, 0.1};
  EXPECT_NEAR((*model)->Margin(row), 0.3 + 2.0 * Logit(0.6) - 0.5 * Logit(0.1), 1e-12);
}

TEST(EnsembleModel, ClampsCertainMembersInsteadOfProducingInfinity) {
  auto model = EnsembleModel::Create(EnsembleMethod::kAverage, {0.5, 0.5}, 0.0);
  ASSERT_TRUE(model.ok());
  FeatureMatrix x(1, 2);
  x.at(0, 0) = 1.0;
  x.at(0, 1) = 0.0;
  std::vector<double> p(1);
  ASSERT_TRUE((*model)->PredictProba(x, p).ok());
  EXPECT_DOUBLE_EQ(p[0], 0.5);
}

TEST(EnsembleModel, AverageRefusesWeightsThatDoNotSumToOneOrABias) {
  EXPECT_FALSE(EnsembleModel::Create(EnsembleMethod::kAverage, {0.5, 0.6}, 0.0).ok());
  EXPECT_FALSE(EnsembleModel::Create(EnsembleMethod::kAverage, {0.5, 0.5}, 0.1).ok());
  EXPECT_FALSE(EnsembleModel::Create(EnsembleMethod::kAverage, {1.5, -0.5}, 0.0).ok());
}

TEST(EnsembleModel, RefusesTooFewOrTooManyMembers) {
  EXPECT_FALSE(EnsembleModel::Create(EnsembleMethod::kStacking, {1.0}, 0.0).ok());
  EXPECT_FALSE(
      EnsembleModel::Create(EnsembleMethod::kStacking, std::vector<double>(17, 0.1), 0.0).ok());
  EXPECT_TRUE(
      EnsembleModel::Create(EnsembleMethod::kStacking, std::vector<double>(16, 0.1), 0.0).ok());
}

TEST(EnsembleModel, FromJsonRefusesHostileValues) {
  using nlohmann::json;
  EXPECT_FALSE(EnsembleModel::FromJson(json::array()).ok());
  EXPECT_FALSE(
      EnsembleModel::FromJson({{"method", "vote"}, {"weights", {0.5, 0.5}}, {"bias", 0}}).ok());
  EXPECT_FALSE(
      EnsembleModel::FromJson({{"method", "stacking"}, {"weights", {1e7, 0.5}}, {"bias", 0}}).ok());
  EXPECT_FALSE(EnsembleModel::FromJson(
                   {{"method", "stacking"}, {"weights", {1, 1}}, {"bias", 0}, {"extra", 1}})
                   .ok());
  EXPECT_FALSE(
      EnsembleModel::FromJson({{"method", "stacking"}, {"weights", {1, "x"}}, {"bias", 0}}).ok());
  EXPECT_FALSE(EnsembleModel::FromJson({{"method", "stacking"}, {"weights", {1, 1}}}).ok());
}

TEST(EnsembleModel, SavesAndLoadsTheSameCoefficients) {
  auto model = EnsembleModel::Create(EnsembleMethod::kStacking, {1.25, 0.1 + 0.2}, -0.7);
  ASSERT_TRUE(model.ok());
  const auto dir =
      std::filesystem::temp_directory_path() /
      ("ensemble_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
       std::to_string(reinterpret_cast<uintptr_t>(&model)));
  std::filesystem::create_directories(dir);
  ASSERT_TRUE((*model)->Save(dir).ok());
  auto loaded = EnsembleModel::Load(ModelFiles::FromDirectory(dir));
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ((*loaded)->hyperparameters(), (*model)->hyperparameters());
}

// Labels drawn from sigmoid(1 + 2 * logit(a)): stacking recovers bias 1
// and weight 2 for the informative member, about 0 for the noise member.
TEST(EnsembleModel, StackingRecoversTheGeneratingLogisticModel) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0.02, 0.98), coin(0.0, 1.0);
  const size_t n = 20000;
  FeatureMatrix x(n, 2);
  std::vector<uint8_t> y(n);
  for (size_t i = 0; i < n; ++i) {
    x.at(i, 0) = u(rng);
    x.at(i, 1) = u(rng);
    y[i] = coin(rng) < Sigmoid(1.0 + 2.0 * Logit(x.at(i, 0))) ? 1 : 0;
  }
  auto model = EnsembleModel::FitStacking(x, y, 0.0);
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_NEAR((*model)->bias(), 1.0, 0.1);
  EXPECT_NEAR((*model)->weights()[0], 2.0, 0.1);
  EXPECT_NEAR((*model)->weights()[1], 0.0, 0.05);
}

TEST(EnsembleModel, StackingStaysFiniteWhenAMemberSeparatesTheRows) {
  FeatureMatrix x(4, 2);
  const std::vector<uint8_t> y = {0, 0, 1, 1};
  const double a[] = {0.1, 0.2, 0.8, 0.9}, b[] = {0.5, 0.4, 0.6, 0.5};
  for (size_t i = 0; i < 4; ++i) {
    x.at(i, 0) = a[i];
    x.at(i, 1) = b[i];
  }
  auto model = EnsembleModel::FitStacking(x, y);
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_TRUE(std::isfinite((*model)->weights()[0]));
  EXPECT_GT((*model)->weights()[0], 0.0);
}

TEST(EnsembleModel, StackingRefusesASingleClassAndNonProbabilities) {
  FeatureMatrix x(3, 2);
  EXPECT_FALSE(EnsembleModel::FitStacking(x, std::vector<uint8_t>{1, 1, 1}).ok());
  x.at(1, 1) = 1.5;
  EXPECT_FALSE(EnsembleModel::FitStacking(x, std::vector<uint8_t>{0, 1, 1}).ok());
}

}  // namespace
}  // namespace churnml
