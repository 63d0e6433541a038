// AlertsClient against a real HTTP server whose handlers serve an
// AlertEvaluator through the alert_json codecs, the way `churnml serve`
// exposes /alerts.
#include "monitoring/alerts/alerts_client.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "monitoring/alerts/alert_evaluator.h"
#include "monitoring/alerts/alert_json.h"
#include "monitoring/alerts/test_http_receiver.h"

namespace churnml::monitoring {
namespace {

using namespace std::chrono_literals;
using testing::TestHttpReceiver;

class AlertsEndpoints {
 public:
  explicit AlertsEndpoints(AlertEvaluator& e, const Clock& clock) : e_(e), clock_(clock) {}

  TestHttpReceiver::Response Handle(const TestHttpReceiver::Request& r) {
    if (r.method == "GET" && r.target == "/alerts") return {200, EncodeAlerts(e_.Alerts())};
    if (r.method == "GET" && r.target == "/alerts/silences") {
      return {200, EncodeSilences(e_.ListSilences(), clock_.WallNow())};
    }
    if (r.method == "POST" && r.target == "/alerts/silences") {
      Result<Silence> s = DecodeSilenceRequest(r.body);
      if (!s.ok()) return {400, EncodeError(s.status().message())};
      Result<std::string> id = e_.AddSilence(*s);
      if (!id.ok()) return {400, EncodeError(id.status().message())};
      return {200, EncodeSilenceId(*id)};
    }
    const std::string prefix = "/alerts/silences/";
    if (r.method == "DELETE" && r.target.rfind(prefix, 0) == 0) {
      Status s = e_.ExpireSilence(r.target.substr(prefix.size()));
      if (s.code() == StatusCode::kNotFound) return {404, EncodeError(s.message())};
      if (!s.ok()) return {409, EncodeError(s.message())};
      return {200, "{}"};
    }
    return {404, EncodeError("no route")};
  }

 private:
  AlertEvaluator& e_;
  const Clock& clock_;
};

TEST(AlertsClient, ListsAlertsAndAddsListsAndExpiresSilences) {
  auto rules = ParseAlertRules(
      "rules:\n  - {name: Backlog, expr: \"value(q)\", threshold: 5, severity: page,"
      " annotations: {summary: deep}}\n",
      "c.yaml");
  ASSERT_TRUE(rules.ok());
  const Clock& clock = RealClock();
  AlertEvaluator evaluator(
      *rules,
      [] {
        return std::vector<MetricSample>{{"q", {}, 9}};
      },
      clock);
  static_cast<void>(evaluator.Tick());
  AlertsEndpoints endpoints(evaluator, clock);
  const uint16_t port = testing::FreePort();
  TestHttpReceiver server(port, TestHttpReceiver::Mode::kAnswer,
                          [&](const TestHttpReceiver::Request& r) { return endpoints.Handle(r); });
  AlertsClient client({"http://127.0.0.1:" + std::to_string(port) + "/", "k3y", 2000ms});

  auto alerts = client.ListAlerts();
  ASSERT_TRUE(alerts.ok()) << alerts.status().ToString();
  ASSERT_EQ(alerts->size(), 1u);
  EXPECT_EQ((*alerts)[0].name, "Backlog");
  EXPECT_EQ((*alerts)[0].state, AlertState::kFiring);
  EXPECT_EQ((*alerts)[0].value, 9);
  EXPECT_EQ((*alerts)[0].labels.at("severity"), "page");
  EXPECT_EQ((*alerts)[0].annotations.at("summary"), "deep");
  EXPECT_FALSE((*alerts)[0].silenced);

  Silence s;
  s.matchers = {*ParseMatcherFlag("alertname=Backlog"), *ParseMatcherFlag("severity=~pa.*")};
  s.ends_at = clock.WallNow() + 1h;
  s.created_by = "ops";
  s.comment = "deploying";
  auto id = client.AddSilence(s);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  alerts = client.ListAlerts();
  ASSERT_TRUE(alerts.ok());
  EXPECT_TRUE((*alerts)[0].silenced);

  auto silences = client.ListSilences();
  ASSERT_TRUE(silences.ok()) << silences.status().ToString();
  ASSERT_EQ(silences->size(), 1u);
  EXPECT_EQ((*silences)[0].id, *id);
  EXPECT_EQ((*silences)[0].created_by, "ops");
  EXPECT_EQ((*silences)[0].comment, "deploying");
  ASSERT_EQ((*silences)[0].matchers.size(), 2u);
  EXPECT_TRUE((*silences)[0].matchers[1].is_regex);
  EXPECT_EQ((*silences)[0].matchers[1].value, "pa.*");

  ASSERT_TRUE(client.ExpireSilence(*id).ok());
  EXPECT_EQ(client.ExpireSilence(*id).code(), StatusCode::kFailedPrecondition);
  Status missing = client.ExpireSilence("s999999");
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_NE(missing.message().find("silence \"s999999\" does not exist"), std::string::npos)
      << missing.message();

  Silence bad = s;
  bad.matchers = {{"alertname", "(", true}};
  EXPECT_EQ(client.AddSilence(bad).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(server.requests().front().method, "GET");
}

TEST(AlertsClient, UnreachableServerIsUnavailable) {
  AlertsClient client({"http://127.0.0.1:" + std::to_string(testing::FreePort()), "", 200ms});
  EXPECT_EQ(client.ListAlerts().status().code(), StatusCode::kUnavailable);
}

TEST(ParseMatcherFlag, ReadsEqualityAndRegex) {
  auto m = ParseMatcherFlag("alertname=HighErrorRate");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->name, "alertname");
  EXPECT_EQ(m->value, "HighErrorRate");
  EXPECT_FALSE(m->is_regex);
  m = ParseMatcherFlag("route=~/v2/.*");
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->is_regex);
  EXPECT_EQ(m->value, "/v2/.*");
  EXPECT_FALSE(ParseMatcherFlag("novalue").ok());
  EXPECT_FALSE(ParseMatcherFlag("=x").ok());
}

TEST(ReadFirstApiKey, SkipsCommentsAndBlankLines) {
  const std::filesystem::path p =
      std::filesystem::temp_directory_path() / ("alerts-key-" + std::to_string(::getpid()));
  std::ofstream(p) << "# keys\n\n  abc123  \nsecond\n";
  auto key = ReadFirstApiKey(p.string());
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(*key, "abc123");
  std::filesystem::remove(p);
  EXPECT_EQ(ReadFirstApiKey(p.string()).status().code(), StatusCode::kIOError);
}

TEST(AlertJson, RejectsBadSilenceBodiesNamingTheField) {
  EXPECT_EQ(DecodeSilenceRequest("{").status().message(), "body is not valid JSON");
  EXPECT_EQ(DecodeSilenceRequest(R"({"matchers":[{"name":1,"value":"x"}],"endsAt":"x"})")
                .status()
                .message(),
            "matchers[0].name: expected a string");
  EXPECT_EQ(DecodeSilenceRequest(R"({"matchers":[],"endsAt":"tomorrow"})").status().message(),
            "endsAt: \"tomorrow\" is not an RFC 3339 time");
  EXPECT_EQ(DecodeSilenceRequest(R"({"matchers":[]})").status().message(), "endsAt: missing");
  auto ok = DecodeSilenceRequest(
      R"({"matchers":[{"name":"a","value":"b"}],"endsAt":"2026-11-28T10:00:00.500+01:00"})");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(FormatTimestamp(ok->ends_at), "2026-11-28T09:00:00.500Z");
  EXPECT_EQ(ok->starts_at, WallTime{});
}

}  // namespace
}  // namespace churnml::monitoring
