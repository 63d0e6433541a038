#include "pipeline/tracked_train.h"

#include <gtest/gtest.h>

#include <fstream>

#include "pipeline/model_artifact.h"
#include "pipeline/test_support.h"

namespace churnml {
namespace {

namespace fs = std::filesystem;

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
  // Cross-validation: the mean and spread `train` prints are metrics of
  // their own; each fold is one step (1..3) of cv_roc_auc_fold.
  ASSERT_TRUE(report.cv.has_value());
  const FoldSummaryEntry* auc = report.cv->Find("roc_auc");
  ASSERT_NE(auc, nullptr);
  EXPECT_EQ(recorded->metrics.at("cv_roc_auc_mean").value, auc->summary->mean);
  EXPECT_EQ(recorded->metrics.at("cv_roc_auc_std").value, auc->summary->std);
  EXPECT_EQ(recorded->metrics.count("cv_roc_auc"), 0u);
  auto history = store->GetMetricHistory(run.run_id, "cv_roc_auc_fold");
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 3u);
  double sum = 0;
  for (size_t fold = 0; fold < 3; ++fold) {
    EXPECT_EQ((*history)[fold].step, static_cast<int64_t>(fold) + 1);
    EXPECT_EQ((*history)[fold].value, *report.cv_folds[fold].roc_auc);
    sum += (*history)[fold].value;
  }
  EXPECT_NEAR(sum / 3, auc->summary->mean, 1e-12);
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

TEST_F(TrackedTrainTest, RegisterArtifactValidatesRecordsAndRegistersAnUntrackedModel) {
  // Trained without tracking, then registered from its folder.
  train_.out_dir = dir_ / "untracked";
  TrainReport report;
  ASSERT_TRUE(Train(train_, registry_, &report).ok());
  RegisterArtifactOptions options;
  options.artifact_dir = train_.out_dir;
  options.store = tracking_.store;
  options.model_name = "churn";
  options.alias = "challenger";
  RegisteredArtifact registered;
  Status s = RegisterArtifact(options, registry_, &registered);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(registered.version, 1);
  EXPECT_EQ(registered.kind, "logistic");
  auto store = OpenStore();
  auto run = store->GetRun(registered.run_id);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->status, tracking::RunStatus::kFinished);
  EXPECT_EQ(run->tags.at("source"), "register");
  EXPECT_EQ(run->params.at("model"), "logistic");
  EXPECT_EQ(run->metrics.at("roc_auc").value, *report.test_metrics.roc_auc);
  EXPECT_EQ(run->metrics.at("cv_roc_auc_mean").value, report.cv->Find("roc_auc")->summary->mean);
  ASSERT_TRUE(run->data.has_value());
  EXPECT_EQ(run->data->content_hash, report.data_fingerprint);
  auto path = store->ResolveModelUri("churn@challenger");
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  EXPECT_EQ(*path, registered.artifact_path);
  EXPECT_NE(*path, fs::absolute(train_.out_dir));  // a copy inside the store
  auto loaded = ModelArtifact::Load(*path, registry_);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  auto version = store->GetModelVersion("churn", 1);
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(version->metrics.at("roc_auc"), *report.test_metrics.roc_auc);
}

TEST_F(TrackedTrainTest, RegisterArtifactRefusesABrokenFolderBeforeRecordingAnything) {
  fs::create_directories(dir_ / "broken");
  std::ofstream(dir_ / "broken" / "model.json") << R"({"format_version": 1, "kind": "logistic"})";
  RegisterArtifactOptions options;
  options.artifact_dir = dir_ / "broken";
  options.store = tracking_.store;
  options.model_name = "churn";
  RegisteredArtifact registered;
  Status s = RegisterArtifact(options, registry_, &registered);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("model.json"), std::string::npos) << s.message();
  EXPECT_TRUE(registered.run_id.empty());
  options.artifact_dir = dir_ / "missing";
  EXPECT_EQ(RegisterArtifact(options, registry_, &registered).code(), StatusCode::kNotFound);
  options.artifact_dir = dir_ / "broken";
  options.model_name = "bad name";
  EXPECT_EQ(RegisterArtifact(options, registry_, &registered).code(), StatusCode::kInvalidArgument);
  // Nothing reached the store.
  auto store = OpenStore();
  EXPECT_TRUE(store->ListRuns(tracking::RunQuery{})->empty());
  EXPECT_TRUE(store->ListModels()->empty());
}

}  // namespace
}  // namespace churnml
