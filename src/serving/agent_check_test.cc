#include "serving/agent_check.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <string>

namespace churnml::serving {
namespace {

using reliability::HealthState;

AgentReply Reply(const AgentSignals& s, double ramp = 1, bool draining = false) {
  return ComputeAgentReply(s, AgentWeightPolicy{}, ramp, draining);
}

TEST(AgentReply, HealthyAndIdleAsksForFullWeight) {
  AgentReply reply = Reply(AgentSignals{});
  EXPECT_FALSE(reply.drain);
  EXPECT_EQ(reply.percent, 100);
  EXPECT_EQ(reply.Line(), "up ready 100%\n");
  EXPECT_EQ(reply.reason, "");
}

TEST(AgentReply, DegradedHalvesTheWeight) {
  AgentSignals s;
  s.health = HealthState::kDegraded;
  AgentReply reply = Reply(s);
  EXPECT_EQ(reply.percent, 50);
  EXPECT_EQ(reply.Line(), "up ready 50%\n");
  EXPECT_EQ(reply.reason, "health degraded");
}

TEST(AgentReply, CriticalAndShuttingDownDrain) {
  AgentSignals s;
  s.health = HealthState::kCritical;
  EXPECT_EQ(Reply(s).Line(), "drain\n");
  EXPECT_EQ(Reply(AgentSignals{}, 1, /*draining=*/true).Line(), "drain\n");
}

TEST(AgentReply, SlowerThanBaselineLosesWeightInProportion) {
  AgentSignals s;
  s.latency_ratio = 4;
  EXPECT_EQ(Reply(s).percent, 25);
  s.latency_ratio = 100;  // never below the minimum short of drain
  EXPECT_EQ(Reply(s).percent, 10);
  s.latency_ratio = 1.02;  // noise is not a reason
  EXPECT_EQ(Reply(s).percent, 100);
}

TEST(AgentReply, InFlightAboveTheLimitLosesWeight) {
  AgentSignals s;
  s.in_flight = 16;  // the default limit is 8
  AgentReply reply = Reply(s);
  EXPECT_EQ(reply.percent, 50);
  EXPECT_NE(reply.reason.find("in flight"), std::string::npos);
}

TEST(AgentReply, BusyCpuLowersTheWeightLinearly) {
  AgentSignals s;
  s.cpu_share = 0.95;  // halfway from 0.9 to 1.0
  EXPECT_EQ(Reply(s).percent, 55);
  s.cpu_share = 1.0;
  EXPECT_EQ(Reply(s).percent, 10);
}

TEST(AgentReply, DegradedAndSlowCombine) {
  AgentSignals s;
  s.health = HealthState::kDegraded;
  s.latency_ratio = 2;
  EXPECT_EQ(Reply(s).percent, 25);
}

TEST(AgentReply, UnreachableHealthGetsTheMinimum) {
  AgentSignals s;
  s.reachable = false;
  EXPECT_EQ(Reply(s).percent, 10);
}

TEST(AgentReply, SwapRampGoesFromMinimumToFull) {
  EXPECT_EQ(Reply(AgentSignals{}, 0).percent, 10);
  EXPECT_EQ(Reply(AgentSignals{}, 0.5).percent, 55);
  EXPECT_EQ(Reply(AgentSignals{}, 1).percent, 100);
}

TEST(AgentWeightPolicy, RejectsOutOfRangeFields) {
  AgentWeightPolicy policy;
  policy.degraded_percent = 0;
  EXPECT_FALSE(policy.Validate().ok());
  policy = AgentWeightPolicy{};
  policy.cpu_high = 1.5;
  EXPECT_FALSE(policy.Validate().ok());
  policy = AgentWeightPolicy{};
  policy.max_in_flight = 0;
  EXPECT_FALSE(policy.Validate().ok());
  EXPECT_TRUE(AgentWeightPolicy{}.Validate().ok());
}

TEST(ParseHealthBody, ReadsStateLoadAndVersion) {
  Result<AgentSignals> s = ParseHealthBody(
      R"({"live":true,"status":"degraded","reasons":["x"],"details":{"requests":500,)"
      R"("mean_latency_ms":4.0,"baseline_latency_ms":2.0,"baseline_ready":true},)"
      R"("model":{"name":"churn","version":"7"}})",
      std::chrono::milliseconds(1000));
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->health, HealthState::kDegraded);
  EXPECT_DOUBLE_EQ(s->latency_ratio, 2.0);
  EXPECT_DOUBLE_EQ(s->in_flight, 2.0);  // 500 per second x 4 ms
  EXPECT_EQ(s->model_version, "7");
}

TEST(ParseHealthBody, NoBaselineOrNoTrafficIsNoJudgement) {
  Result<AgentSignals> s =
      ParseHealthBody(R"({"status":"healthy","details":{"requests":0,"mean_latency_ms":0,)"
                      R"("baseline_latency_ms":2.0,"baseline_ready":true}})",
                      std::chrono::milliseconds(1000));
  ASSERT_TRUE(s.ok());
  EXPECT_LT(s->latency_ratio, 0);
  s = ParseHealthBody(R"({"status":"healthy"})", std::chrono::milliseconds(1000));
  ASSERT_TRUE(s.ok());
  EXPECT_LT(s->latency_ratio, 0);
  EXPECT_EQ(s->in_flight, 0);
}

TEST(ParseHealthBody, RejectsOtherJson) {
  EXPECT_FALSE(ParseHealthBody("not json", std::chrono::milliseconds(1000)).ok());
  EXPECT_FALSE(ParseHealthBody(R"({"status":"on fire"})", std::chrono::milliseconds(1000)).ok());
  EXPECT_FALSE(ParseHealthBody(R"([1,2])", std::chrono::milliseconds(1000)).ok());
}

// Signals the test changes between exchanges while the agent's thread reads them.
class SignalBox {
 public:
  void Set(const AgentSignals& s) {
    std::lock_guard lock(mu_);
    signals_ = s;
  }
  AgentSignals Get() {
    std::lock_guard lock(mu_);
    return signals_;
  }

