#include "models/hyperparameters.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "models/model_registry.h"

namespace churnml {
namespace {

using ::testing::HasSubstr;

TEST(HyperparameterSpace, EveryBuiltinKindDeclaresValidDefaults) {
  ModelRegistry registry;
  ASSERT_TRUE(RegisterBuiltinModels(registry).ok());
  for (const std::string& kind : registry.kinds()) {
    Result<const HyperparameterSpace*> space = registry.Hyperparameters(kind);
    ASSERT_TRUE(space.ok());
    ASSERT_FALSE((*space)->empty()) << kind;
    nlohmann::json defaults = nlohmann::json::object();
    for (const HyperparameterSpec& spec : **space) {
      EXPECT_TRUE(CheckHyperparameterValue(spec, spec.default_value, spec.name).ok())
          << kind << " " << spec.name;
      EXPECT_FALSE(spec.help.empty()) << kind << " " << spec.name;
      if (spec.search == SearchScale::kLog) {
        EXPECT_GT(spec.search_min, 0) << spec.name;
      }
      if (spec.search != SearchScale::kNone) {
        EXPECT_GE(spec.search_min, spec.min) << spec.name;
        EXPECT_LE(spec.search_max, spec.max) << spec.name;
      }
      defaults[spec.name] = spec.default_value;
    }
    // The declared defaults are what the kind trains with when given nothing.
    testing::Test::RecordProperty("kind", kind);
    EXPECT_FALSE(registry.NeedsValidation(kind, defaults)) << kind;
  }
}

TEST(HyperparameterSpace, ParsesFlagTextByDeclaredTypeAndRange) {
  HyperparameterSpec depth = DeclareHyperparameter("max_depth", HyperparameterType::kInt, 6);
  depth.min = 1;
  depth.max = 64;
  EXPECT_EQ(HyperparameterFlag(depth), "--max-depth");
  EXPECT_EQ(*ParseHyperparameterValue(depth, "12", "--max-depth"), nlohmann::json(12));
  EXPECT_EQ(ParseHyperparameterValue(depth, "0", "--max-depth").status().message(),
            "--max-depth must be an integer in [1, 64], got 0");
  EXPECT_THAT(ParseHyperparameterValue(depth, "2.5", "--max-depth").status().message(),
              HasSubstr("got \"2.5\""));
  HyperparameterSpec eta = DeclareHyperparameter("learning_rate", HyperparameterType::kDouble, 0.3);
  eta.min = 0;
  eta.min_exclusive = true;
  eta.max = 1;
  EXPECT_EQ(*ParseHyperparameterValue(eta, "0.05", "--learning-rate"), nlohmann::json(0.05));
  EXPECT_THAT(ParseHyperparameterValue(eta, "0", "--learning-rate").status().message(),
              HasSubstr("a number in (0, 1]"));
  EXPECT_FALSE(ParseHyperparameterValue(eta, "nan", "--learning-rate").ok());
  HyperparameterSpec penalty = DeclareHyperparameter("penalty", HyperparameterType::kString, "l2");
  penalty.choices = {"l1", "l2"};
  EXPECT_EQ(ParseHyperparameterValue(penalty, "l3", "--penalty").status().message(),
            "--penalty must be one of l1, l2, got \"l3\"");
  penalty.flag = "-";
  EXPECT_EQ(HyperparameterFlag(penalty), "");
}

TEST(HyperparameterSpace, EarlyStoppingNeedsValidationRows) {
  ModelRegistry registry;
  ASSERT_TRUE(RegisterBuiltinModels(registry).ok());
  EXPECT_TRUE(registry.NeedsValidation("xgboost", {{"early_stopping_rounds", 10}}));
  EXPECT_FALSE(registry.NeedsValidation("xgboost", {{"early_stopping_rounds", 0}}));
  EXPECT_FALSE(registry.NeedsValidation("logistic", {{"C", 2.0}}));
}

}  // namespace
}  // namespace churnml
