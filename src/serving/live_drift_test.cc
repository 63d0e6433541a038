#include "serving/live_drift.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "data/csv_loader.h"
#include "models/model_files.h"
#include "pipeline/drift.h"
#include "pipeline/test_support.h"
#include "pipeline/train.h"

namespace churnml::serving {
namespace {

class LiveDriftTest : public churnml::testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    ASSERT_TRUE(RegisterBuiltinModels(registry_).ok());
    TrainOptions options;
    options.data_path = Generate("train.csv", 2000, 11);
    options.model_kind = "logistic";
    options.out_dir = dir_ / "model";
    TrainReport report;
    Status trained = Train(options, registry_, &report);
    ASSERT_TRUE(trained.ok()) << trained.ToString();
    auto artifact = ModelArtifact::Load(options.out_dir, registry_);
    ASSERT_TRUE(artifact.ok()) << artifact.status().ToString();
    model_ = MakeModel(*artifact, "1");
    auto profile = LoadReferenceProfile(*model_->artifact);
    ASSERT_TRUE(profile.ok()) << profile.status().ToString();
    profile_ = std::make_shared<const ReferenceProfile>(std::move(profile).value());
  }

  static std::shared_ptr<const ServedModel> MakeModel(std::shared_ptr<const ModelArtifact> artifact,
                                                      const std::string& version) {
    const Schema& schema = artifact->schema();
    return std::make_shared<const ServedModel>(
        ServedModel{.name = "churn",
                    .version = version,
                    .kind = "logistic",
                    .path = {},
                    .artifact = std::move(artifact),
                    .converter = RowConverter::ForSchema(schema, TargetPolicy::kIgnore),
                    .codec = nullptr,
                    .oip = nullptr,
                    .loaded_at = {}});
  }

  // Generated customers (shifted or not), loaded and scored by the model.
  void Rows(const std::string& name, int64_t rows, uint64_t seed, double shift, Dataset* data,
            std::vector<double>* scores) {
    std::string path = (dir_ / name).string();
    ASSERT_TRUE(GenerateCsv(path, {.rows = rows, .seed = seed, .shift = shift}).ok());
    auto loaded = LoadCsv(path, model_->artifact->schema());
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    *data = std::move(loaded->dataset);
    ASSERT_TRUE(ScoreInChunks(*model_->artifact, *data, scores).ok());
  }

  ModelRegistry registry_;
  std::shared_ptr<const ServedModel> model_;
  std::shared_ptr<const ReferenceProfile> profile_;
  ManualClock clock_;
};

LiveDriftOptions Options(int64_t min_rows = 10) {
  LiveDriftOptions options;
  options.window = std::chrono::seconds(600);
  options.buckets = 10;  // 60 s each
  options.min_rows = min_rows;
  return options;
}

TEST_F(LiveDriftTest, CountsEqualTheOfflineBinningAndPsiEqualsTheDriftCommand) {
  Dataset data(model_->artifact->schema());
  std::vector<double> scores;
  Rows("shifted.csv", 1500, 5, 1.0, &data, &scores);
  LiveDrift drift(Options(), clock_);
  drift.Restart(model_, profile_, "");
  drift.Record(*model_, data, scores);

  LiveDriftSnapshot snap = drift.Snapshot();
  ASSERT_TRUE(snap.enabled) << snap.reason;
  EXPECT_EQ(snap.rows, 1500);
  auto offline = BinLikeReference(*profile_, data, scores);
  ASSERT_TRUE(offline.ok());
  for (size_t f = 0; f < offline->features.size(); ++f) {
    EXPECT_EQ(snap.current.features[f].counts, offline->features[f].counts)
        << offline->features[f].name;
  }
  EXPECT_EQ(snap.current.score.counts, offline->score.counts);

  // The same rows through `churnml drift`'s path.
  DriftOptions options;
  options.data_path = dir_ / "shifted.csv";
  DriftReport report;
  ASSERT_TRUE(MeasureDrift(*model_->artifact, *profile_, options, &report).ok());
  ASSERT_EQ(report.comparison.features.size(), snap.comparison.features.size());
  for (size_t f = 0; f < report.comparison.features.size(); ++f) {
    EXPECT_DOUBLE_EQ(snap.comparison.features[f].psi, report.comparison.features[f].psi);
    EXPECT_EQ(snap.comparison.features[f].drifted, report.comparison.features[f].drifted);
  }
  ASSERT_TRUE(snap.comparison.score && report.comparison.score);
  EXPECT_DOUBLE_EQ(snap.comparison.score->psi, report.comparison.score->psi);
  EXPECT_GT(snap.comparison.score->psi, 0.25);
  EXPECT_TRUE(snap.comparison.dataset_drifted);
  EXPECT_NEAR(snap.mean_score, report.mean_score, 1e-5);

  std::string body;
  EXPECT_EQ(drift.ReportJson(&body), 200);
  auto json = nlohmann::json::parse(body);
  EXPECT_EQ(json["dataset_drift"], true);
  EXPECT_EQ(json["rows_read"], 1500);
  EXPECT_EQ(json["window"]["sufficient_rows"], true);
  EXPECT_DOUBLE_EQ(json["score"]["psi"].get<double>(), report.comparison.score->psi);
}

