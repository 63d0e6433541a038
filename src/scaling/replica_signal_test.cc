#include "scaling/replica_signal.h"

#include <gtest/gtest.h>

namespace churnml::scaling {
namespace {

ReplicaCounters Read(const std::string& text) {
  Result<std::vector<PromSample>> samples = ParsePrometheusText(text);
  EXPECT_TRUE(samples.ok()) << samples.status().ToString();
  return ReadReplicaCounters(*samples);
}

TEST(ReplicaSignal, CountsOnlyPredictionRoutes) {
  const ReplicaCounters c = Read(
      "churnml_http_requests_total{route=\"/predict\",method=\"POST\",code=\"200\"} 100\n"
      "churnml_http_requests_total{route=\"/predict\",method=\"POST\",code=\"422\"} 5\n"
      "churnml_http_requests_total{route=\"/predict/batch\",method=\"POST\",code=\"200\"} 10\n"
      "churnml_http_requests_total{route=\"/v2/models/{name}/infer\",method=\"POST\",code=\"200\"} "
      "7\n"
      "churnml_http_requests_total{route=\"/v2/health/ready\",method=\"GET\",code=\"200\"} 999\n"
      "churnml_http_request_duration_seconds_sum{route=\"/predict\"} 0.5\n"
      "churnml_http_request_duration_seconds_sum{route=\"/metrics\"} 9\n"
      "churnml_http_requests_total{route=\"/predict\",method=\"POST\",code=\"500\"} NaN\n");
  EXPECT_DOUBLE_EQ(c.requests, 122);
  EXPECT_DOUBLE_EQ(c.busy_seconds, 0.5);
}

TEST(ReplicaSignal, RateAndLittlesLawBetweenScrapes) {
  const ReplicaCounters before{1000, 2.0};
  const ReplicaCounters after{3000, 6.0};
  EXPECT_DOUBLE_EQ(LoadBetween(before, after, 2.0, LoadSignal::kRequestRate), 1000);
  EXPECT_DOUBLE_EQ(LoadBetween(before, after, 2.0, LoadSignal::kInFlight), 2.0);
  EXPECT_DOUBLE_EQ(LoadBetween(before, after, 0.0, LoadSignal::kRequestRate), 0);
}

TEST(ReplicaSignal, ARestartedReplicaCountsFromZero) {
  EXPECT_DOUBLE_EQ(LoadBetween({5000, 0}, {300, 0}, 1.0, LoadSignal::kRequestRate), 300);
}

TEST(ReplicaSignal, ParsesSignalNames) {
  EXPECT_EQ(*ParseLoadSignal("rps"), LoadSignal::kRequestRate);
  EXPECT_EQ(*ParseLoadSignal("inflight"), LoadSignal::kInFlight);
  EXPECT_EQ(*ParseLoadSignal("p99"), LoadSignal::kP99Latency);
  EXPECT_EQ(*ParseLoadSignal("queue-depth"), LoadSignal::kQueueDepth);
  for (LoadSignal s : {LoadSignal::kRequestRate, LoadSignal::kInFlight, LoadSignal::kP99Latency,
                       LoadSignal::kQueueDepth}) {
    EXPECT_EQ(*ParseLoadSignal(LoadSignalName(s)), s);
  }
  Result<LoadSignal> bad = ParseLoadSignal("p42");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("rps, inflight, p99 or queue-depth"), std::string::npos);
}

}  // namespace
}  // namespace churnml::scaling
