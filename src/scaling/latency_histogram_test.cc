#include "scaling/latency_histogram.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace churnml::scaling {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// 100 requests: 50 under 100 ms, 40 more under 200 ms, 9 more under 500 ms,
// the last under 1 s.
std::vector<HistogramBucket> Hundred() {
  return {{0.1, 50}, {0.2, 90}, {0.5, 99}, {1, 100}, {kInf, 100}};
}

TEST(HistogramQuantile, InterpolatesInsideTheBucketThatHoldsTheRank) {
  // rank 99 is the last of bucket (0.2, 0.5] (9 there): 0.2 + 0.3 x 9/9.
  EXPECT_DOUBLE_EQ(HistogramQuantile(0.99, Hundred()), 0.5);
  // rank 95: 0.2 + 0.3 x (95 - 90) / 9.
  EXPECT_DOUBLE_EQ(HistogramQuantile(0.95, Hundred()), 0.2 + 0.3 * 5.0 / 9.0);
  // rank 90 is the last of (0.1, 0.2].
  EXPECT_DOUBLE_EQ(HistogramQuantile(0.9, Hundred()), 0.2);
  // The lowest bucket interpolates from 0: rank 25 of 50 in (0, 0.1].
  EXPECT_DOUBLE_EQ(HistogramQuantile(0.25, Hundred()), 0.05);
}

TEST(HistogramQuantile, ARankInThePlusInfBucketAnswersTheHighestFiniteBound) {
  // 90 of 100 requests took longer than 0.5 s.
  EXPECT_DOUBLE_EQ(HistogramQuantile(0.99, {{0.1, 10}, {0.5, 10}, {kInf, 100}}), 0.5);
}

TEST(HistogramQuantile, UndefinedCasesAsPrometheus) {
  EXPECT_TRUE(std::isnan(HistogramQuantile(0.99, {{0.1, 5}, {0.5, 10}})));  // no +Inf
  EXPECT_TRUE(std::isnan(HistogramQuantile(0.99, {{0.1, 0}, {kInf, 0}})));  // nothing observed
  EXPECT_TRUE(std::isnan(HistogramQuantile(0.99, {{kInf, 7}})));            // one bucket
  EXPECT_TRUE(std::isnan(HistogramQuantile(0.99, {})));
  EXPECT_TRUE(std::isnan(HistogramQuantile(std::nan(""), Hundred())));
  EXPECT_EQ(HistogramQuantile(-0.1, Hundred()), -kInf);
  EXPECT_EQ(HistogramQuantile(1.1, Hundred()), kInf);
}

TEST(HistogramQuantile, SortsMergesEqualBoundsAndTakesTheEnvelope) {
  EXPECT_DOUBLE_EQ(
      HistogramQuantile(0.99, {{kInf, 100}, {0.5, 99}, {1, 100}, {0.1, 50}, {0.2, 90}}), 0.5);
  // Two series of the same bound add up: (0, 0.1] holds 10, rank 5.
  EXPECT_DOUBLE_EQ(HistogramQuantile(0.5, {{0.1, 5}, {0.1, 5}, {kInf, 10}}), 0.05);
  // 0.2 counts 5 < 10 below it: raised to 10, so rank 12 lies in (0.2, 0.5]
  // with 10 there: 0.2 + 0.3 x 2/10 (0.34 without the envelope).
  EXPECT_DOUBLE_EQ(HistogramQuantile(0.6, {{0.1, 10}, {0.2, 5}, {0.5, 20}, {kInf, 20}}),
                   0.2 + 0.3 * 0.2);
}

TEST(HistogramQuantile, ALowestBoundAtOrBelowZeroIsTheAnswerInsideIt) {
  EXPECT_DOUBLE_EQ(HistogramQuantile(0.2, {{-1, 5}, {0.5, 10}, {kInf, 10}}), -1);
}

Result<LatencyHistogram> Read(const std::string& text) {
  Result<std::vector<PromSample>> samples = ParsePrometheusText(text);
  EXPECT_TRUE(samples.ok()) << samples.status().ToString();
  return ReadPredictionLatency(*samples);
}

std::string Bucket(const std::string& route, const std::string& le, double count) {
  return "churnml_http_request_duration_seconds_bucket{route=\"" + route + "\",le=\"" + le +
         "\"} " + std::to_string(count) + "\n";
}

TEST(ReadPredictionLatency, SumsThePredictionRoutesByBound) {
  Result<LatencyHistogram> h =
      Read(Bucket("/predict", "0.1", 5) + Bucket("/predict", "+Inf", 7) +
           Bucket("/predict/batch", "0.1", 1) + Bucket("/predict/batch", "+Inf", 3) +
           Bucket("/v2/health/ready", "0.1", 1000) + Bucket("/v2/health/ready", "+Inf", 1000) +
           "churnml_http_request_duration_seconds_count{route=\"/predict\"} 7\n");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ASSERT_EQ(h->buckets.size(), 2u);
  EXPECT_DOUBLE_EQ(h->buckets[0].upper_bound, 0.1);
  EXPECT_DOUBLE_EQ(h->buckets[0].count, 6);
  EXPECT_EQ(h->buckets[1].upper_bound, kInf);
  EXPECT_DOUBLE_EQ(h->Total(), 10);
}

