#include "eval/metrics_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <vector>

namespace churnml {
namespace {

using ::testing::HasSubstr;

BinaryMetrics Fixture() {
  const std::vector<uint8_t> labels = {0, 0, 1, 1};
  const std::vector<double> scores = {0.1, 0.4, 0.35, 0.8};
  return *ComputeBinaryMetrics(labels, scores, 0.5);
}

TEST(MetricsJson, HasTheDocumentedShape) {
  const nlohmann::json j = ToJson(Fixture());
  EXPECT_EQ(j["rows"], 4);
  EXPECT_EQ(j["positives"], 2);
  EXPECT_EQ(j["threshold"], 0.5);
  EXPECT_EQ(j["accuracy"], 0.75);
  EXPECT_EQ(j["precision"], 1.0);
  EXPECT_EQ(j["recall"], 0.5);
  EXPECT_EQ(j["roc_auc"], 0.75);
  EXPECT_DOUBLE_EQ(j["average_precision"].get<double>(), 5.0 / 6.0);
  EXPECT_TRUE(j["log_loss"].is_number());
  EXPECT_TRUE(j["brier_score"].is_number());
  EXPECT_EQ(j["confusion_matrix"], nlohmann::json({{"tn", 2}, {"fp", 0}, {"fn", 1}, {"tp", 1}}));
  const nlohmann::json& report = j["classification_report"];
  for (const char* key : {"0", "1", "macro_avg", "weighted_avg"}) {
    ASSERT_TRUE(report.contains(key)) << key;
    for (const char* field : {"precision", "recall", "f1", "support"}) {
      EXPECT_TRUE(report[key].contains(field)) << key << "." << field;
    }
  }
  EXPECT_EQ(report["1"]["support"], 2);
  EXPECT_EQ(report["accuracy"], 0.75);
  // Exactly these top-level keys (the contract in docs/metrics.md).
  std::vector<std::string> keys;
  for (const auto& item : j.items()) keys.push_back(item.key());
  EXPECT_THAT(keys, ::testing::UnorderedElementsAre("rows", "positives", "threshold", "accuracy",
                                                    "precision", "recall", "f1", "roc_auc",
                                                    "average_precision", "log_loss", "brier_score",
                                                    "confusion_matrix", "classification_report"));
}

TEST(MetricsJson, UndefinedRankingMetricsAreNull) {
  const std::vector<uint8_t> labels = {1, 1};
  const std::vector<double> scores = {0.3, 0.9};
  const nlohmann::json j = ToJson(*ComputeBinaryMetrics(labels, scores));
  EXPECT_TRUE(j["roc_auc"].is_null());
  EXPECT_TRUE(j["average_precision"].is_null());
}

TEST(MetricsJson, RoundTripsThroughText) {
  BinaryMetrics original = Fixture();
  Result<BinaryMetrics> read =
      BinaryMetricsFromJson(nlohmann::json::parse(ToJson(original).dump()));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(ToJson(*read), ToJson(original));
  EXPECT_EQ(read->confusion, original.confusion);
  EXPECT_EQ(read->roc_auc, original.roc_auc);

  original.roc_auc.reset();
  Result<BinaryMetrics> undefined = BinaryMetricsFromJson(ToJson(original));
  ASSERT_TRUE(undefined.ok());
  EXPECT_FALSE(undefined->roc_auc.has_value());
}

TEST(MetricsJson, ReadingNamesTheMissingOrMistypedKey) {
  nlohmann::json j = ToJson(Fixture());
  j["confusion_matrix"].erase("tp");
  Result<BinaryMetrics> missing = BinaryMetricsFromJson(j);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(missing.status().message(), HasSubstr("\"confusion_matrix.tp\" is missing"));

  j = ToJson(Fixture());
  j["classification_report"]["1"]["recall"] = "high";
  EXPECT_THAT(BinaryMetricsFromJson(j).status().message(),
              HasSubstr("\"classification_report.1.recall\" is not a number"));

  EXPECT_THAT(BinaryMetricsFromJson(nlohmann::json::array()).status().message(),
              HasSubstr("expected an object"));
}

TEST(FoldSummaryJson, HasMeanStdAndFoldsPerMetric) {
  BinaryMetrics a = Fixture();
  BinaryMetrics b = Fixture();
  b.accuracy = 0.25;
  b.roc_auc.reset();
  const nlohmann::json j = ToJson(*SummarizeFolds({a, b}));
  EXPECT_EQ(j["folds"], 2);
  EXPECT_DOUBLE_EQ(j["metrics"]["accuracy"]["mean"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(j["metrics"]["accuracy"]["std"].get<double>(), 0.25);
  EXPECT_EQ(j["metrics"]["accuracy"]["folds"], 2);
  EXPECT_EQ(j["metrics"]["roc_auc"]["folds"], 1);
  EXPECT_EQ(j["metrics"].size(), 8u);

  a.average_precision.reset();
  b.average_precision.reset();
  EXPECT_TRUE(ToJson(*SummarizeFolds({a, b}))["metrics"]["average_precision"].is_null());
}

}  // namespace
}  // namespace churnml
