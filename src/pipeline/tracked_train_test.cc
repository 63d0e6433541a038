#include "pipeline/tracked_train.h"

#include <gtest/gtest.h>

#include "pipeline/model_artifact.h"
#include "pipeline/test_support.h"

namespace churnml {
namespace {

class TrackedTrainTest : public testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    ASSERT_TRUE(RegisterBuiltinModels(registry_).ok());
    train_.data_path = Generate("train.csv", 2000, 21);
    train_.cv_folds = 3;
    tracking_.store.uri = (dir_ / "mlruns").string();
  }

  std::unique_ptr<tracking::TrackingStore> OpenStore() {
    auto store = tracking::TrackingStore::Open(tracking_.store);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return std::move(*store);
  }

  ModelRegistry registry_;
  TrainOptions train_;
  TrackingOptions tracking_;
};

TEST_F(TrackedTrainTest, RecordsAFinishedRunWithParamsMetricsDataAndArtifact) {
  TrainReport report;
  TrackedRun run;
  Status s = TrainTracked(train_, tracking_, registry_, &report, &run);
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto store = OpenStore();
  auto recorded = store->GetRun(run.run_id);
  ASSERT_TRUE(recorded.ok());
  EXPECT_EQ(recorded->status, tracking::RunStatus::kFinished);
  EXPECT_EQ(recorded->experiment, "default");
  EXPECT_EQ(recorded->params.at("model"), "logistic");
  EXPECT_EQ(recorded->params.at("penalty"), "l2");
  EXPECT_EQ(recorded->metrics.at("roc_auc").value, *report.test_metrics.roc_auc);
  ASSERT_TRUE(recorded->data.has_value());
  EXPECT_EQ(recorded->data->content_hash, report.data_fingerprint);
  EXPECT_EQ(recorded->data->row_count, 2000);
  // One cross-validation observation per fold, steps 0..2.
  auto history = store->GetMetricHistory(run.run_id, "cv_roc_auc");
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[2].step, 2);
  // The stored artifact loads and is the model the run trained.
  auto artifact = ModelArtifact::Load(run.artifact_path, registry_);
  ASSERT_TRUE(artifact.ok()) << artifact.status().ToString();
  EXPECT_EQ((*artifact)->metadata()["training"]["data_fingerprint"], report.data_fingerprint);
}

TEST_F(TrackedTrainTest, RegistersConsecutiveVersionsAndMovesTheAlias) {
  tracking_.register_model = "churn";
  tracking_.alias = "champion";
  TrainReport report;
  TrackedRun first, second;
  ASSERT_TRUE(TrainTracked(train_, tracking_, registry_, &report, &first).ok());
  train_.model_kind = "xgboost";
  train_.hyperparameters = {{"n_estimators", 20}};
  ASSERT_TRUE(TrainTracked(train_, tracking_, registry_, &report, &second).ok());
  EXPECT_EQ(first.version, 1);
  EXPECT_EQ(second.version, 2);
  auto store = OpenStore();
  auto path = store->ResolveModelUri("churn@champion");
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  EXPECT_EQ(*path, second.artifact_path);
  auto artifact = ModelArtifact::Load(*path, registry_);
  ASSERT_TRUE(artifact.ok());
  EXPECT_EQ((*artifact)->model().kind(), "xgboost");
  EXPECT_EQ(*store->ResolveModelUri("churn/1"), first.artifact_path);
}

TEST_F(TrackedTrainTest, FailedTrainingLeavesAFailedRunWithTheError) {
  train_.model_kind = "forest";
  TrainReport report;
  TrackedRun run;
  Status s = TrainTracked(train_, tracking_, registry_, &report, &run);
  ASSERT_FALSE(s.ok());
  auto store = OpenStore();
  auto recorded = store->GetRun(run.run_id);
  ASSERT_TRUE(recorded.ok());
  EXPECT_EQ(recorded->status, tracking::RunStatus::kFailed);
  EXPECT_NE(recorded->tags.at("error").find("forest"), std::string::npos);
  EXPECT_FALSE(recorded->artifact_path.has_value());
}

TEST_F(TrackedTrainTest, BadAliasIsRefusedBeforeAnyRunIsCreated) {
  tracking_.register_model = "churn";
  tracking_.alias = "123";
  TrainReport report;
  TrackedRun run;
  EXPECT_EQ(TrainTracked(train_, tracking_, registry_, &report, &run).code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(run.run_id.empty());
}

}  // namespace
}  // namespace churnml
