#include "models/model_registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "models/test_problem.h"

namespace churnml {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

ModelRegistry Builtins() {
  ModelRegistry r;
  EXPECT_TRUE(RegisterBuiltinModels(r).ok());
  return r;
}

TEST(ModelRegistry, ListsTheBuiltinKinds) {
  EXPECT_THAT(Builtins().kinds(), ElementsAre("logistic", "xgboost"));
}

TEST(ModelRegistry, UnknownKindListsTheValidOnes) {
  ModelRegistry r = Builtins();
  auto m = r.Load("forest", ModelFiles::FromDirectory("/nonexistent"));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(m.status().message(),
              HasSubstr("unknown model kind \"forest\" (valid: \"logistic\", \"xgboost\")"));
}

TEST(ModelRegistry, RejectsDuplicateRegistration) {
  ModelRegistry r = Builtins();
  EXPECT_EQ(RegisterBuiltinModels(r).code(), StatusCode::kAlreadyExists);
}

TEST(ModelRegistry, TrainsSavesAndLoadsEachKindByName) {
  ModelRegistry r = Builtins();
  testing::Problem p = testing::LinearProblem(600, 9);
  const nlohmann::json params[] = {{{"C", 2.0}}, {{"n_estimators", 5}, {"threads", 1}}};
  int i = 0;
  for (const std::string& kind : r.kinds()) {
    auto m = r.Train(kind, p.x, p.y, params[i++]);
    ASSERT_TRUE(m.ok()) << kind << ": " << m.status().ToString();
    EXPECT_EQ((*m)->kind(), kind);
    const auto dir = testing::FreshDir("registry-" + kind);
    ASSERT_TRUE((*m)->Save(dir).ok());
    auto loaded = r.Load(kind, ModelFiles::FromDirectory(dir));
    ASSERT_TRUE(loaded.ok()) << kind << ": " << loaded.status().ToString();
    std::vector<double> a(p.x.rows()), b(p.x.rows());
    ASSERT_TRUE((*m)->PredictProba(p.x, a).ok());
    ASSERT_TRUE((*loaded)->PredictProba(p.x, b).ok());
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(double)), 0) << kind;
    EXPECT_GT(testing::Accuracy(a, p.y), 0.9) << kind;
  }
}

TEST(ModelRegistry, LoadingOneKindFromAnotherKindsDirectoryFails) {
  ModelRegistry r = Builtins();
  testing::Problem p = testing::LinearProblem(200, 10);
  auto m = r.Train("logistic", p.x, p.y, nullptr);
  ASSERT_TRUE(m.ok());
  const auto dir = testing::FreshDir("registry-mixed");
  ASSERT_TRUE((*m)->Save(dir).ok());
  auto loaded = r.Load("xgboost", ModelFiles::FromDirectory(dir));
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("hyperparameters.json"));
}

TEST(ModelRegistry, TrainRejectsUnknownHyperparameter) {
  ModelRegistry r = Builtins();
  testing::Problem p = testing::LinearProblem(50, 11);
  EXPECT_THAT(r.Train("logistic", p.x, p.y, {{"solver", "sag"}}).status().message(),
              HasSubstr("unknown value \"sag\""));
}

}  // namespace
}  // namespace churnml