TEST_F(LiveDriftTest, UnshiftedTrafficStaysBelowTheThreshold) {
  Dataset data(model_->artifact->schema());
  std::vector<double> scores;
  Rows("same.csv", 3000, 99, 0.0, &data, &scores);
  LiveDrift drift(Options(), clock_);
  drift.Restart(model_, profile_, "");
  drift.Record(*model_, data, scores);
  LiveDriftSnapshot snap = drift.Snapshot();
  ASSERT_TRUE(snap.enabled);
  ASSERT_TRUE(snap.comparison.score);
  EXPECT_LT(snap.comparison.score->psi, 0.1);
  for (const HistogramDrift& d : snap.comparison.features) EXPECT_LT(d.psi, 0.1) << d.name;
  EXPECT_FALSE(snap.comparison.dataset_drifted);
}

TEST_F(LiveDriftTest, ThreadsAreMergedAtScrape) {
  Dataset data(model_->artifact->schema());
  std::vector<double> scores;
  Rows("rows.csv", 800, 3, 0.5, &data, &scores);
  LiveDrift drift(Options(), clock_);
  drift.Restart(model_, profile_, "");
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) drift.Record(*model_, data, scores);
    });
  }
  for (std::thread& t : threads) t.join();
  LiveDriftSnapshot snap = drift.Snapshot();
  EXPECT_EQ(snap.rows, 4 * 5 * 800);
  auto offline = BinLikeReference(*profile_, data, scores);
  ASSERT_TRUE(offline.ok());
  for (size_t b = 0; b < offline->score.counts.size(); ++b) {
    EXPECT_EQ(snap.current.score.counts[b], 20 * offline->score.counts[b]);
  }
}

TEST_F(LiveDriftTest, OldBucketsLeaveTheWindow) {
  Dataset data(model_->artifact->schema());
  std::vector<double> scores;
  Rows("rows.csv", 100, 4, 0.0, &data, &scores);
  LiveDrift drift(Options(), clock_);
  drift.Restart(model_, profile_, "");
  drift.Record(*model_, data, scores);  // bucket 0
  clock_.Advance(std::chrono::seconds(300));
  drift.Record(*model_, data, scores);
  drift.Record(*model_, data, scores);
  EXPECT_EQ(drift.Snapshot().rows, 300);
  clock_.Advance(std::chrono::seconds(330));  // the first bucket is now over 10 minutes old
  EXPECT_EQ(drift.Snapshot().rows, 200);
  // A bucket's slot comes round again: recycled, not added to.
  clock_.Advance(std::chrono::seconds(270));
  drift.Record(*model_, data, scores);
  EXPECT_EQ(drift.Snapshot().rows, 100);
  clock_.Advance(std::chrono::hours(2));
  EXPECT_EQ(drift.Snapshot().rows, 0);
}

