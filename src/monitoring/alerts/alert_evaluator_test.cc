#include "monitoring/alerts/alert_evaluator.h"

#include <gtest/gtest.h>

#include <memory>

namespace churnml::monitoring {
namespace {

using std::chrono::seconds;

// The registry's samples as the test sets them.
struct Samples {
  std::vector<MetricSample> now;
  void Set(const std::string& name, double v,
           std::vector<std::pair<std::string, std::string>> labels = {}) {
    for (MetricSample& s : now) {
      if (s.name == name && s.labels == labels) {
        s.value = v;
        return;
      }
    }
    now.push_back(MetricSample{name, std::move(labels), v});
  }
};

AlertRules Rules(const std::string& body) {
  auto r = ParseAlertRules("evaluation_interval: 10s\nrepeat_interval: 1m\n" + body, "test.yaml");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : AlertRules{};
}

struct Harness {
  explicit Harness(const std::string& rules_yaml)
      : evaluator(
            Rules(rules_yaml), [this] { return samples.now; }, clock) {}
  // Advances the clock by one evaluation interval, then ticks.
  std::vector<Notification> Step() {
    clock.Advance(seconds(10));
    return evaluator.Tick();
  }
  ManualClock clock;
  Samples samples;
  AlertEvaluator evaluator;
};

AlertState StateOf(const AlertEvaluator& e, const std::string& name) {
  for (const Alert& a : e.Alerts()) {
    if (a.name == name) return a.state;
  }
  return AlertState::kInactive;
}

TEST(AlertEvaluator, ValueRuleGoesPendingFiringRepeatsAndResolves) {
  Harness h(R"y(rules:
  - {name: QueueFull, expr: "value(q)", op: ">=", threshold: 10, for: 20s, severity: page}
)y");
  h.samples.Set("q", 3);
  EXPECT_TRUE(h.Step().empty());
  EXPECT_EQ(StateOf(h.evaluator, "QueueFull"), AlertState::kInactive);

  h.samples.Set("q", 12);
  EXPECT_TRUE(h.Step().empty());  // t=20: pending
  EXPECT_EQ(StateOf(h.evaluator, "QueueFull"), AlertState::kPending);
  EXPECT_TRUE(h.Step().empty());  // t=30: pending for 10s < 20s
  auto fired = h.Step();          // t=40: pending for 20s → firing
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].status, NotificationStatus::kFiring);
  EXPECT_EQ(fired[0].group_key, "{alertname=\"QueueFull\"}");
  ASSERT_EQ(fired[0].alerts.size(), 1u);
  EXPECT_EQ(fired[0].alerts[0].labels.at("severity"), "page");
  EXPECT_EQ(fired[0].alerts[0].value, 12);
  EXPECT_EQ(h.evaluator.FiringCount(), 1u);

  // Quiet until the repeat interval (1m) has passed since the last send.
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(h.Step().empty()) << "tick " << i;
  auto repeated = h.Step();  // t=100
  ASSERT_EQ(repeated.size(), 1u);
  EXPECT_EQ(repeated[0].status, NotificationStatus::kFiring);
  EXPECT_GT(repeated[0].sequence, fired[0].sequence);

  h.samples.Set("q", 1);
  auto resolved = h.Step();
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_EQ(resolved[0].status, NotificationStatus::kResolved);
  ASSERT_TRUE(resolved[0].alerts[0].ends_at.has_value());
  EXPECT_EQ(*resolved[0].alerts[0].ends_at, h.clock.WallNow());
  EXPECT_TRUE(h.Step().empty());  // resolved is sent once
  EXPECT_TRUE(h.evaluator.Alerts().empty());
  EXPECT_EQ(h.evaluator.FiringCount(), 0u);
}

