#include "serving/request_gate.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>

#include "monitoring/metrics_registry.h"

namespace churnml::serving {
namespace {

using std::chrono::seconds;

TEST(AuthFailureLog, OneLinePerIntervalPerAddressWithTheCountOfTheRest) {
  ManualClock clock;
  AuthFailureLog log(clock, seconds(60));
  EXPECT_EQ(log.Record("10.0.0.1", "invalid", "POST", "/predict"),
            "authentication failed (invalid) for POST /predict from 10.0.0.1");
  for (int i = 0; i < 8999; ++i) {
    EXPECT_EQ(log.Record("10.0.0.1", "invalid", "POST", "/predict"), "");
  }
  // Another address has its own interval.
  EXPECT_NE(log.Record("10.0.0.2", "missing", "GET", "/info"), "");
  clock.Advance(seconds(60));
  EXPECT_EQ(log.Record("10.0.0.1", "malformed", "POST", "/predict"),
            "authentication failed (malformed) for POST /predict from 10.0.0.1; 8999 more from "
            "this address since the last line (one line per 60 s per address)");
  EXPECT_EQ(log.Record("10.0.0.1", "invalid", "POST", "/predict"), "");
}

TEST(AuthFailureLog, QuotesABoundedPrintablePath) {
  ManualClock clock;
  AuthFailureLog log(clock, seconds(60));
  const std::string line =
      log.Record("10.0.0.1", "invalid", "GET", "/" + std::string(10000, 'p') + "\n");
  EXPECT_LT(line.size(), 400u);
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(AuthFailureLog, TracksABoundedNumberOfAddresses) {
  ManualClock clock;
  AuthFailureLog log(clock, seconds(60));
  for (std::size_t i = 0; i < AuthFailureLog::kMaxClients; ++i) {
    EXPECT_NE(log.Record("host-" + std::to_string(i), "invalid", "GET", "/"), "");
  }
  // Full: the next new addresses share one entry (one line, then counted).
  const std::string first = log.Record("new-1", "invalid", "GET", "/");
  EXPECT_NE(first.find("from (other addresses)"), std::string::npos) << first;
  EXPECT_EQ(log.Record("new-2", "invalid", "GET", "/"), "");
  // Once the interval is over, old addresses are forgotten for new ones.
  clock.Advance(seconds(61));
  EXPECT_NE(log.Record("new-3", "invalid", "GET", "/").find("from new-3"), std::string::npos);
}

// A browser cannot send a Bearer header on a page navigation: the browser
// paths challenge with Basic (the browser prompts), the API with Bearer,
// and both take either kind of credentials.
TEST(RequestGate, BrowserPathsChallengeWithBasicAndEveryPathTakesBothSchemes) {
  monitoring::MetricsRegistry registry;
  auto metrics = ServingMetrics::Create(&registry);
  ASSERT_TRUE(metrics.ok()) << metrics.status().ToString();
  ApiKeySources sources;
  sources.keys = std::string(40, 'k');
  auto keys = ApiKeySet::Load(sources);
  ASSERT_TRUE(keys.ok());
  RequestGateOptions options;
  options.browser_paths = {"/dashboard", "/dashboard/"};
  RequestGate gate(options, &*keys, nullptr, metrics->get());
  EXPECT_TRUE(gate.IsBrowser("/dashboard"));
  EXPECT_TRUE(gate.IsBrowser("/dashboard/events"));
  EXPECT_FALSE(gate.IsBrowser("/dashboards"));
  EXPECT_FALSE(gate.IsBrowser("/predict"));

  auto admit = [&](std::string path, std::string authorization, HttpResponse* response) {
    HttpRequest request;
    request.method = "GET";
    request.path = std::move(path);
    request.remote_address = "127.0.0.1:5000";
    if (!authorization.empty()) request.headers.push_back({"Authorization", authorization});
    return gate.Admit(request, *response);
  };
  auto challenge = [](const HttpResponse& r) {
    for (const auto& [name, value] : r.headers) {
      if (name == "WWW-Authenticate") return value;
    }
    return std::string();
  };
  HttpResponse page;
  EXPECT_FALSE(admit("/dashboard", "", &page));
  EXPECT_EQ(page.status, 401);
  EXPECT_EQ(challenge(page), R"(Basic realm="churnml", charset="UTF-8")");
  HttpResponse events;
  EXPECT_FALSE(admit("/dashboard/events", "Basic dXNlcjp3cm9uZw==", &events));  // user:wrong
  EXPECT_EQ(challenge(events).rfind("Basic ", 0), 0u) << challenge(events);
  HttpResponse api;
  EXPECT_FALSE(admit("/predict", "", &api));
  EXPECT_EQ(challenge(api), R"(Bearer realm="churnml")");

  // base64("agent:" + 40 × 'k')
  const std::string basic =
      "Basic YWdlbnQ6a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2traw==";
  const std::string bearer = "Bearer " + std::string(40, 'k');
  for (const std::string path : {"/dashboard", "/dashboard/events", "/predict"}) {
    for (const std::string& authorization : {basic, bearer}) {
      HttpResponse response;
      EXPECT_TRUE(admit(path, authorization, &response)) << path << " " << authorization;
    }
  }
}

TEST(RequestGate, ManyBadKeysMakeOneLogLineAndAreAllCounted) {
  monitoring::MetricsRegistry registry;
  auto metrics = ServingMetrics::Create(&registry);
  ASSERT_TRUE(metrics.ok()) << metrics.status().ToString();
  ApiKeySources sources;
  sources.keys = std::string(40, 'k');
  auto keys = ApiKeySet::Load(sources);
  ASSERT_TRUE(keys.ok());
  ManualClock clock;
  RequestGate gate({}, &*keys, nullptr, metrics->get(), clock);

  std::ostringstream captured;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  const std::string authorization = "Bearer " + std::string(40, 'x');
  for (int i = 0; i < 9000; ++i) {
    const std::string address = "192.0.2.7:" + std::to_string(40000 + i % 1000);
    HttpRequest request;
    request.method = "POST";
    request.path = "/predict";
    request.remote_address = address;
    HttpField field{"Authorization", authorization};
    request.headers.push_back(field);
    HttpResponse response;
    EXPECT_FALSE(gate.Admit(request, response));
    EXPECT_EQ(response.status, 401);
  }
  spdlog::set_default_logger(previous);

  const std::string log = captured.str();
  std::size_t lines = 0;
  for (char c : log) lines += c == '\n' ? 1 : 0;
  EXPECT_EQ(lines, 1u) << log;
  EXPECT_NE(log.find("from 192.0.2.7"), std::string::npos) << log;
  EXPECT_EQ(log.find(std::string(40, 'x')), std::string::npos) << "the key must never be logged";
  EXPECT_NE(
      registry.RenderText().find(R"(churnml_http_auth_failures_total{reason="invalid"} 9000)"),
      std::string::npos)
      << registry.RenderText();
}

TEST(RequestGate, OnlyTheDeclaredOpenPathsSkipTheKeyUnlessHealthIsProtected) {
  monitoring::MetricsRegistry registry;
  auto metrics = ServingMetrics::Create(&registry);
  ASSERT_TRUE(metrics.ok());
  ApiKeySources sources;
  sources.keys = std::string(40, 'k');
  auto keys = ApiKeySet::Load(sources);
  ASSERT_TRUE(keys.ok());
  auto admit = [&](const RequestGate& gate, std::string_view path) {
    HttpRequest request;
    request.method = "GET";
    request.path = path;
    request.remote_address = "127.0.0.1:1";
    HttpResponse response;
    return gate.Admit(request, response);
  };
  RequestGateOptions options;
  options.open_paths = {"/health", "/metrics"};
  RequestGate open(options, &*keys, nullptr, metrics->get());
  EXPECT_TRUE(admit(open, "/health"));
  EXPECT_TRUE(admit(open, "/metrics"));
  EXPECT_FALSE(admit(open, "/ready"));  // not declared open here
  EXPECT_FALSE(admit(open, "/health/x"));
  EXPECT_FALSE(admit(open, "/predict"));
  options.protect_health = true;
  RequestGate protected_gate(options, &*keys, nullptr, metrics->get());
  EXPECT_FALSE(admit(protected_gate, "/health"));
}

}  // namespace
}  // namespace churnml::serving
