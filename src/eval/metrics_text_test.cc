#include "eval/metrics_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "common/strings.h"

namespace churnml {
namespace {

using ::testing::HasSubstr;

BinaryMetrics Fixture() {
  const std::vector<uint8_t> labels = {0, 0, 1, 1};
  const std::vector<double> scores = {0.1, 0.4, 0.35, 0.8};
  return *ComputeBinaryMetrics(labels, scores, 0.5);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  for (std::string_view line : Split(text, '\n')) lines.emplace_back(line);
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

TEST(FormatMetrics, ShowsCountsThresholdAndEveryMetric) {
  const std::string text = FormatMetrics(Fixture());
  EXPECT_EQ(
      text,
      "rows 4  positives 2 (50.0%)  threshold 0.5\n"
      "accuracy 0.7500     precision         1.0000     recall   0.5000     f1          0.6667\n"
      "roc_auc  0.7500     average_precision 0.8333     log_loss 0.4723     brier_score "
      "0.1581\n");
}

TEST(FormatMetrics, PrintsUndefinedForSingleClassData) {
  const std::vector<uint8_t> labels = {0, 0};
  const std::vector<double> scores = {0.2, 0.6};
  const std::string text = FormatMetrics(*ComputeBinaryMetrics(labels, scores));
  EXPECT_THAT(text, HasSubstr("roc_auc  undefined"));
  EXPECT_THAT(text, HasSubstr("average_precision undefined"));
}

TEST(FormatMetricsDetailed, AddsConfusionMatrixAndClassReport) {
  const std::string text = FormatMetricsDetailed(Fixture(), ClassNames{"No", "Yes"});
  EXPECT_THAT(text, HasSubstr(FormatMetrics(Fixture())));
  EXPECT_THAT(text, HasSubstr("confusion matrix (threshold 0.5)\n"
                              "               predicted No  predicted Yes\n"
                              "  actual No               2              0\n"
                              "  actual Yes              1              1\n"));
  EXPECT_THAT(text, HasSubstr("                precision     recall         f1    support\n"
                              "            No     0.6667     1.0000     0.8000          2\n"
                              "           Yes     1.0000     0.5000     0.6667          2\n"
                              "      accuracy                           0.7500          4\n"
                              "     macro avg     0.8333     0.7500     0.7333          4\n"
                              "  weighted avg     0.8333     0.7500     0.7333          4\n"));
}

TEST(FormatMetricsSideBySide, AlignsOneColumnPerNamedSet) {
  BinaryMetrics other = Fixture();
  other.accuracy = 0.5;
  other.roc_auc.reset();
  const std::string text = FormatMetricsSideBySide({{"logistic", Fixture()}, {"xgboost", other}});
  const std::vector<std::string> lines = Lines(text);
  ASSERT_EQ(lines.size(), 1u + 3u + 8u + 4u);
  EXPECT_EQ(lines[0], "metric             logistic    xgboost");
  EXPECT_EQ(lines[1], "rows                      4          4");
  EXPECT_EQ(lines[3], "threshold               0.5        0.5");
  EXPECT_EQ(lines[4], "accuracy             0.7500     0.5000");
  EXPECT_EQ(lines[8], "roc_auc              0.7500  undefined");
  EXPECT_EQ(lines[15], "tp                        1          1");
  for (const std::string& line : lines) EXPECT_EQ(line.size(), lines[0].size()) << line;
}

TEST(FormatMetricsSideBySide, WideNamesWidenTheirColumn) {
  const std::string text = FormatMetricsSideBySide(
      {{"a", Fixture()}, {"gradient_boosted_trees", Fixture()}, {"c", Fixture()}});
  const std::vector<std::string> lines = Lines(text);
  EXPECT_EQ(lines[0], "metric                  a  gradient_boosted_trees       c");
  for (const std::string& line : lines) EXPECT_EQ(line.size(), lines[0].size()) << line;
}

TEST(FormatFoldSummary, ShowsMeanStdAndPartialFolds) {
  BinaryMetrics a = Fixture();
  BinaryMetrics b = Fixture();
  b.accuracy = 0.25;
  b.roc_auc.reset();
  a.average_precision.reset();
  b.average_precision.reset();
  const std::string text = FormatFoldSummary(*SummarizeFolds({a, b}));
  EXPECT_THAT(text, HasSubstr("2 folds (mean +/- std)\n"));
  EXPECT_THAT(text, HasSubstr("accuracy          0.5000 +/- 0.2500\n"));
  EXPECT_THAT(text, HasSubstr("roc_auc           0.7500 +/- 0.0000  (1 of 2 folds)\n"));
  EXPECT_THAT(text, HasSubstr("average_precision undefined (no fold has both classes)\n"));
}

}  // namespace
}  // namespace churnml
