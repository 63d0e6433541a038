#include "eval/metric_info.h"

#include <gtest/gtest.h>

#include "eval/binary_metrics.h"

namespace churnml {
namespace {

TEST(MetricCatalog, HasEveryScalarMetricUnderItsJsonName) {
  for (const NamedMetric& m : ScalarMetrics(BinaryMetrics{})) {
    EXPECT_NE(FindMetric(m.name), nullptr) << m.name;
  }
  EXPECT_EQ(FindMetric("pr_auc"), nullptr);
  EXPECT_EQ(FindMetric("brier"), nullptr);
}

TEST(MetricCatalog, NamesAreUnique) {
  auto catalog = MetricCatalog();
  for (size_t i = 0; i < catalog.size(); ++i) {
    for (size_t j = i + 1; j < catalog.size(); ++j) EXPECT_NE(catalog[i].name, catalog[j].name);
  }
}

TEST(GoalOf, ScoresAreMaximisedLossesAndTimesMinimised) {
  EXPECT_EQ(GoalOf("roc_auc"), MetricGoal::kMaximize);
  EXPECT_EQ(GoalOf("average_precision"), MetricGoal::kMaximize);
  EXPECT_EQ(GoalOf("f1"), MetricGoal::kMaximize);
  EXPECT_EQ(GoalOf("log_loss"), MetricGoal::kMinimize);
  EXPECT_EQ(GoalOf("brier_score"), MetricGoal::kMinimize);
  EXPECT_EQ(GoalOf("train_seconds"), MetricGoal::kMinimize);
}

TEST(GoalOf, CrossValidationKeysFollowTheirBaseAndSpreadIsMinimised) {
  EXPECT_EQ(GoalOf(CvMeanKey("roc_auc")), MetricGoal::kMaximize);
  EXPECT_EQ(GoalOf(CvFoldKey("roc_auc")), MetricGoal::kMaximize);
  EXPECT_EQ(GoalOf(CvMeanKey("log_loss")), MetricGoal::kMinimize);
  EXPECT_EQ(GoalOf(CvStdKey("roc_auc")), MetricGoal::kMinimize);
  EXPECT_EQ(GoalOf(CvStdKey("log_loss")), MetricGoal::kMinimize);
}

TEST(GoalOf, UnknownKeysGetNoGuessedDirection) {
  EXPECT_FALSE(GoalOf("my_error_rate").has_value());
  EXPECT_FALSE(GoalOf("latency_time").has_value());
  EXPECT_FALSE(GoalOf("cv_unknown_mean").has_value());
  EXPECT_FALSE(GoalOf("cv_roc_auc").has_value());
  EXPECT_FALSE(GoalOf("cv__mean").has_value());
}

TEST(CvKeys, SpellTheDerivedNames) {
  EXPECT_EQ(CvMeanKey("roc_auc"), "cv_roc_auc_mean");
  EXPECT_EQ(CvStdKey("roc_auc"), "cv_roc_auc_std");
  EXPECT_EQ(CvFoldKey("roc_auc"), "cv_roc_auc_fold");
}

TEST(CanonicalNameFor, MapsFormerSpellingsIncludingCvKeys) {
  EXPECT_EQ(CanonicalNameFor("pr_auc"), "average_precision");
  EXPECT_EQ(CanonicalNameFor("brier"), "brier_score");
  EXPECT_EQ(CanonicalNameFor("cv_pr_auc_mean"), "cv_average_precision_mean");
  EXPECT_FALSE(CanonicalNameFor("roc_auc").has_value());
  EXPECT_FALSE(CanonicalNameFor("nonsense").has_value());
}

TEST(HeadlineMetrics, LeadWithRocAucAndAreAllInTheCatalog) {
  auto headline = HeadlineMetrics();
  ASSERT_FALSE(headline.empty());
  EXPECT_EQ(headline.front(), "roc_auc");
  for (const auto& name : headline) EXPECT_NE(FindMetric(name), nullptr) << name;
}

}  // namespace
}  // namespace churnml