 private:
  std::mutex mu_;
  AgentSignals signals_;
};

// One TCP exchange with the agent, as HAProxy does it: connect, read to EOF.
std::string AskAgent(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return "connect failed";
  }
  std::string answer;
  char buffer[128];
  ssize_t n = 0;
  while ((n = recv(fd, buffer, sizeof(buffer), 0)) > 0) answer.append(buffer, n);
  close(fd);
  return answer;
}

TEST(AgentCheck, AnswersEachConnectionWithTheCurrentWeight) {
  SignalBox box;
  AgentSignals signals;
  signals.health = HealthState::kDegraded;
  box.Set(signals);
  AgentCheckOptions options;
  options.min_sample_interval = std::chrono::milliseconds(0);
  Result<std::unique_ptr<AgentCheck>> agent =
      AgentCheck::Start(options, [&box] { return box.Get(); });
  ASSERT_TRUE(agent.ok()) << agent.status().message();
  ASSERT_NE((*agent)->port(), 0);
  EXPECT_EQ(AskAgent((*agent)->port()), "up ready 50%\n");
  signals.health = HealthState::kHealthy;
  box.Set(signals);
  EXPECT_EQ(AskAgent((*agent)->port()), "up ready 100%\n");
  (*agent)->SetDraining();
  EXPECT_EQ(AskAgent((*agent)->port()), "drain\n");
  EXPECT_TRUE((*agent)->last_reply().drain);
  (*agent)->Stop();
}

TEST(AgentCheck, ModelSwapStartsARamp) {
  SignalBox box;
  AgentSignals signals;
  signals.model_version = "1";
  box.Set(signals);
  AgentCheckOptions options;
  options.min_sample_interval = std::chrono::milliseconds(0);
  options.policy.swap_ramp = std::chrono::hours(1);  // stays near the start during the test
  Result<std::unique_ptr<AgentCheck>> agent =
      AgentCheck::Start(options, [&box] { return box.Get(); });
  ASSERT_TRUE(agent.ok());
  EXPECT_EQ(AskAgent((*agent)->port()), "up ready 100%\n");  // the start version: no ramp
  signals.model_version = "2";
  box.Set(signals);
  EXPECT_EQ(AskAgent((*agent)->port()), "up ready 10%\n");
}

TEST(AgentCheck, PortInUseIsAnErrorNamingTheAddress) {
  Result<std::unique_ptr<AgentCheck>> first =
      AgentCheck::Start(AgentCheckOptions{}, [] { return AgentSignals{}; });
  ASSERT_TRUE(first.ok());
  AgentCheckOptions options;
  options.port = (*first)->port();
  Result<std::unique_ptr<AgentCheck>> second =
      AgentCheck::Start(options, [] { return AgentSignals{}; });
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("127.0.0.1:" + std::to_string(options.port)),
            std::string::npos);
}

}  // namespace
}  // namespace churnml::serving
