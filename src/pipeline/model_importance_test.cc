#include "pipeline/model_importance.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "common/strings.h"
#include "models/logistic_regression.h"
#include "pipeline/test_support.h"
#include "pipeline/train.h"

namespace churnml {
namespace {

class ModelImportanceTest : public testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    ASSERT_TRUE(RegisterBuiltinModels(registry_).ok());
    data_ = Generate("data.csv", 4000, 8);
  }

  std::shared_ptr<const ModelArtifact> TrainArtifact(const std::string& kind) {
    TrainOptions options;
    options.data_path = data_;
    options.model_kind = kind;
    if (kind == "xgboost") options.hyperparameters = {{"n_estimators", 30}, {"threads", 1}};
    options.out_dir = dir_ / kind;
    TrainReport report;
    Status s = Train(options, registry_, &report);
    EXPECT_TRUE(s.ok()) << s.ToString();
    auto artifact = ModelArtifact::Load(options.out_dir, registry_);
    EXPECT_TRUE(artifact.ok()) << artifact.status().ToString();
    return *artifact;
  }

  static double SharesSum(const ModelImportance& m) {
    double sum = 0;
    for (const auto& f : m.features) sum += f.share;
    return sum;
  }

  ModelRegistry registry_;
  std::string data_;
};

TEST_F(ModelImportanceTest, LogisticNamesEachCoefficientAndSumsMagnitudesPerFeature) {
  auto artifact = TrainArtifact("logistic");
  Result<ModelImportance> m = ComputeModelImportance(*artifact);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->method, "coefficient");
  const auto& model = dynamic_cast<const LogisticRegression&>(artifact->model());
  const std::vector<std::string>& names = artifact->preprocessor().feature_names();
  ASSERT_EQ(m->columns.size(), names.size());
  std::map<std::string, double> by_feature;
  for (const ColumnImportance& c : m->columns) {
    const size_t i = std::find(names.begin(), names.end(), c.name) - names.begin();
    ASSERT_LT(i, names.size()) << c.name;
    EXPECT_EQ(c.value, model.coefficients()[i]) << c.name;
    EXPECT_EQ(c.name.substr(0, c.feature.size()), c.feature);
    EXPECT_FALSE(c.average_gain.has_value());
    by_feature[c.feature] += std::fabs(c.value);
  }
  for (size_t i = 1; i < m->columns.size(); ++i) {
    EXPECT_GE(std::fabs(m->columns[i - 1].value), std::fabs(m->columns[i].value));
  }
  ASSERT_EQ(m->features.size(), 19u);  // the Telco schema's features
  for (const RawFeatureImportance& f : m->features) {
    EXPECT_NEAR(f.importance, by_feature[f.name], 1e-12) << f.name;
  }
  EXPECT_NEAR(SharesSum(*m), 1.0, 1e-12);
  EXPECT_EQ(m->intercept, model.intercept());
  // The generator's churn signal runs through the contract.
  std::vector<std::string> top;
  for (size_t i = 0; i < 5; ++i) top.push_back(m->features[i].name);
  EXPECT_NE(std::find(top.begin(), top.end(), "Contract"), top.end()) << Join(top, ", ");
}

// The total gain per feature, recomputed from the trees in the artifact's
// own xgboost_model.json: the sum of loss_changes of every split on it.
TEST_F(ModelImportanceTest, XGBoostTotalGainMatchesTheSplitsInTheModelFile) {
  auto artifact = TrainArtifact("xgboost");
  Result<ModelImportance> m = ComputeModelImportance(*artifact);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->method, "total_gain");
  EXPECT_FALSE(m->intercept.has_value());

  Result<std::string> text = ReadFile(dir_ / "xgboost" / "xgboost_model.json");
  ASSERT_TRUE(text.ok());
  const nlohmann::json doc = nlohmann::json::parse(*text);
  const std::vector<std::string>& names = artifact->preprocessor().feature_names();
  std::vector<double> gain(names.size(), 0.0);
  std::vector<int> splits(names.size(), 0);
  for (const auto& tree : doc["learner"]["gradient_booster"]["model"]["trees"]) {
    const auto& left = tree["left_children"];
    for (size_t node = 0; node < left.size(); ++node) {
      if (left[node].get<int>() < 0) continue;  // a leaf
      const size_t feature = tree["split_indices"][node].get<size_t>();
      gain[feature] += tree["loss_changes"][node].get<double>();
      ++splits[feature];
    }
  }
  ASSERT_EQ(m->columns.size(), names.size());
  int used = 0;
  for (const ColumnImportance& c : m->columns) {
    const size_t i = std::find(names.begin(), names.end(), c.name) - names.begin();
    ASSERT_LT(i, names.size());
    EXPECT_NEAR(c.value, gain[i], 1e-4 * std::max(1.0, gain[i])) << c.name;
    ASSERT_TRUE(c.average_gain.has_value());
    if (splits[i] > 0) {
      ++used;
      EXPECT_NEAR(*c.average_gain, gain[i] / splits[i], 1e-4 * std::max(1.0, gain[i])) << c.name;
    } else {
      EXPECT_EQ(c.value, 0.0) << c.name;
    }
  }
  EXPECT_GT(used, 5);
  EXPECT_NEAR(SharesSum(*m), 1.0, 1e-9);
  EXPECT_GT(m->features.front().importance, 0.0);
  EXPECT_EQ(
      m->features.back().share, m->features.back().importance / [&] {
        double t = 0;
        for (const auto& f : m->features) t += f.importance;
        return t;
      }());
}

TEST_F(ModelImportanceTest, JsonListsFeaturesAndColumns) {
  auto artifact = TrainArtifact("logistic");
  Result<ModelImportance> m = ComputeModelImportance(*artifact);
  ASSERT_TRUE(m.ok());
  const nlohmann::json j = m->ToJson();
  EXPECT_EQ(j["kind"], "logistic");
  EXPECT_EQ(j["method"], "coefficient");
  EXPECT_EQ(j["features"].size(), 19u);
  EXPECT_EQ(j["features"][0]["name"], m->features[0].name);
  EXPECT_EQ(j["columns"].size(), m->columns.size());
  EXPECT_TRUE(j.contains("intercept"));
  EXPECT_FALSE(j["columns"][0].contains("average_gain"));
}

}  // namespace
}  // namespace churnml
