#include "eval/binary_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace churnml {
namespace {

using ::testing::HasSubstr;

// scikit-learn's documented example (roc_auc_score / average_precision_score):
// y = [0, 0, 1, 1], scores = [0.1, 0.4, 0.35, 0.8].
const std::vector<uint8_t> kLabels = {0, 0, 1, 1};
const std::vector<double> kScores = {0.1, 0.4, 0.35, 0.8};

// Six rows with a three-way tie at 0.5 (two positives, one negative).
const std::vector<uint8_t> kTieLabels = {0, 1, 0, 1, 1, 0};
const std::vector<double> kTieScores = {0.2, 0.5, 0.5, 0.5, 0.9, 0.1};

TEST(RocAuc, MatchesHandComputedPairCount) {
  // Pairs (positive, negative): 0.35 > 0.1 yes, 0.35 > 0.4 no, 0.8 > 0.1 yes,
  // 0.8 > 0.4 yes → 3 of 4 pairs = 0.75.
  Result<double> auc = RocAuc(kLabels, kScores);
  ASSERT_TRUE(auc.ok()) << auc.status().ToString();
  EXPECT_DOUBLE_EQ(*auc, 0.75);
}

TEST(RocAuc, CountsTiesAsOneHalf) {
  // Positives 0.5, 0.5, 0.9; negatives 0.2, 0.5, 0.1 (3 × 3 = 9 pairs).
  // Each positive 0.5: beats 0.2 and 0.1 (2), ties 0.5 (0.5) → 2.5, twice = 5.
  // Positive 0.9 beats all three → 3. Total 8 / 9.
  // Trapezoids over distinct thresholds give the same: ROC points (0,0),
  // (0,1/3) at 0.9, (1/3,1) at 0.5, then (2/3,1), (1,1):
  // 1/3 · (1/3 + 1)/2 + 2/3 · 1 = 2/9 + 6/9 = 8/9.
  Result<double> auc = RocAuc(kTieLabels, kTieScores);
  ASSERT_TRUE(auc.ok()) << auc.status().ToString();
  EXPECT_DOUBLE_EQ(*auc, 8.0 / 9.0);
}

TEST(RocAuc, AllScoresTiedIsOneHalf) {
  const std::vector<uint8_t> labels = {0, 1, 0, 1};
  const std::vector<double> scores = {0.5, 0.5, 0.5, 0.5};
  EXPECT_DOUBLE_EQ(*RocAuc(labels, scores), 0.5);
}

TEST(RocAuc, PerfectAndReversedRankings) {
  const std::vector<uint8_t> labels = {0, 0, 1, 1};
  EXPECT_DOUBLE_EQ(*RocAuc(labels, std::vector<double>{0.1, 0.2, 0.8, 0.9}), 1.0);
  EXPECT_DOUBLE_EQ(*RocAuc(labels, std::vector<double>{0.9, 0.8, 0.2, 0.1}), 0.0);
}

TEST(RocAuc, OnlyOneClassIsFailedPrecondition) {
  const std::vector<uint8_t> labels = {0, 0, 0};
  const std::vector<double> scores = {0.1, 0.5, 0.9};
  Result<double> auc = RocAuc(labels, scores);
  ASSERT_FALSE(auc.ok());
  EXPECT_EQ(auc.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(auc.status().message(), HasSubstr("only one class"));
  EXPECT_THAT(auc.status().message(), HasSubstr("all labelled 0"));

  const std::vector<uint8_t> all_positive = {1, 1, 1};
  EXPECT_EQ(AveragePrecision(all_positive, scores).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST(AveragePrecision, MatchesScikitLearnExample) {
  // Descending: 0.8 (pos) → P = 1/1, R 0 → 1/2; 0.4 (neg) → R unchanged;
  // 0.35 (pos) → P = 2/3, R 1/2 → 1; 0.1 (neg) → R unchanged.
  // AP = 1/2 · 1 + 1/2 · 2/3 = 0.8333...
  Result<double> ap = AveragePrecision(kLabels, kScores);
  ASSERT_TRUE(ap.ok()) << ap.status().ToString();
  EXPECT_DOUBLE_EQ(*ap, 5.0 / 6.0);
}

TEST(AveragePrecision, GroupsTiedScoresIntoOneThreshold) {
  // Thresholds: 0.9 → tp 1, fp 0: P = 1, ΔR = 1/3.
  //             0.5 → tp 3, fp 1: P = 3/4, ΔR = 2/3 (both tied positives at once).
  // AP = 1/3 + 2/3 · 3/4 = 5/6. Taking the tie one row at a time would give a
  // different, order-dependent value.
  EXPECT_DOUBLE_EQ(*AveragePrecision(kTieLabels, kTieScores), 5.0 / 6.0);
  // All tied: one threshold with P = 2/4 and ΔR = 1.
  EXPECT_DOUBLE_EQ(
      *AveragePrecision(std::vector<uint8_t>{0, 1, 0, 1}, std::vector<double>{0.3, 0.3, 0.3, 0.3}),
      0.5);
}

TEST(LogLoss, MatchesHandComputedValue) {
  // -(ln(1 - 0.1) + ln(1 - 0.4) + ln(0.35) + ln(0.8)) / 4
  // = (0.1053605 + 0.5108256 + 1.0498221 + 0.2231436) / 4 = 0.4722880
  const double expected = -(std::log(0.9) + std::log(0.6) + std::log(0.35) + std::log(0.8)) / 4.0;
  EXPECT_NEAR(*LogLoss(kLabels, kScores), expected, 1e-12);
  EXPECT_NEAR(*LogLoss(kLabels, kScores), 0.4722880, 1e-6);
}

TEST(LogLoss, ClipsConfidentWrongPredictionsToEpsilon) {
  // p = 0 for a positive and p = 1 for a negative would be infinite. Clipped:
  //   positive, p = 1e-15:            -ln(1e-15)                  = 34.538776
  //   negative, p = fl(1 - 1e-15):    -ln(1 - fl(1 - 1e-15))      = 34.539576
  // (1 - 1e-15 rounds to 1 - 9.992e-16 in double, as in scikit-learn's clip);
  // mean = 34.539176.
  const std::vector<uint8_t> labels = {1, 0};
  const std::vector<double> wrong = {0.0, 1.0};
  Result<double> loss = LogLoss(labels, wrong);
  ASSERT_TRUE(loss.ok());
  EXPECT_TRUE(std::isfinite(*loss));
  const double expected = (-std::log(1e-15) - std::log(1.0 - (1.0 - 1e-15))) / 2.0;
  EXPECT_NEAR(*loss, expected, 1e-12);
  EXPECT_NEAR(*loss, 34.539176, 1e-6);
}

TEST(LogLoss, ClipsConfidentRightPredictionsToAlmostZero) {
  // p = 1 for a positive is clipped to 1 - 1e-15, costing about 1e-15, not 0.
  const std::vector<uint8_t> labels = {1, 0};
  const std::vector<double> right = {1.0, 0.0};
  Result<double> loss = LogLoss(labels, right);
  ASSERT_TRUE(loss.ok());
  EXPECT_GT(*loss, 0.0);
  EXPECT_LT(*loss, 2e-15);
}

TEST(BrierScore, MatchesHandComputedValue) {
  // (0.1² + 0.4² + 0.65² + 0.2²) / 4 = (0.01 + 0.16 + 0.4225 + 0.04) / 4 = 0.158125
  EXPECT_NEAR(*BrierScore(kLabels, kScores), 0.158125, 1e-15);
}

TEST(ConfusionMatrixAt, ScoreExactlyAtThresholdIsPositive) {
  const std::vector<uint8_t> labels = {1, 0, 0, 1};
  const std::vector<double> scores = {0.5, std::nextafter(0.5, 0.0), 0.5, 0.2};
  Result<ConfusionMatrix> c = ConfusionMatrixAt(labels, scores, 0.5);
  ASSERT_TRUE(c.ok());
  // 0.5 (1) → tp, 0.4999.. (0) → tn, 0.5 (0) → fp, 0.2 (1) → fn.
  EXPECT_EQ(*c, (ConfusionMatrix{.tn = 1, .fp = 1, .fn = 1, .tp = 1}));
}

TEST(ConfusionMatrixAt, ThresholdZeroPredictsAllPositiveAndOneOnlyCertainty) {
  const std::vector<uint8_t> labels = {0, 1, 0, 1};
  const std::vector<double> scores = {0.0, 0.3, 0.99, 1.0};
  EXPECT_EQ(*ConfusionMatrixAt(labels, scores, 0.0),
            (ConfusionMatrix{.tn = 0, .fp = 2, .fn = 0, .tp = 2}));
  EXPECT_EQ(*ConfusionMatrixAt(labels, scores, 1.0),
            (ConfusionMatrix{.tn = 2, .fp = 0, .fn = 1, .tp = 1}));
}

TEST(ConfusionMatrixAt, RejectsThresholdOutsideUnitInterval) {
  for (double t : {-0.1, 1.5, std::numeric_limits<double>::quiet_NaN()}) {
    Result<ConfusionMatrix> c = ConfusionMatrixAt(kLabels, kScores, t);
    ASSERT_FALSE(c.ok()) << t;
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(c.status().message(), HasSubstr("threshold"));
  }
}

TEST(ComputeBinaryMetrics, MatchesHandComputedFixture) {
  // At 0.5 only 0.8 is predicted positive: tn 2 (0.1, 0.4), fp 0, fn 1 (0.35), tp 1.
  Result<BinaryMetrics> r = ComputeBinaryMetrics(kLabels, kScores, 0.5);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const BinaryMetrics& m = *r;
  EXPECT_EQ(m.rows, 4);
  EXPECT_EQ(m.positives, 2);
  EXPECT_EQ(m.threshold, 0.5);
  EXPECT_EQ(m.confusion, (ConfusionMatrix{.tn = 2, .fp = 0, .fn = 1, .tp = 1}));
  EXPECT_DOUBLE_EQ(m.accuracy, 0.75);  // (2 + 1) / 4
  EXPECT_DOUBLE_EQ(m.precision, 1.0);  // 1 / (1 + 0)
  EXPECT_DOUBLE_EQ(m.recall, 0.5);     // 1 / (1 + 1)
  EXPECT_DOUBLE_EQ(m.f1, 2.0 / 3.0);   // 2 · 1 · 0.5 / 1.5
  EXPECT_DOUBLE_EQ(*m.roc_auc, 0.75);
  EXPECT_DOUBLE_EQ(*m.average_precision, 5.0 / 6.0);
  EXPECT_DOUBLE_EQ(m.log_loss, *LogLoss(kLabels, kScores));
  EXPECT_DOUBLE_EQ(m.brier_score, *BrierScore(kLabels, kScores));
}

TEST(ComputeBinaryMetrics, ClassificationReportMatchesHandComputation) {
  // Class 1: P = 1/1, R = 1/2, F1 = 2/3, support 2.
  // Class 0: P = tn/(tn+fn) = 2/3, R = tn/(tn+fp) = 1, F1 = 2·(2/3)/(5/3) = 0.8, support 2.
  // Macro: P (2/3 + 1)/2 = 5/6, R (1 + 1/2)/2 = 3/4, F1 (0.8 + 2/3)/2 = 11/15.
  // Weighted: supports are equal, so the same as macro.
  const ClassReport r = ComputeBinaryMetrics(kLabels, kScores)->report;
  EXPECT_DOUBLE_EQ(r.positive.precision, 1.0);
  EXPECT_DOUBLE_EQ(r.positive.recall, 0.5);
  EXPECT_DOUBLE_EQ(r.positive.f1, 2.0 / 3.0);
  EXPECT_EQ(r.positive.support, 2);
  EXPECT_DOUBLE_EQ(r.negative.precision, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(r.negative.recall, 1.0);
  EXPECT_DOUBLE_EQ(r.negative.f1, 0.8);
  EXPECT_EQ(r.negative.support, 2);
  EXPECT_DOUBLE_EQ(r.macro_avg.precision, 5.0 / 6.0);
  EXPECT_DOUBLE_EQ(r.macro_avg.recall, 0.75);
  EXPECT_DOUBLE_EQ(r.macro_avg.f1, 11.0 / 15.0);
  EXPECT_EQ(r.macro_avg.support, 4);
  EXPECT_DOUBLE_EQ(r.weighted_avg.f1, 11.0 / 15.0);
  EXPECT_DOUBLE_EQ(r.accuracy, 0.75);
}

TEST(ClassificationReport, WeightedAverageUsesSupport) {
  // labels 1,0,0,0 ; predicted (≥ 0.5) 1,1,0,0 → tn 2, fp 1, fn 0, tp 1.
  // Class 1: P 1/2, R 1, F1 2/3, support 1. Class 0: P 2/2 = 1, R 2/3, F1 0.8, support 3.
  // Weighted F1 = (3 · 0.8 + 1 · 2/3) / 4 = (2.4 + 0.6667) / 4 = 0.76667.
  const std::vector<uint8_t> labels = {1, 0, 0, 0};
  const std::vector<double> scores = {0.9, 0.6, 0.2, 0.1};
  Result<ClassReport> r = ClassificationReport(labels, scores);
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->weighted_avg.f1, (3 * 0.8 + 2.0 / 3.0) / 4.0);
  EXPECT_DOUBLE_EQ(r->weighted_avg.recall, 0.75);  // equals accuracy, as in scikit-learn
  EXPECT_DOUBLE_EQ(r->macro_avg.recall, (1.0 + 2.0 / 3.0) / 2.0);
}

TEST(ComputeBinaryMetrics, NoPredictedPositivesGivesZeroPrecision) {
  const std::vector<uint8_t> labels = {1, 0, 1};
  const std::vector<double> scores = {0.1, 0.2, 0.3};
  const BinaryMetrics m = *ComputeBinaryMetrics(labels, scores, 0.5);
  EXPECT_EQ(m.precision, 0.0);
  EXPECT_EQ(m.recall, 0.0);
  EXPECT_EQ(m.f1, 0.0);
  EXPECT_FALSE(std::isnan(m.report.negative.f1));
}

TEST(ComputeBinaryMetrics, OneClassLeavesRankingMetricsUndefined) {
  const std::vector<uint8_t> labels = {0, 0, 0};
  const std::vector<double> scores = {0.1, 0.7, 0.2};
  Result<BinaryMetrics> r = ComputeBinaryMetrics(labels, scores);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->roc_auc.has_value());
  EXPECT_FALSE(r->average_precision.has_value());
  // Everything else is defined: 2 of 3 right, no positives at all.
  EXPECT_DOUBLE_EQ(r->accuracy, 2.0 / 3.0);
  EXPECT_EQ(r->recall, 0.0);     // no actual positives
  EXPECT_EQ(r->precision, 0.0);  // tp 0, fp 1
  EXPECT_EQ(r->report.positive.support, 0);
}

TEST(InputValidation, EmptyInputIsInvalidArgument) {
  const std::vector<uint8_t> labels;
  const std::vector<double> scores;
  Result<BinaryMetrics> r = ComputeBinaryMetrics(labels, scores);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("empty"));
  EXPECT_EQ(RocAuc(labels, scores).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(LogLoss(labels, scores).status().code(), StatusCode::kInvalidArgument);
}

TEST(InputValidation, SizeMismatchNamesBothSizes) {
  const std::vector<uint8_t> labels = {0, 1, 1};
  const std::vector<double> scores = {0.1, 0.2};
  for (const Status& s : {ComputeBinaryMetrics(labels, scores).status(),
                          RocAuc(labels, scores).status(), BrierScore(labels, scores).status()}) {
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.message(), "labels has 3 values but probabilities has 2");
  }
}

TEST(InputValidation, ProbabilityOutsideUnitIntervalNamesIndex) {
  const std::vector<uint8_t> labels = {0, 1, 1};
  Result<BinaryMetrics> high = ComputeBinaryMetrics(labels, std::vector<double>{0.1, 0.2, 1.5});
  EXPECT_EQ(high.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(high.status().message(), "probabilities[2] is 1.5: probabilities must be in [0, 1]");
  Result<double> negative = AveragePrecision(labels, std::vector<double>{0.1, -0.25, 0.3});
  EXPECT_THAT(negative.status().message(), HasSubstr("probabilities[1] is -0.25"));
  Result<double> nan =
      LogLoss(labels, std::vector<double>{std::numeric_limits<double>::quiet_NaN(), 0.2, 0.3});
  EXPECT_EQ(nan.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(nan.status().message(), HasSubstr("probabilities[0]"));
}

TEST(InputValidation, LabelOtherThanZeroOrOneNamesIndex) {
  const std::vector<uint8_t> labels = {0, 2, 1};
  Result<BinaryMetrics> r = ComputeBinaryMetrics(labels, std::vector<double>{0.1, 0.2, 0.3});
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "labels[1] is 2: labels must be 0 or 1");
}

TEST(InputValidation, NegativeZeroIsAValidProbabilityTiedWithZero) {
  const std::vector<uint8_t> labels = {0, 1, 0, 1};
  const std::vector<double> scores = {-0.0, 0.0, 0.7, 0.9};
  // Descending: 0.9 (pos), 0.7 (neg), then {0.0 pos, -0.0 neg} tied.
  // Pairs: 0.9 beats both negatives (2); 0.0 vs 0.7 loses, vs -0.0 ties (0.5). 2.5 / 4.
  EXPECT_DOUBLE_EQ(*RocAuc(labels, scores), 0.625);
}

// O(n²) Mann-Whitney count and a straightforward AP, for checking the sorted
// implementation (including its radix path above 2,048 rows) on random data.
double BruteForceAuc(const std::vector<uint8_t>& y, const std::vector<double>& s) {
  double wins = 0;
  double pairs = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    if (!y[i]) continue;
    for (size_t j = 0; j < y.size(); ++j) {
      if (y[j]) continue;
      pairs += 1;
      wins += s[i] > s[j] ? 1.0 : (s[i] == s[j] ? 0.5 : 0.0);
    }
  }
  return wins / pairs;
}

double ReferenceAveragePrecision(const std::vector<uint8_t>& y, const std::vector<double>& s) {
  // For each distinct threshold t (descending): precision and recall of s >= t.
  std::vector<double> thresholds = s;
  std::sort(thresholds.rbegin(), thresholds.rend());
  thresholds.erase(std::unique(thresholds.begin(), thresholds.end()), thresholds.end());
  double positives = 0;
  for (uint8_t label : y) positives += label;
  double ap = 0;
  double previous_recall = 0;
  for (double t : thresholds) {
    double tp = 0;
    double predicted = 0;
    for (size_t i = 0; i < y.size(); ++i) {
      if (s[i] >= t) {
        predicted += 1;
        tp += y[i];
      }
    }
    const double recall = tp / positives;
    ap += (recall - previous_recall) * (tp / predicted);
    previous_recall = recall;
  }
  return ap;
}

TEST(RankingMetrics, AgreeWithBruteForceOnRandomTiedData) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int> bucket(0, 100);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (size_t n : {50u, 3000u}) {
    std::vector<uint8_t> y(n);
    std::vector<double> s(n);
    for (size_t i = 0; i < n; ++i) {
      s[i] = bucket(rng) / 100.0;  // many ties
      y[i] = unit(rng) < 0.2 + 0.6 * s[i] ? 1 : 0;
    }
    EXPECT_NEAR(*RocAuc(y, s), BruteForceAuc(y, s), 1e-12) << n;
    EXPECT_NEAR(*AveragePrecision(y, s), ReferenceAveragePrecision(y, s), 1e-12) << n;
  }
}

TEST(ScalarMetrics, ListsMetricsInStableOrder) {
  const BinaryMetrics m = *ComputeBinaryMetrics(kLabels, kScores);
  const std::vector<NamedMetric> metrics = ScalarMetrics(m);
  std::vector<std::string> names;
  names.reserve(metrics.size());
  for (const NamedMetric& metric : metrics) names.push_back(metric.name);
  EXPECT_THAT(names, ::testing::ElementsAre("accuracy", "precision", "recall", "f1", "roc_auc",
                                            "average_precision", "log_loss", "brier_score"));
  EXPECT_EQ(metrics[4].value, m.roc_auc);
}

}  // namespace
}  // namespace churnml
