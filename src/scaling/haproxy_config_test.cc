#include "scaling/haproxy_config.h"

#include <gtest/gtest.h>

namespace churnml::scaling {
namespace {

HaproxyConfigOptions ThreeReplicas(BalanceStrategy strategy) {
  HaproxyConfigOptions options;
  options.strategy = strategy;
  for (uint16_t i = 0; i < 3; ++i) {
    HaproxyReplica replica;
    replica.port = static_cast<uint16_t>(8001 + i);
    options.replicas.push_back(replica);
  }
  return options;
}

std::string Render(const HaproxyConfigOptions& options) {
  Result<std::string> text = RenderHaproxyConfig(options);
  EXPECT_TRUE(text.ok()) << text.status().message();
  return text.ok() ? *text : "";
}

TEST(BalanceStrategy, EveryNameParsesBackToItsStrategy) {
  ASSERT_EQ(BalanceStrategies().size(), 5u);
  for (const BalanceStrategyInfo& info : BalanceStrategies()) {
    Result<BalanceStrategy> parsed = ParseBalanceStrategy(info.name);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, info.strategy);
    EXPECT_EQ(BalanceStrategyName(info.strategy), info.name);
  }
}

TEST(BalanceStrategy, UnknownNameListsTheValidOnes) {
  Result<BalanceStrategy> parsed = ParseBalanceStrategy("round-robin");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(
      parsed.status().message().find("roundrobin, weighted, leastconn, random2, hash-customer"),
      std::string::npos)
      << parsed.status().message();
}

TEST(HaproxyConfig, EachStrategyWritesItsBalanceLine) {
  EXPECT_NE(Render(ThreeReplicas(BalanceStrategy::kRoundRobin)).find("balance roundrobin\n"),
            std::string::npos);
  EXPECT_NE(Render(ThreeReplicas(BalanceStrategy::kLeastConn)).find("balance leastconn\n"),
            std::string::npos);
  EXPECT_NE(Render(ThreeReplicas(BalanceStrategy::kRandomTwo)).find("balance random(2)\n"),
            std::string::npos);
  const std::string hash = Render(ThreeReplicas(BalanceStrategy::kHashCustomer));
  EXPECT_NE(hash.find("balance hdr(X-Customer-ID)\n    hash-type consistent\n"), std::string::npos);
}

TEST(HaproxyConfig, WeightsAndAgentPortsLandOnTheServerLines) {
  HaproxyConfigOptions options = ThreeReplicas(BalanceStrategy::kWeighted);
  options.replicas[0].weight = 3;
  options.replicas[1].weight = 2;
  options.replicas[2].weight = 1;
  options.replicas[2].agent_port = 9003;
  const std::string text = Render(options);
  EXPECT_NE(text.find("server r1 127.0.0.1:8001 weight 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("server r2 127.0.0.1:8002 weight 2\n"), std::string::npos);
  EXPECT_NE(text.find("server r3 127.0.0.1:8003 weight 1 agent-check agent-port 9003\n"),
            std::string::npos);
  EXPECT_NE(text.find("agent-inter 1000ms"), std::string::npos);
}

TEST(HaproxyConfig, NoAgentMeansNoAgentSettings) {
  const std::string text = Render(ThreeReplicas(BalanceStrategy::kRoundRobin));
  EXPECT_EQ(text.find("agent"), std::string::npos);
}

TEST(HaproxyConfig, ChecksReadinessAndRetriesOnlyPredictions) {
  const std::string text = Render(ThreeReplicas(BalanceStrategy::kRoundRobin));
  EXPECT_NE(text.find("uri /v2/health/ready"), std::string::npos);
  EXPECT_NE(text.find("option redispatch 1"), std::string::npos);
  EXPECT_NE(text.find("retry-on conn-failure empty-response"), std::string::npos);
  EXPECT_NE(text.find("http-request disable-l7-retry if !churnml_idempotent"), std::string::npos);
  EXPECT_NE(text.find("slowstart 10000ms"), std::string::npos);
}

TEST(HaproxyConfig, SlowStartZeroLeavesItOut) {
  HaproxyConfigOptions options = ThreeReplicas(BalanceStrategy::kLeastConn);
  options.slow_start = std::chrono::milliseconds(0);
  EXPECT_EQ(Render(options).find("slowstart"), std::string::npos);
}

TEST(HaproxyConfig, StatsSocketOnlyWhenAsked) {
  HaproxyConfigOptions options = ThreeReplicas(BalanceStrategy::kLeastConn);
  EXPECT_EQ(Render(options).find("stats socket"), std::string::npos);
  options.stats_socket = "/run/churnml/haproxy.sock";
  EXPECT_NE(Render(options).find("stats socket /run/churnml/haproxy.sock mode 600 level admin"),
            std::string::npos);
}

TEST(HaproxyConfig, RejectsValuesThatWouldBreakOutOfTheirLine) {
  HaproxyConfigOptions options = ThreeReplicas(BalanceStrategy::kRoundRobin);
  options.replicas[1].host = "127.0.0.1\n    server evil 10.0.0.1";
  Result<std::string> text = RenderHaproxyConfig(options);
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.status().message().find("replica 2: host"), std::string::npos);

  options = ThreeReplicas(BalanceStrategy::kHashCustomer);
  options.customer_header = "X-Customer-ID) #";
  EXPECT_FALSE(RenderHaproxyConfig(options).ok());

  options = ThreeReplicas(BalanceStrategy::kRoundRobin);
  options.stats_socket = "/tmp/a b";
  EXPECT_FALSE(RenderHaproxyConfig(options).ok());
}

TEST(HaproxyConfig, RejectsOutOfRangeNumbers) {
  HaproxyConfigOptions options = ThreeReplicas(BalanceStrategy::kWeighted);
  options.replicas[0].weight = 0;
  Result<std::string> text = RenderHaproxyConfig(options);
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.status().message().find("replica 1: weight 0 is not in 1..256"),
            std::string::npos);

  options = ThreeReplicas(BalanceStrategy::kRoundRobin);
  options.replicas.clear();
  EXPECT_FALSE(RenderHaproxyConfig(options).ok());

  options = ThreeReplicas(BalanceStrategy::kRoundRobin);
  options.bind = "127.0.0.1";
  text = RenderHaproxyConfig(options);
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.status().message().find("--bind"), std::string::npos);

  options = ThreeReplicas(BalanceStrategy::kRoundRobin);
  options.retries = 11;
  EXPECT_FALSE(RenderHaproxyConfig(options).ok());
}

}  // namespace
}  // namespace churnml::scaling
