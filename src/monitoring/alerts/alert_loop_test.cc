#include "monitoring/alerts/alert_loop.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "monitoring/alerts/test_http_receiver.h"

namespace churnml::monitoring {
namespace {

using namespace std::chrono_literals;

double SampleValue(const std::vector<MetricSample>& samples, const std::string& name,
                   const std::vector<std::pair<std::string, std::string>>& labels) {
  for (const MetricSample& s : samples) {
    if (s.name == name && s.labels == labels) return s.value;
  }
  return -1;
}

// The loop ticks on the manual clock, the evaluator reads a real
// MetricsRegistry, and the webhook receives over a real socket; the
// registry then reports the loop's own metrics.
TEST(AlertLoop, TicksOnItsClockDeliversAndReportsMetrics) {
  const uint16_t port = testing::FreePort();
  testing::TestHttpReceiver receiver(port, testing::TestHttpReceiver::Mode::kAnswer);
  auto rules = ParseAlertRules(
      "evaluation_interval: 10s\nrules:\n"
      "  - {name: Backlog, expr: \"value(work_queue)\", threshold: 5}\n"
      "channels:\n  - type: log\n  - type: webhook\n    url: http://127.0.0.1:" +
          std::to_string(port) + "/hook\n",
      "loop.yaml");
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  MetricsRegistry registry;
  auto gauge = registry.AddGauge("work_queue", "test queue");
  ASSERT_TRUE(gauge.ok());
  ManualClock clock;
  auto loop = AlertLoop::Create(
      *rules, [&] { return registry.Collect(); }, clock);
  ASSERT_TRUE(loop.ok()) << loop.status().ToString();
  registry.AddCollector([&](CollectorSink& sink) { (*loop)->ReportMetrics(sink); });

  (*gauge)->Get().Set(9);
  (*loop)->Start();  // the first tick runs at once
  auto webhook = (*loop)->queues().at(1);
  const auto give_up = std::chrono::steady_clock::now() + 30s;
  while (receiver.requests().empty() && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_EQ(receiver.requests().size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(receiver.requests()[0].body).at("status"), "firing");

  (*gauge)->Get().Set(1);
  clock.Advance(10s);  // the loop notices the clock moved and ticks again
  while (receiver.requests().size() < 2 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_EQ(receiver.requests().size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(receiver.requests()[1].body).at("status"), "resolved");
  ASSERT_TRUE(webhook->WaitUntilEmpty(30s));

  const std::vector<MetricSample> samples = registry.Collect();
  EXPECT_EQ(SampleValue(samples, "churnml_alerts_firing", {}), 0);
  EXPECT_EQ(SampleValue(samples, "churnml_alert_notifications_total",
                        {{"channel", "webhook"}, {"result", "sent"}}),
            2);
  EXPECT_EQ(SampleValue(samples, "churnml_alert_notifications_total",
                        {{"channel", "log"}, {"result", "dropped"}}),
            0);
  EXPECT_EQ(SampleValue(samples, "churnml_alert_queue_length", {{"channel", "webhook"}}), 0);
  (*loop)->Stop();
}

}  // namespace
}  // namespace churnml::monitoring

namespace churnml::monitoring {
namespace {

// Stop does not wait out the evaluation interval (an hour here, on the real
// clock): the test would hang if it did.
TEST(AlertLoop, StopDoesNotWaitForTheNextTick) {
  auto rules = ParseAlertRules(
      "evaluation_interval: 1h\nrules:\n  - {name: A, expr: \"value(q)\", threshold: 0}\n"
      "channels:\n  - type: log\n",
      "stop.yaml");
  ASSERT_TRUE(rules.ok());
  std::atomic<int> ticks{0};
  auto loop = AlertLoop::Create(
      *rules,
      [&] {
        ++ticks;
        return std::vector<MetricSample>{};
      },
      RealClock());
  ASSERT_TRUE(loop.ok());
  (*loop)->Start();
  while ((*loop)->evaluator().Alerts().empty() && ticks == 0) std::this_thread::yield();
  (*loop)->Stop();
  (*loop)->Stop();  // idempotent
  EXPECT_EQ(ticks, 1);
}

}  // namespace
}  // namespace churnml::monitoring
