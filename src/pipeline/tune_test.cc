#include "pipeline/tune.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>

#include "models/xgboost_model.h"
#include "pipeline/test_support.h"

namespace churnml {
namespace {

using ::testing::HasSubstr;

TEST(PlanHalving, KeepsAThirdOnThreeTimesTheRowsEachRung) {
  Result<std::vector<HalvingRung>> plan = PlanHalving(27, 27000, 3, 100);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->size(), 4u);
  const int candidates[] = {27, 9, 3, 1};
  const int64_t rows[] = {1000, 3000, 9000, 27000};
  for (size_t k = 0; k < 4; ++k) {
    EXPECT_EQ((*plan)[k].candidates, candidates[k]) << k;
    EXPECT_EQ((*plan)[k].rows, rows[k]) << k;
  }
}

TEST(PlanHalving, DropsRungsThatWouldSeeTooFewRowsAndRoundsCandidatesUp) {
  // 27000 / 27 = 1000 < 2000: three rungs, the first with every candidate.
  Result<std::vector<HalvingRung>> plan = PlanHalving(27, 27000, 3, 2000);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->size(), 3u);
  EXPECT_EQ((*plan)[0].candidates, 27);
  EXPECT_EQ((*plan)[0].rows, 3000);
  EXPECT_EQ((*plan)[2].rows, 27000);
  // 10 candidates: ceil(10/3) = 4, ceil(4/3) = 2.
  Result<std::vector<HalvingRung>> ten = PlanHalving(10, 9000, 3, 100);
  ASSERT_TRUE(ten.ok());
  ASSERT_EQ(ten->size(), 3u);
  EXPECT_EQ((*ten)[1].candidates, 4);
  EXPECT_EQ((*ten)[2].candidates, 2);
  // One candidate: one rung on every row.
  Result<std::vector<HalvingRung>> one = PlanHalving(1, 500, 3, 100);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].rows, 500);
  EXPECT_FALSE(PlanHalving(0, 500, 3, 100).ok());
  EXPECT_FALSE(PlanHalving(5, 50, 3, 100).ok());
}

TEST(PromoteBest, TakesTheBestScoresAndBreaksTiesByTrialId) {
  std::vector<TrialScore> scores = {{0, 0.7}, {1, 0.9}, {2, 0.8}, {3, 0.9}, {4, 0.1}};
  EXPECT_EQ(PromoteBest(scores, 3), (std::vector<int>{1, 3, 2}));
  EXPECT_EQ(PromoteBest(scores, 10).size(), 5u);
}

TEST(SampleConfigurations, IsSeededStaysInTheSearchRangeAndStartsWithTheDefaults) {
  const HyperparameterSpace space = XGBoostOptions::Space();
  const std::vector<nlohmann::json> a = SampleConfigurations(space, 20, 7);
  EXPECT_EQ(a, SampleConfigurations(space, 20, 7));
  EXPECT_NE(a, SampleConfigurations(space, 20, 8));
  EXPECT_EQ(a[0], nlohmann::json::object());
  std::set<double> rates;
  for (size_t t = 1; t < a.size(); ++t) {
    for (const HyperparameterSpec& spec : space) {
      if (spec.search == SearchScale::kNone) {
        EXPECT_FALSE(a[t].contains(spec.name)) << spec.name;
        continue;
      }
      ASSERT_TRUE(a[t].contains(spec.name)) << spec.name;
      const double v = a[t][spec.name].get<double>();
      EXPECT_GE(v, spec.search_min) << spec.name;
      EXPECT_LE(v, spec.search_max) << spec.name;
      EXPECT_TRUE(CheckHyperparameterValue(spec, a[t][spec.name], spec.name).ok());
    }
    rates.insert(a[t]["learning_rate"].get<double>());
  }
  EXPECT_EQ(rates.size(), 19u);
}

class TuneTest : public testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    ASSERT_TRUE(RegisterBuiltinModels(registry_).ok());
  }
  ModelRegistry registry_;
};

TEST_F(TuneTest, RunsEveryRungDeterministicallyWithTheBaselineOnEachRung) {
  TuneOptions options;
  options.data_path = Generate("tune.csv", 3000, 5);
  options.model_kind = "logistic";
  options.trials = 6;
  options.cv_folds = 2;
  options.min_rows = 200;
  options.parallelism = 2;
  TuneReport first, second;
  ASSERT_TRUE(Tune(options, registry_, &first).ok());
  options.parallelism = 1;
  ASSERT_TRUE(Tune(options, registry_, &second).ok());
  // 6 candidates: rungs of 6 and 2 (plus the baseline on rung 1).
  ASSERT_EQ(first.plan.size(), 2u);
  EXPECT_EQ(first.rungs_done, 2);
  int rung0 = 0, rung1 = 0;
  bool baseline_on_rung1 = false;
  for (const TrialResult& r : first.results) {
    (r.rung == 0 ? rung0 : rung1) += 1;
    if (r.rung == 1 && r.trial == 0) baseline_on_rung1 = true;
  }
  EXPECT_EQ(rung0, 6);
  EXPECT_TRUE(rung1 == 2 || rung1 == 3) << rung1;  // 2 promoted, plus the baseline if not one
  EXPECT_TRUE(baseline_on_rung1);
  ASSERT_TRUE(first.best && first.baseline);
  EXPECT_EQ(first.best->rung, 1);
  EXPECT_EQ(first.best->rows, first.train_rows);
  EXPECT_GE(*first.best->cv_metric, *first.baseline->cv_metric);
  EXPECT_EQ(first.best->trial, second.best->trial);
  EXPECT_EQ(*first.best->cv_metric, *second.best->cv_metric);
  EXPECT_FALSE(first.stopped);
}

TEST_F(TuneTest, AStopRequestKeepsFinishedTrials) {
  TuneOptions options;
  options.data_path = Generate("tune.csv", 2000, 6);
  options.model_kind = "logistic";
  options.trials = 9;
  options.cv_folds = 2;
  options.min_rows = 200;
  options.parallelism = 1;
  std::atomic<int> finished{0};
  options.on_trial = [&finished](const TrialResult&) { ++finished; };
  options.stop_requested = [&finished] { return finished.load() >= 3; };
  TuneReport report;
  ASSERT_TRUE(Tune(options, registry_, &report).ok());
  EXPECT_TRUE(report.stopped);
  EXPECT_GE(report.results.size(), 3u);
  EXPECT_LT(report.results.size(), 9u);
  ASSERT_TRUE(report.best.has_value());
  EXPECT_EQ(report.best->rung, 0);
}

TEST_F(TuneTest, RefusesAnUnknownMetric) {
  TuneOptions options;
  options.data_path = Generate("tune.csv", 500, 6);
  options.metric = "auc";
  TuneReport report;
  EXPECT_THAT(Tune(options, registry_, &report).message(), HasSubstr("--metric auc"));
}

}  // namespace
}  // namespace churnml