TEST(AlertEvaluator, PendingThatClearsSendsNothing) {
  Harness h("rules:\n  - {name: A, expr: \"value(q)\", threshold: 10, for: 1m}\n");
  h.samples.Set("q", 11);
  EXPECT_TRUE(h.Step().empty());
  EXPECT_EQ(StateOf(h.evaluator, "A"), AlertState::kPending);
  h.samples.Set("q", 0);
  EXPECT_TRUE(h.Step().empty());
  EXPECT_TRUE(h.evaluator.Alerts().empty());
}

TEST(AlertEvaluator, RateRuleFiresAndResolves) {
  Harness h("rules:\n  - {name: Errors, expr: \"rate(err[30s])\", threshold: 1}\n");
  double total = 0;
  h.samples.Set("err", total);
  EXPECT_TRUE(h.Step().empty());  // one point: no data
  total += 5;                     // 0.5/s
  h.samples.Set("err", total);
  EXPECT_TRUE(h.Step().empty());
  total += 30;  // window [t-30, t]: 35 over 20 s = 1.75/s, for: 0 fires at once
  h.samples.Set("err", total);
  auto fired = h.Step();
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_DOUBLE_EQ(fired[0].alerts[0].value, 35.0 / 20);
  // Counter reset to 0, then flat. t=40: window [10,40] still holds the
  // 5 + 30 increase: 35/30 s > 1. t=50: window [20,50]: 30/30 s = 1, not > 1.
  h.samples.Set("err", 0);
  EXPECT_TRUE(h.Step().empty());
  EXPECT_EQ(StateOf(h.evaluator, "Errors"), AlertState::kFiring);
  auto resolved = h.Step();
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_EQ(resolved[0].status, NotificationStatus::kResolved);
  EXPECT_DOUBLE_EQ(resolved[0].alerts[0].value, 1.0);
  EXPECT_EQ(StateOf(h.evaluator, "Errors"), AlertState::kInactive);
}

TEST(AlertEvaluator, RatioRuleFiresAndResolves) {
  Harness h(R"y(rules:
  - name: ErrorShare
    expr: ratio(rate(req{code=~"5.."}[20s]), rate(req[20s]))
    threshold: 0.1
    for: 10s
)y");
  double ok = 0, bad = 0;
  auto set = [&] {
    h.samples.Set("req", ok, {{"code", "200"}});
    h.samples.Set("req", bad, {{"code", "500"}});
  };
  set();
  h.Step();
  ok += 100;
  bad += 50;  // a third fail
  set();
  EXPECT_TRUE(h.Step().empty());  // pending
  ok += 100;
  bad += 50;
  set();
  auto fired = h.Step();
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_NEAR(fired[0].alerts[0].value, 1.0 / 3, 1e-9);
  ok += 1000;
  set();
  auto resolved = h.Step();  // window [20s ago, now]: 50 bad of 1100
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_EQ(resolved[0].status, NotificationStatus::kResolved);
}

TEST(AlertEvaluator, QuantileRuleFiresAndResolves) {
  Harness h(R"y(rules:
  - {name: SlowP90, expr: "quantile(0.9, lat{route=\"/p\"}[10s])", threshold: 0.5}
)y");
  double fast = 0, slow = 0;
  auto set = [&] {
    h.samples.Set("lat_bucket", fast, {{"le", "0.1"}, {"route", "/p"}});
    h.samples.Set("lat_bucket", fast + slow, {{"le", "1"}, {"route", "/p"}});
    h.samples.Set("lat_bucket", fast + slow, {{"le", "+Inf"}, {"route", "/p"}});
  };
  set();
  h.Step();
  fast += 100;
  set();
  EXPECT_TRUE(h.Step().empty());  // p90 = 0.09
  slow += 100;                    // the 10 s window holds only the slow 100: 0.1 + 0.9 * 0.9
  set();
  auto fired = h.Step();
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_NEAR(fired[0].alerts[0].value, 0.91, 1e-9);
  fast += 100;
  set();
  auto resolved = h.Step();
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_EQ(resolved[0].status, NotificationStatus::kResolved);
}

