#include "pipeline/evaluate.h"

#include <gtest/gtest.h>

#include <fstream>

#include "data/csv_loader.h"
#include "pipeline/test_support.h"
#include "pipeline/train.h"

namespace churnml {
namespace {

class EvaluateTest : public testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    ASSERT_TRUE(RegisterBuiltinModels(registry_).ok());
  }

  std::shared_ptr<const ModelArtifact> TrainArtifact(const std::string& kind,
                                                     nlohmann::json hyperparameters) {
    TrainOptions options;
    options.data_path = Generate("train-" + kind + ".csv", 3000, 3);
    options.out_dir = dir_ / ("model-" + kind);
    options.model_kind = kind;
    options.hyperparameters = std::move(hyperparameters);
    TrainReport report;
    Status s = Train(options, registry_, &report);
    EXPECT_TRUE(s.ok()) << s.ToString();
    auto artifact = ModelArtifact::Load(options.out_dir, registry_);
    EXPECT_TRUE(artifact.ok()) << artifact.status().ToString();
    return *artifact;
  }

  ModelRegistry registry_;
};

// The streamed evaluation (many small chunks) gives the numbers of scoring
// the whole loaded file at once, bit for bit.
TEST_F(EvaluateTest, StreamedMetricsEqualWholeFileMetrics) {
  const std::string data = Generate("eval.csv", 20000, 9);
  for (const auto& [kind, hyperparameters] : std::vector<std::pair<std::string, nlohmann::json>>{
           {"logistic", nlohmann::json::object()}, {"xgboost", {{"n_estimators", 20}}}}) {
    const std::shared_ptr<const ModelArtifact> trained = TrainArtifact(kind, hyperparameters);
    const ModelArtifact& artifact = *trained;
    auto loaded = LoadCsv(data, artifact.schema());
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    std::vector<double> probabilities;
    ASSERT_TRUE(artifact.PredictProba(loaded->dataset, &probabilities).ok());
    auto whole = ComputeBinaryMetrics(loaded->dataset.target(), probabilities, 0.4);
    ASSERT_TRUE(whole.ok());

    EvaluateOptions options;
    options.data_path = data;
    options.threshold = 0.4;
    options.chunk_bytes = 64 << 10;  // about 40 chunks
    EvaluateReport report;
    Status s = Evaluate(artifact, options, &report);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(report.rows, 20000) << kind;
    EXPECT_EQ(report.metrics.roc_auc, whole->roc_auc) << kind;
    EXPECT_EQ(report.metrics.average_precision, whole->average_precision) << kind;
    EXPECT_EQ(report.metrics.log_loss, whole->log_loss) << kind;
    EXPECT_EQ(report.metrics.brier_score, whole->brier_score) << kind;
    EXPECT_EQ(report.metrics.accuracy, whole->accuracy) << kind;
    EXPECT_EQ(report.metrics.positives, whole->positives) << kind;
  }
}

TEST_F(EvaluateTest, AnInvalidRowFailsWithItsIssue) {
  const std::shared_ptr<const ModelArtifact> artifact =
      TrainArtifact("logistic", nlohmann::json::object());
  const std::string data = Generate("eval.csv", 500, 10);
  {
    std::ofstream out(data, std::ios::app);
    out << "BAD-1,Female,0,Yes,No,abc,Yes,No,DSL,No,Yes,No,No,No,No,Month-to-month,Yes,"
           "Electronic check,29.85,29.85,No\n";
  }
  EvaluateOptions options;
  options.data_path = data;
  EvaluateReport report;
  Status s = Evaluate(*artifact, options, &report);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  ASSERT_EQ(report.issues.count(), 1);
  EXPECT_EQ(report.issues.issues()[0].row, 501);
  EXPECT_EQ(report.issues.issues()[0].column, "tenure");
}

}  // namespace
}  // namespace churnml
