#include "pipeline/batch_explain.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "common/strings.h"
#include "data/csv_loader.h"
#include "pipeline/test_support.h"
#include "pipeline/train.h"

namespace churnml {
namespace {

using ::testing::HasSubstr;

class BatchExplainTest : public testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    ASSERT_TRUE(RegisterBuiltinModels(registry_).ok());
    TrainOptions options;
    options.data_path = Generate("train.csv", 3000, 3);
    options.model_kind = "logistic";
    options.out_dir = dir_ / "model";
    TrainReport report;
    ASSERT_TRUE(Train(options, registry_, &report).ok());
    auto artifact = ModelArtifact::Load(options.out_dir, registry_);
    ASSERT_TRUE(artifact.ok()) << artifact.status().ToString();
    artifact_ = *artifact;
  }

  std::vector<std::vector<std::string>> ReadLines(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::vector<std::vector<std::string>> lines;
    for (std::string line; std::getline(in, line);) {
      std::vector<std::string> fields;
      for (std::string_view field : Split(line, ',')) fields.emplace_back(field);
      lines.push_back(std::move(fields));
    }
    return lines;
  }

  ModelRegistry registry_;
  std::shared_ptr<const ModelArtifact> artifact_;
};

TEST_F(BatchExplainTest, WritesTheTopFeaturesOfEveryRowLargestFirst) {
  ExplainBatchOptions options;
  options.input_path = Generate("score.csv", 500, 8);
  options.output_path = dir_ / "why.csv";
  options.top_k = 3;
  options.chunk_bytes = 4096;  // many chunks
  ExplainBatchReport report;
  Status s = ExplainBatch(artifact_, options, &report);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(report.rows, 500);
  const auto lines = ReadLines(options.output_path);
  ASSERT_EQ(lines.size(), 501u);
  EXPECT_EQ(lines[0], (std::vector<std::string>{
                          "customerID", "probability", "prediction", "base_value", "top1_feature",
                          "top1_value", "top1_contribution", "top2_feature", "top2_value",
                          "top2_contribution", "top3_feature", "top3_value", "top3_contribution"}));
  std::vector<double> probabilities;
  auto data = LoadCsv(options.input_path, Schema::Telco());
  ASSERT_TRUE(data.ok());
  ASSERT_TRUE(artifact_->PredictProba(data->dataset, &probabilities).ok());
  for (size_t r = 1; r < lines.size(); ++r) {
    ASSERT_EQ(lines[r].size(), 13u) << "line " << r;
    EXPECT_EQ(lines[r][0], data->dataset.ids()[r - 1]);
    EXPECT_EQ(std::stod(lines[r][1]), probabilities[r - 1]);
    const double c1 = std::abs(std::stod(lines[r][6]));
    const double c2 = std::abs(std::stod(lines[r][9]));
    const double c3 = std::abs(std::stod(lines[r][12]));
    EXPECT_GE(c1, c2);
    EXPECT_GE(c2, c3);
    EXPECT_NE(lines[r][4], lines[r][7]);
  }
}

TEST_F(BatchExplainTest, AnInvalidRowStopsTheBatchNamingIt) {
  std::ofstream(dir_ / "bad.csv")
      << "customerID,gender,SeniorCitizen,Partner,Dependents,tenure,PhoneService,MultipleLines,"
         "InternetService,OnlineSecurity,OnlineBackup,DeviceProtection,TechSupport,StreamingTV,"
         "StreamingMovies,Contract,PaperlessBilling,PaymentMethod,MonthlyCharges,TotalCharges\n"
         "A-1,Female,0,Yes,No,abc,No,No phone service,DSL,No,Yes,No,No,No,No,Month-to-month,Yes,"
         "Electronic check,29.85,29.85\n";
  ExplainBatchOptions options;
  options.input_path = (dir_ / "bad.csv").string();
  options.output_path = dir_ / "why.csv";
  ExplainBatchReport report;
  Status s = ExplainBatch(artifact_, options, &report);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("tenure"));
  EXPECT_THAT(s.message(), HasSubstr("abc"));
  EXPECT_FALSE(std::filesystem::exists(options.output_path));
}

TEST_F(BatchExplainTest, TopKIsCappedAtTheFeatureCountAndZeroIsRefused) {
  ExplainBatchOptions options;
  options.input_path = Generate("few.csv", 5, 9);
  options.output_path = dir_ / "all.csv";
  options.top_k = 100;
  ExplainBatchReport report;
  ASSERT_TRUE(ExplainBatch(artifact_, options, &report).ok());
  EXPECT_EQ(report.top_k, 19u);
  EXPECT_EQ(ReadLines(options.output_path)[1].size(), 4u + 3u * 19u);
  options.top_k = 0;
  EXPECT_THAT(ExplainBatch(artifact_, options, &report).message(), HasSubstr("--top-k"));
}

}  // namespace
}  // namespace churnml
