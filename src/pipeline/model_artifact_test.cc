#include "pipeline/model_artifact.h"

#include <gtest/gtest.h>

#include "data/csv_loader.h"
#include "pipeline/test_support.h"
#include "pipeline/train.h"

namespace churnml {
namespace {

class ModelArtifactTest : public testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    ASSERT_TRUE(RegisterBuiltinModels(registry_).ok());
    data_ = Generate("data.csv", 3000, 5);
  }
  ModelRegistry registry_;
  std::string data_;
};

// Training keeps the fitted objects in memory only until Save; the loaded
// artifact must score exactly like an artifact built from the same parts.
TEST_F(ModelArtifactTest, ReloadedModelPredictsBitIdentically) {
  auto loaded = LoadCsv(data_, Schema::Telco());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const Dataset& data = loaded->dataset;
  for (const char* kind : {"logistic", "xgboost"}) {
    auto pre = Preprocessor::Fit(data, {});
    ASSERT_TRUE(pre.ok());
    auto x = pre->Transform(data);
    ASSERT_TRUE(x.ok());
    nlohmann::json h = std::string(kind) == "xgboost" ? nlohmann::json{{"n_estimators", 20}}
                                                      : nlohmann::json::object();
    auto model = registry_.Train(kind, *x, data.target(), h);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    ModelArtifact in_memory(Schema::Telco(), std::move(*pre), std::move(*model), 0.5, 0.26, {});
    std::vector<double> before;
    ASSERT_TRUE(in_memory.PredictProba(data, &before).ok());

    auto dir = dir_ / kind;
    ASSERT_TRUE(in_memory.Save(dir, ExistingPolicy::kFail).ok());
    auto reloaded = ModelArtifact::Load(dir, registry_);
    ASSERT_TRUE(reloaded.ok()) << reloaded.status().ToString();
    std::vector<double> after;
    ASSERT_TRUE((*reloaded)->PredictProba(data, &after).ok());
    ASSERT_EQ(before.size(), after.size());
    for (size_t i = 0; i < before.size(); ++i) {
      ASSERT_EQ(before[i], after[i]) << kind << " row " << i;  // exact, not near
    }
    EXPECT_EQ((*reloaded)->schema(), Schema::Telco());
    EXPECT_EQ((*reloaded)->positive_rate(), 0.26);
  }
}

TEST_F(ModelArtifactTest, MissingDirectoryIsNotFound) {
  auto r = ModelArtifact::Load(dir_ / "nope", registry_);
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("nope"), std::string::npos);
}

TEST_F(ModelArtifactTest, NewerFormatVersionIsRefusedWithClearMessage) {
  TrainOptions options;
  options.data_path = data_;
  options.out_dir = dir_ / "m";
  TrainReport report;
  ASSERT_TRUE(Train(options, registry_, &report).ok());
  auto doc = nlohmann::json::parse(*ReadFile(dir_ / "m" / "model.json"));
  doc["format_version"] = kArtifactFormatVersion + 1;
  ASSERT_TRUE(WriteFileAtomically(dir_ / "m" / "model.json", doc.dump()).ok());
  auto r = ModelArtifact::Load(dir_ / "m", registry_);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("format version 2"), std::string::npos)
      << r.status().message();
}

TEST_F(ModelArtifactTest, CorruptModelJsonNamesTheFile) {
  std::filesystem::create_directories(dir_ / "m");
  ASSERT_TRUE(WriteFileAtomically(dir_ / "m" / "model.json", "{not json").ok());
  auto r = ModelArtifact::Load(dir_ / "m", registry_);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("model.json"), std::string::npos);
}

}  // namespace
}  // namespace churnml