TEST(ReadPredictionLatency, RefusesBucketsThatAreNotAHistogram) {
  Result<LatencyHistogram> down = Read(Bucket("/predict", "0.1", 9) + Bucket("/predict", "0.5", 4) +
                                       Bucket("/predict", "+Inf", 9));
  ASSERT_FALSE(down.ok());
  EXPECT_NE(
      down.status().message().find("route \"/predict\" is not a histogram: le=\"0.5\" counts 4"),
      std::string::npos)
      << down.status().message();
  EXPECT_FALSE(Read(Bucket("/predict", "0.1", 1) + Bucket("/predict", "0.5", 2)).ok());  // no +Inf
  Result<LatencyHistogram> bad_le =
      Read(Bucket("/predict", "fast", 1) + Bucket("/predict", "+Inf", 1));
  ASSERT_FALSE(bad_le.ok());
  EXPECT_NE(bad_le.status().message().find("le=\"fast\" is not a number"), std::string::npos);
  EXPECT_FALSE(Read(Bucket("/predict", "0.1", -1) + Bucket("/predict", "+Inf", 1)).ok());
  EXPECT_FALSE(Read("churnml_http_request_duration_seconds_bucket{route=\"/predict\",le=\"0.1\"} "
                    "NaN\n" +
                    Bucket("/predict", "+Inf", 1))
                   .ok());
  EXPECT_FALSE(Read(Bucket("/predict", "0.1", 1) + Bucket("/predict", "0.1", 1) +
                    Bucket("/predict", "+Inf", 1))
                   .ok());
  std::string many;
  for (size_t i = 0; i <= kMaxHistogramBuckets; ++i) {
    many += Bucket("/predict", std::to_string(i + 1), static_cast<double>(i));
  }
  Result<LatencyHistogram> too_many = Read(many + Bucket("/predict", "+Inf", 1000));
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.status().message().find("more than 128 buckets"), std::string::npos);
}

TEST(ReadPredictionLatency, NoPredictionBucketsIsAnEmptyHistogram) {
  Result<LatencyHistogram> h = Read(Bucket("/metrics", "+Inf", 4));
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->buckets.empty());
  EXPECT_EQ(h->Total(), 0);
}

TEST(HistogramIncrease, IsTheDifferenceBucketByBucket) {
  const LatencyHistogram before{{{0.1, 10}, {0.5, 15}, {kInf, 16}}};
  const LatencyHistogram after{{{0.1, 30}, {0.5, 40}, {kInf, 45}}};
  const std::optional<LatencyHistogram> d = HistogramIncrease(before, after);
  ASSERT_TRUE(d.has_value());
  EXPECT_DOUBLE_EQ(d->buckets[0].count, 20);
  EXPECT_DOUBLE_EQ(d->buckets[1].count, 25);
  EXPECT_DOUBLE_EQ(d->Total(), 29);
  // A replica that answered its first prediction since the last scrape.
  EXPECT_DOUBLE_EQ(HistogramIncrease({}, after)->Total(), 45);
}

TEST(HistogramIncrease, ARestartOrNewBoundsIsUnknown) {
  const LatencyHistogram before{{{0.1, 10}, {kInf, 16}}};
  EXPECT_FALSE(HistogramIncrease(before, {{{0.1, 2}, {kInf, 3}}}).has_value());
  EXPECT_FALSE(HistogramIncrease(before, {{{0.2, 20}, {kInf, 30}}}).has_value());
  EXPECT_FALSE(HistogramIncrease(before, {{{0.1, 20}, {0.2, 25}, {kInf, 30}}}).has_value());
  // Restarted and already past the old totals: one bucket still went down.
  EXPECT_FALSE(HistogramIncrease(before, {{{0.1, 5}, {kInf, 40}}}).has_value());
}

TEST(AddHistogram, AddsByBoundKeepingBoundsOnlyOneSideHas) {
  LatencyHistogram sum{{{0.1, 1}, {kInf, 2}}};
  AddHistogram({{{0.1, 3}, {0.5, 4}, {kInf, 5}}}, &sum);
  ASSERT_EQ(sum.buckets.size(), 3u);
  EXPECT_DOUBLE_EQ(sum.buckets[0].count, 4);
  EXPECT_DOUBLE_EQ(sum.buckets[1].count, 4);
  EXPECT_DOUBLE_EQ(sum.buckets[2].count, 7);
}

}  // namespace
}  // namespace churnml::scaling
