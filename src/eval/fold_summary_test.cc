#include "eval/fold_summary.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace churnml {
namespace {

BinaryMetrics Fold(double accuracy, std::optional<double> roc_auc) {
  BinaryMetrics m;
  m.accuracy = accuracy;
  m.roc_auc = roc_auc;
  m.average_precision = roc_auc;
  return m;
}

TEST(SummarizeFolds, MeanAndPopulationStandardDeviation) {
  // accuracy 0.7, 0.8, 0.9: mean 0.8; deviations -0.1, 0, 0.1;
  // std = sqrt((0.01 + 0 + 0.01) / 3) = sqrt(0.006667) = 0.0816497.
  Result<FoldSummary> s = SummarizeFolds({Fold(0.7, 0.75), Fold(0.8, 0.85), Fold(0.9, 0.95)});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->folds, 3);
  const FoldSummaryEntry* accuracy = s->Find("accuracy");
  ASSERT_NE(accuracy, nullptr);
  ASSERT_TRUE(accuracy->summary.has_value());
  EXPECT_NEAR(accuracy->summary->mean, 0.8, 1e-12);
  EXPECT_NEAR(accuracy->summary->std, std::sqrt(0.02 / 3.0), 1e-12);
  EXPECT_EQ(accuracy->summary->folds, 3);
  EXPECT_NEAR(s->Find("roc_auc")->summary->mean, 0.85, 1e-12);
}

TEST(SummarizeFolds, ListsEveryScalarMetricInOrder) {
  Result<FoldSummary> s = SummarizeFolds({Fold(0.5, 0.5)});
  ASSERT_TRUE(s.ok());
  const std::vector<NamedMetric> expected = ScalarMetrics(BinaryMetrics{});
  ASSERT_EQ(s->metrics.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(s->metrics[i].name, expected[i].name);
  // One fold: the spread is zero.
  EXPECT_EQ(s->Find("accuracy")->summary->std, 0.0);
  EXPECT_EQ(s->Find("no_such_metric"), nullptr);
}

TEST(SummarizeFolds, UndefinedFoldsAreSkippedAndCounted) {
  // ROC AUC defined on two of three folds: mean (0.6 + 0.8) / 2 = 0.7, std 0.1.
  Result<FoldSummary> s = SummarizeFolds({Fold(0.7, 0.6), Fold(0.8, std::nullopt), Fold(0.9, 0.8)});
  ASSERT_TRUE(s.ok());
  const FoldSummaryEntry* auc = s->Find("roc_auc");
  ASSERT_TRUE(auc->summary.has_value());
  EXPECT_NEAR(auc->summary->mean, 0.7, 1e-12);
  EXPECT_NEAR(auc->summary->std, 0.1, 1e-12);
  EXPECT_EQ(auc->summary->folds, 2);
  EXPECT_EQ(s->Find("accuracy")->summary->folds, 3);
}

TEST(SummarizeFolds, MetricUndefinedOnEveryFoldHasNoSummary) {
  Result<FoldSummary> s = SummarizeFolds({Fold(0.7, std::nullopt), Fold(0.8, std::nullopt)});
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->Find("roc_auc")->summary.has_value());
  EXPECT_FALSE(s->Find("average_precision")->summary.has_value());
}

TEST(SummarizeFolds, NoFoldsIsInvalidArgument) {
  Result<FoldSummary> s = SummarizeFolds({});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), ::testing::HasSubstr("at least one fold"));
}

}  // namespace
}  // namespace churnml