TEST(AlertEvaluator, GroupsAlertsByTheGroupByLabels) {
  auto rules = Rules(R"y(group_by: [severity]
rules:
  - {name: A, expr: "value(a)", threshold: 0, severity: page}
  - {name: B, expr: "value(b)", threshold: 0, severity: page}
  - {name: C, expr: "value(c)", threshold: 0, severity: ticket}
)y");
  ManualClock clock;
  Samples samples;
  AlertEvaluator e(
      rules, [&] { return samples.now; }, clock);
  samples.Set("a", 1);
  samples.Set("b", 1);
  samples.Set("c", 1);
  auto n = e.Tick();
  ASSERT_EQ(n.size(), 2u);
  EXPECT_EQ(n[0].group_key, "{severity=\"page\"}");
  EXPECT_EQ(n[0].group_labels.at("severity"), "page");
  ASSERT_EQ(n[0].alerts.size(), 2u);
  EXPECT_EQ(n[1].group_key, "{severity=\"ticket\"}");
  ASSERT_EQ(n[1].alerts.size(), 1u);

  // B resolves: one page notification carrying A (still firing) and B resolved.
  samples.Set("b", 0);
  clock.Advance(seconds(10));
  n = e.Tick();
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].status, NotificationStatus::kFiring);
  ASSERT_EQ(n[0].alerts.size(), 2u);
  EXPECT_EQ(n[0].alerts[0].labels.at("alertname"), "A");
  EXPECT_EQ(n[0].alerts[0].status, NotificationStatus::kFiring);
  EXPECT_EQ(n[0].alerts[1].labels.at("alertname"), "B");
  EXPECT_EQ(n[0].alerts[1].status, NotificationStatus::kResolved);
}

class RecordingSink : public NotificationSink {
 public:
  void Enqueue(const Notification& n) override { got.push_back(n); }
  std::vector<Notification> got;
};

TEST(AlertEvaluator, SinksReceiveEveryNotification) {
  Harness h("rules:\n  - {name: A, expr: \"value(q)\", threshold: 0}\n");
  auto sink = std::make_shared<RecordingSink>();
  h.evaluator.AddSink(sink);
  h.samples.Set("q", 1);
  auto n = h.Step();
  ASSERT_EQ(sink->got.size(), 1u);
  EXPECT_EQ(sink->got[0].sequence, n.at(0).sequence);
}

TEST(AlertEvaluator, SilencedAlertSendsNothingUntilTheSilenceExpires) {
  Harness h(
      "rules:\n  - {name: A, expr: \"value(q)\", threshold: 0}\n"
      "  - {name: B, expr: \"value(q)\", threshold: 0}\n");
  Silence s;
  s.matchers = {{"alertname", "A", false}};
  s.ends_at = h.clock.WallNow() + std::chrono::hours(1);
  s.created_by = "test";
  auto id = h.evaluator.AddSilence(s);
  ASSERT_TRUE(id.ok()) << id.status().ToString();

  h.samples.Set("q", 1);
  auto n = h.Step();
  ASSERT_EQ(n.size(), 1u);  // only B
  EXPECT_EQ(n[0].alerts.at(0).labels.at("alertname"), "B");
  auto alerts = h.evaluator.Alerts();
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].state, AlertState::kFiring);
  EXPECT_TRUE(alerts[0].silenced);
  EXPECT_FALSE(alerts[1].silenced);
  EXPECT_TRUE(h.Step().empty());

  ASSERT_TRUE(h.evaluator.ExpireSilence(*id).ok());
  EXPECT_EQ(h.evaluator.ExpireSilence(*id).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(h.evaluator.ExpireSilence("nope").code(), StatusCode::kNotFound);
  n = h.Step();
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].alerts.at(0).labels.at("alertname"), "A");
  auto listed = h.evaluator.ListSilences();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(SilenceStateAt(listed[0], h.clock.WallNow()), SilenceState::kExpired);
}