TEST_F(LiveDriftTest, RestartOnSwapAndRowsOfOtherModelsAreIgnored) {
  Dataset data(model_->artifact->schema());
  std::vector<double> scores;
  Rows("rows.csv", 100, 4, 0.0, &data, &scores);
  LiveDrift drift(Options(), clock_);
  drift.Restart(model_, profile_, "");
  drift.Record(*model_, data, scores);
  EXPECT_EQ(drift.Snapshot().rows, 100);

  auto next = MakeModel(model_->artifact, "2");
  drift.Restart(next, profile_, "");
  EXPECT_EQ(drift.Snapshot().rows, 0);
  EXPECT_EQ(drift.Snapshot().version, "2");
  drift.Record(*model_, data, scores);  // an in-flight request of the old version
  EXPECT_EQ(drift.Snapshot().rows, 0);
  drift.Record(*next, data, scores);
  EXPECT_EQ(drift.Snapshot().rows, 100);
}

TEST_F(LiveDriftTest, ModelWithoutProfileDisablesDrift) {
  LiveDrift drift(Options(), clock_);
  drift.Restart(model_, nullptr, "model churn version 1 has no reference profile");
  Dataset data(model_->artifact->schema());
  std::vector<double> scores;
  Rows("rows.csv", 50, 4, 0.0, &data, &scores);
  drift.Record(*model_, data, scores);
  LiveDriftSnapshot snap = drift.Snapshot();
  EXPECT_FALSE(snap.enabled);
  std::string body;
  EXPECT_EQ(drift.ReportJson(&body), 404);
  auto json = nlohmann::json::parse(body);
  EXPECT_EQ(json["drift_enabled"], false);
  EXPECT_NE(json["error"].get<std::string>().find("no reference profile"), std::string::npos);

  monitoring::MetricsRegistry registry;
  registry.AddCollector([&](monitoring::CollectorSink& sink) { drift.Collect(sink); });
  std::string text = registry.RenderText();
  EXPECT_NE(text.find("churnml_drift_enabled 0"), std::string::npos) << text;
  EXPECT_EQ(text.find("churnml_score_drift_psi"), std::string::npos);
}

TEST_F(LiveDriftTest, MetricsAppearOnlyWithEnoughRows) {
  Dataset data(model_->artifact->schema());
  std::vector<double> scores;
  Rows("shifted.csv", 300, 8, 1.0, &data, &scores);
  LiveDrift drift(Options(/*min_rows=*/500), clock_);
  drift.Restart(model_, profile_, "");
  monitoring::MetricsRegistry registry;
  registry.AddCollector([&](monitoring::CollectorSink& sink) { drift.Collect(sink); });

  drift.Record(*model_, data, scores);
  std::string text = registry.RenderText();
  EXPECT_NE(text.find("churnml_drift_window_rows 300"), std::string::npos) << text;
  EXPECT_EQ(text.find("churnml_score_drift_psi"), std::string::npos);
  std::string body;
  ASSERT_EQ(drift.ReportJson(&body), 200);
  EXPECT_EQ(nlohmann::json::parse(body)["window"]["sufficient_rows"], false);

  drift.Record(*model_, data, scores);
  text = registry.RenderText();
  EXPECT_NE(text.find("churnml_drift_window_rows 600"), std::string::npos) << text;
  EXPECT_NE(text.find("churnml_score_drift_psi "), std::string::npos) << text;
  EXPECT_NE(text.find("churnml_feature_drift_psi{feature=\"Contract\"}"), std::string::npos)
      << text;
}

TEST_F(LiveDriftTest, WindowZeroIsOff) {
  LiveDriftOptions options = Options();
  options.window = std::chrono::seconds(0);
  LiveDrift drift(options, clock_);
  EXPECT_FALSE(drift.active());
  drift.Restart(model_);
  EXPECT_FALSE(drift.Snapshot().enabled);
  LiveDriftOptions bad = Options();
  bad.min_rows = 0;
  EXPECT_FALSE(ValidateLiveDriftOptions(bad).ok());
  EXPECT_TRUE(ValidateLiveDriftOptions(Options()).ok());
}

}  // namespace
}  // namespace churnml::serving
