#include "monitoring/alerts/alert_rule.h"

#include <gtest/gtest.h>

namespace churnml::monitoring {
namespace {

using std::chrono::seconds;

TEST(ParseAlertRules, ReadsTheExampleRulesFile) {
  auto rules = LoadAlertRules(std::string(CHURNML_SOURCE_DIR) + "/deploy/alerts/rules.yaml");
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  EXPECT_GE(rules->rules.size(), 4u);
  EXPECT_EQ(rules->evaluation_interval, seconds(15));
  ASSERT_FALSE(rules->channels.empty());
}

TEST(ParseAlertRules, ReadsEveryField) {
  auto rules = ParseAlertRules(R"y(
evaluation_interval: 10s
repeat_interval: 1h
group_by: [alertname, severity]
queue_limit: 50
rules:
  - name: HighLatency
    expr: quantile(0.99, churnml_http_request_duration_seconds{route="/predict"}[5m])
    op: ">="
    threshold: 0.25
    for: 1m
    severity: critical
    labels: {team: ml}
    annotations: {summary: "p99 high", description: "p99 is {{value}}"}
channels:
  - type: log
  - type: webhook
    url: http://127.0.0.1:9/hook
    timeout: 2s
    queue_limit: 5
    breaker: {failure_threshold: 2, open_duration: 10s}
    retry: {max_attempts: 4, initial_backoff: 50ms, max_backoff: 1s}
)y",
                               "t.yaml");
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  EXPECT_EQ(rules->evaluation_interval, seconds(10));
  EXPECT_EQ(rules->repeat_interval, seconds(3600));
  EXPECT_EQ(rules->group_by, (std::vector<std::string>{"alertname", "severity"}));
  const AlertRule& r = rules->rules.at(0);
  EXPECT_EQ(r.op, CompareOp::kGreaterEqual);
  EXPECT_EQ(r.threshold, 0.25);
  EXPECT_EQ(r.for_duration, seconds(60));
  EXPECT_EQ(r.labels.at("team"), "ml");
  EXPECT_EQ(r.annotations.at("summary"), "p99 high");
  EXPECT_EQ(rules->LongestWindow(), seconds(300));
  ASSERT_EQ(rules->channels.size(), 2u);
  EXPECT_EQ(rules->channels[0].queue_limit, 50u);
  const ChannelConfig& w = rules->channels[1];
  EXPECT_EQ(w.type, ChannelType::kWebhook);
  EXPECT_EQ(w.name, "webhook");
  EXPECT_EQ(w.queue_limit, 5u);
  EXPECT_EQ(w.breaker.failure_threshold, 2);
  EXPECT_EQ(w.retry.max_attempts, 4);
  EXPECT_EQ(w.retry.initial_backoff, std::chrono::milliseconds(50));
}

std::string ErrorOf(const std::string& yaml) {
  auto rules = ParseAlertRules(yaml, "r.yaml");
  return rules.ok() ? "" : rules.status().message();
}

TEST(ParseAlertRules, ErrorsNameTheRuleAndTheColumn) {
  EXPECT_EQ(ErrorOf("rules:\n  - name: Bad\n    expr: rate(x[5m]\n    threshold: 1\n"),
            "r.yaml: rule \"Bad\": expr column 11: expected \")\" at the end of the expression");
  EXPECT_EQ(
      ErrorOf("rules:\n  - name: Bad\n    expr: value(x)\n    threshold: 1\n    op: \"=>\"\n"),
      "r.yaml: rule \"Bad\": op \"=>\" is not one of >, >=, <, <=, ==, !=");
  EXPECT_EQ(ErrorOf("rules:\n  - name: Bad\n    expr: value(x)\n    threshold: 1\n    for: 5\n"),
            "r.yaml: rule \"Bad\": for: \"5\" is not a duration (an integer followed by ms, s, m, "
            "h or d, e.g. 30s, 5m, 1h)");
  EXPECT_NE(ErrorOf("rules:\n  - name: Bad\n    expr: value(x)\n    threshold: 1\n    sevrity: x\n")
                .find("rule \"Bad\": unknown key \"sevrity\""),
            std::string::npos);
  EXPECT_NE(ErrorOf("rules:\n  - name: A\n    expr: value(x)\n    threshold: 1\n"
                    "  - name: A\n    expr: value(x)\n    threshold: 1\n")
                .find("duplicate rule name"),
            std::string::npos);
  EXPECT_NE(ErrorOf("rules: []\nchannels:\n  - type: sms\n").find("not one of log, webhook"),
            std::string::npos);
  EXPECT_NE(ErrorOf("rules: []\nchannels:\n  - type: webhook\n    url: https://x\n")
                .find("must start with http://"),
            std::string::npos);
  EXPECT_NE(ErrorOf("rules: [\n").find("r.yaml: line"), std::string::npos);
}

}  // namespace
}  // namespace churnml::monitoring