TEST(AlertEvaluator, RegexSilenceMatchesAndResolveWhileSilencedSendsNothing) {
  Harness h("rules:\n  - {name: Alpha, expr: \"value(q)\", threshold: 0}\n");
  h.samples.Set("q", 1);
  ASSERT_EQ(h.Step().size(), 1u);
  Silence s;
  s.matchers = {{"alertname", "Al.*", true}};
  s.ends_at = h.clock.WallNow() + std::chrono::hours(1);
  ASSERT_TRUE(h.evaluator.AddSilence(s).ok());
  h.samples.Set("q", 0);
  EXPECT_TRUE(h.Step().empty());
}

TEST(AlertEvaluator, SilenceRegexIsLinearAndHostilePatternsAreRefused) {
  Harness h("rules: []\n");
  Silence s;
  s.ends_at = h.clock.WallNow() + seconds(10);
  // A 60 KB nested pattern (a stack overflow under std::regex): refused.
  s.matchers = {{"alertname", std::string(30000, '(') + "a" + std::string(30000, ')'), true}};
  Result<std::string> refused = h.evaluator.AddSilence(s);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("matchers[0]: regex of 60001 bytes"), std::string::npos)
      << refused.status().message();
}

TEST(AlertEvaluator, SilenceWithANestedQuantifierIsCheckedInLinearTime) {
  // `(.*)*` backtracks without end under std::regex on a long label value;
  // RE2 checks it in linear time, so the tick returns: the first silence
  // does not match (the alert fires), the second one does.
  const std::string name(40, 'a');
  Harness h("rules:\n  - {name: " + name + ", expr: \"value(q)\", threshold: 0}\n");
  Silence s;
  s.ends_at = h.clock.WallNow() + std::chrono::hours(1);
  s.matchers = {{"alertname", "(.*)*(a|aa)*x", true}};
  ASSERT_TRUE(h.evaluator.AddSilence(s).ok());
  h.samples.Set("q", 1);
  EXPECT_EQ(h.Step().size(), 1u);
  s.matchers = {{"alertname", "(a|aa)*(.*)*", true}};
  ASSERT_TRUE(h.evaluator.AddSilence(s).ok());
  h.samples.Set("q", 0);
  EXPECT_TRUE(h.Step().empty());
}

TEST(AlertEvaluator, SilenceSizeIsBounded) {
  Harness h("rules: []\n");
  Silence s;
  s.ends_at = h.clock.WallNow() + seconds(10);
  for (int i = 0; i < 65; ++i) s.matchers.push_back({"l" + std::to_string(i), "v", false});
  EXPECT_NE(h.evaluator.AddSilence(s).status().message().find("at most 64"), std::string::npos);
  s.matchers = {{std::string(300, 'n'), "v", false}};
  EXPECT_NE(h.evaluator.AddSilence(s).status().message().find("name of 300 bytes"),
            std::string::npos);
  s.matchers = {{"alertname", std::string(5000, 'v'), false}};
  EXPECT_NE(h.evaluator.AddSilence(s).status().message().find("value of 5000 bytes"),
            std::string::npos);
  s.matchers = {{"alertname", "A", false}};
  s.comment = std::string(5000, 'c');
  EXPECT_NE(h.evaluator.AddSilence(s).status().message().find("comment: 5000 bytes"),
            std::string::npos);
}

TEST(AlertEvaluator, RejectsInvalidSilences) {
  Harness h("rules: []\n");
  Silence s;
  s.ends_at = h.clock.WallNow() + seconds(10);
  EXPECT_EQ(h.evaluator.AddSilence(s).status().code(), StatusCode::kInvalidArgument);
  s.matchers = {{"alertname", "(", true}};
  EXPECT_NE(h.evaluator.AddSilence(s).status().message().find("matchers[0]: invalid regex"),
            std::string::npos);
  s.matchers = {{"alertname", "A", false}};
  s.ends_at = h.clock.WallNow() - seconds(1);
  EXPECT_NE(h.evaluator.AddSilence(s).status().message().find("endsAt must be after startsAt"),
            std::string::npos);
}

}  // namespace
}  // namespace churnml::monitoring
