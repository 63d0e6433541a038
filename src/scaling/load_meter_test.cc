#include "scaling/load_meter.h"

#include <gtest/gtest.h>

#include <limits>

namespace churnml::scaling {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

using Readings = std::map<std::string, std::pair<ReplicaReading, int64_t>>;

ReplicaReading Latency(std::vector<HistogramBucket> buckets) {
  ReplicaReading r;
  r.latency.buckets = std::move(buckets);
  return r;
}

ReplicaReading Depths(std::map<std::string, double> depths) {
  ReplicaReading r;
  r.queue_depth = std::move(depths);
  return r;
}

TEST(LoadMeter, P99OfTheSummedIncreasesOverReplicas) {
  LoadMeter meter(LoadSignal::kP99Latency, {});
  const LoadMeasurement first =
      meter.Measure({{"a", {Latency({{0.01, 10}, {0.05, 10}, {0.1, 10}, {kInf, 10}}), 0}},
                     {"b", {Latency({{0.01, 0}, {0.05, 0}, {0.1, 0}, {kInf, 0}}), 0}}});
  EXPECT_FALSE(first.value.has_value()) << "one scrape is no interval";
  EXPECT_EQ(first.answered, 2);
  // a answered 200 more (180 under 10 ms, 18 more under 50 ms, 2 under
  // 100 ms); b, made slow, answered 100, all between 50 and 100 ms.
  const LoadMeasurement m =
      meter.Measure({{"a", {Latency({{0.01, 190}, {0.05, 208}, {0.1, 210}, {kInf, 210}}), 1000}},
                     {"b", {Latency({{0.01, 0}, {0.05, 0}, {0.1, 100}, {kInf, 100}}), 1000}}});
  ASSERT_TRUE(m.value.has_value()) << m.note;
  // Sum: 180 / 198 / 300 / 300. Rank 297 lies in (0.05, 0.1], which holds
  // 102, the 99th of them: 0.05 + 0.05 x 99/102.
  EXPECT_DOUBLE_EQ(*m.value, 0.05 + 0.05 * 99.0 / 102.0);
  EXPECT_EQ(m.restarted, 0);
}

TEST(LoadMeter, P99SkipsARestartedReplicaAndHoldsWithoutRequests) {
  LoadMeter meter(LoadSignal::kP99Latency, {});
  (void)meter.Measure({{"a", {Latency({{0.1, 50}, {kInf, 50}}), 0}},
                       {"b", {Latency({{0.1, 500}, {kInf, 900}}), 0}}});
  // b restarted: its counts are lower; only a's 10 new requests count.
  const LoadMeasurement m = meter.Measure({{"a", {Latency({{0.1, 60}, {kInf, 60}}), 1000}},
                                           {"b", {Latency({{0.1, 1}, {kInf, 400}}), 1000}}});
  ASSERT_TRUE(m.value.has_value());
  EXPECT_DOUBLE_EQ(*m.value, 0.099);  // rank 9.9 of 10 in (0, 0.1]
  EXPECT_EQ(m.restarted, 1);
  EXPECT_NE(m.note.find("restarted"), std::string::npos);
  // Nothing answered since: no signal.
  const LoadMeasurement idle = meter.Measure({{"a", {Latency({{0.1, 60}, {kInf, 60}}), 2000}},
                                              {"b", {Latency({{0.1, 1}, {kInf, 400}}), 2000}}});
  EXPECT_FALSE(idle.value.has_value());
  EXPECT_EQ(idle.note, "no prediction request in the interval");
}

TEST(LoadMeter, NoReplicaAnsweringIsNoSignal) {
  LoadMeter meter(LoadSignal::kRequestRate, {});
  const LoadMeasurement m = meter.Measure({});
  EXPECT_FALSE(m.value.has_value());
  EXPECT_EQ(m.note, "no replica answered");
}

TEST(LoadMeter, RequestRateSumsTheReplicasRates) {
  LoadMeter meter(LoadSignal::kRequestRate, {});
  ReplicaReading a, b;
  a.counters.requests = 100;
  b.counters.requests = 1000;
  EXPECT_DOUBLE_EQ(*meter.Measure({{"a", {a, 0}}, {"b", {b, 0}}}).value, 0);
  a.counters.requests = 300;   // 200 in 2 s
  b.counters.requests = 1500;  // 500 in 1 s
  EXPECT_DOUBLE_EQ(*meter.Measure({{"a", {a, 2000}}, {"b", {b, 1000}}}).value, 600);
}

TEST(LoadMeter, QueueDepthIsTheDeepestReportPerQueueSummed) {
  LoadMeter meter(LoadSignal::kQueueDepth, {});
  // Three workers see the same store at slightly different moments.
  const LoadMeasurement m = meter.Measure({{"w1", {Depths({{"default", 40}, {"nightly", 5}}), 0}},
                                           {"w2", {Depths({{"default", 42}, {"nightly", 5}}), 0}},
                                           {"w3", {Depths({{"default", 41}}), 0}}});
  ASSERT_TRUE(m.value.has_value());
  EXPECT_DOUBLE_EQ(*m.value, 47);
  LoadMeter only_default(LoadSignal::kQueueDepth, {"default", "absent"});
  EXPECT_DOUBLE_EQ(
      *only_default.Measure({{"w1", {Depths({{"default", 40}, {"nightly", 5}}), 0}}}).value, 40);
  LoadMeter none(LoadSignal::kQueueDepth, {});
  const LoadMeasurement empty = none.Measure({{"w1", {Depths({}), 0}}});
  EXPECT_DOUBLE_EQ(*empty.value, 0);
  EXPECT_NE(empty.note.find("no churnml_jobs_queue_depth series"), std::string::npos);
}

TEST(ReadReplica, ReadsOnlyWhatTheSignalNeeds) {
  // Hostile buckets refuse a p99 reading but not an rps one.
  Result<std::vector<PromSample>> samples = ParsePrometheusText(
      "churnml_http_request_duration_seconds_bucket{route=\"/predict\",le=\"0.1\"} 9\n"
      "churnml_http_request_duration_seconds_bucket{route=\"/predict\",le=\"+Inf\"} 3\n"
      "churnml_http_requests_total{route=\"/predict\",method=\"POST\",code=\"200\"} 3\n"
      "churnml_jobs_queue_depth{queue=\"default\"} 12\n");
  ASSERT_TRUE(samples.ok());
  EXPECT_FALSE(ReadReplica(*samples, LoadSignal::kP99Latency).ok());
  Result<ReplicaReading> rps = ReadReplica(*samples, LoadSignal::kRequestRate);
  ASSERT_TRUE(rps.ok());
  EXPECT_DOUBLE_EQ(rps->counters.requests, 3);
  Result<ReplicaReading> depth = ReadReplica(*samples, LoadSignal::kQueueDepth);
  ASSERT_TRUE(depth.ok());
  EXPECT_DOUBLE_EQ(depth->queue_depth.at("default"), 12);
}

TEST(ReadQueueDepths, RefusesHostileValues) {
  for (const char* text :
       {"churnml_jobs_queue_depth{queue=\"q\"} -1\n", "churnml_jobs_queue_depth{queue=\"q\"} NaN\n",
        "churnml_jobs_queue_depth{queue=\"q\"} +Inf\n",
        "churnml_jobs_queue_depth{queue=\"q\"} 1\nchurnml_jobs_queue_depth{queue=\"q\"} 2\n"}) {
    Result<std::vector<PromSample>> samples = ParsePrometheusText(text);
    ASSERT_TRUE(samples.ok()) << text;
    Result<std::map<std::string, double>> depths = ReadQueueDepths(*samples);
    ASSERT_FALSE(depths.ok()) << text;
    EXPECT_NE(depths.status().message().find("queue=\"q\""), std::string::npos);
  }
}

TEST(PolicyLoad, P99IsARatioOfTheTargetPerReplica) {
  // 3 replicas at p99 150 ms against a 50 ms target: ceil(3 x 3) = 9
  // replicas, which the policy gets as a load of 0.45 (0.15 per replica).
  EXPECT_DOUBLE_EQ(PolicyLoad(LoadSignal::kP99Latency, 0.15, 3), 0.45);
  EXPECT_DOUBLE_EQ(PolicyLoad(LoadSignal::kQueueDepth, 40, 3), 40);
  EXPECT_DOUBLE_EQ(PolicyLoad(LoadSignal::kRequestRate, 900, 3), 900);
}

}  // namespace
}  // namespace churnml::scaling
