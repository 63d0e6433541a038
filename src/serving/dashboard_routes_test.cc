#include "serving/dashboard_routes.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <thread>

#include "serving/dashboard/dashboard_assets.h"
#include "serving/http/event_stream.h"
#include "serving/route_test_support.h"

namespace churnml::serving {
namespace {

using monitoring::MetricSample;

MetricSample Sample(std::string name, std::vector<std::pair<std::string, std::string>> labels,
                    double value) {
  return MetricSample{std::move(name), std::move(labels), value};
}

std::vector<MetricSample> Traffic(double fast, double slow, double errors) {
  // `fast` requests under 1 ms, `slow` between 10 and 25 ms, `errors` of them 500s;
  // and dashboard traffic that must not count.
  const double total = fast + slow;
  const std::string bucket = "churnml_http_request_duration_seconds_bucket";
  return {
      Sample("churnml_http_requests_total",
             {{"code", "200"}, {"method", "POST"}, {"route", "/predict"}}, total - errors),
      Sample("churnml_http_requests_total",
             {{"code", "500"}, {"method", "POST"}, {"route", "/predict"}}, errors),
      Sample("churnml_http_requests_total",
             {{"code", "200"}, {"method", "GET"}, {"route", "/dashboard/events"}}, 1000),
      Sample(bucket, {{"le", "0.001"}, {"route", "/predict"}}, fast),
      Sample(bucket, {{"le", "0.01"}, {"route", "/predict"}}, fast),
      Sample(bucket, {{"le", "0.025"}, {"route", "/predict"}}, total),
      Sample(bucket, {{"le", "+Inf"}, {"route", "/predict"}}, total),
      Sample(bucket, {{"le", "0.001"}, {"route", "/dashboard"}}, 0),
      Sample(bucket, {{"le", "+Inf"}, {"route", "/dashboard"}}, 500),
      Sample("churnml_predictions_total", {{"class", "1"}}, 2 * total),
      Sample("churnml_fallbacks_total", {{"fallback", "prior"}}, errors),
  };
}

TEST(DashboardTraffic, SumsEveryRouteButTheDashboards) {
  const TrafficTotals totals = SumTraffic(Traffic(30, 10, 4));
  EXPECT_EQ(totals.requests, 40);
  EXPECT_EQ(totals.server_errors, 4);
  EXPECT_EQ(totals.client_errors, 0);
  EXPECT_EQ(totals.predictions, 80);
  EXPECT_EQ(totals.fallbacks, 4);
  ASSERT_EQ(totals.bounds.size(), 4u);
  EXPECT_TRUE(std::isinf(totals.bounds.back()));
  EXPECT_EQ(totals.cumulative.back(), 40);
}

TEST(DashboardTraffic, QuantilesInterpolateInsideTheBucketOfTheInterval) {
  const TrafficTotals before = SumTraffic(Traffic(100, 0, 0));
  // Since `before`: 50 fast and 50 slow requests.
  const TrafficTotals after = SumTraffic(Traffic(150, 50, 0));
  EXPECT_NEAR(QuantileBetween(before, after, 0.5), 0.001, 1e-12);
  // The 95th of 100 is the 45th of the 50 in (0.01, 0.025].
  EXPECT_NEAR(QuantileBetween(before, after, 0.95), 0.01 + 0.015 * 45.0 / 50.0, 1e-12);
  // Nothing between two equal snapshots.
  EXPECT_TRUE(std::isnan(QuantileBetween(after, after, 0.5)));
}

TEST(DashboardTraffic, WindowRatesAreOverItsTicks) {
  TrafficWindow window(10);
  const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  EXPECT_TRUE(window.Json()["requests_total"].is_null());
  window.Add(t0, SumTraffic(Traffic(10, 0, 0)));
  EXPECT_EQ(window.Json()["requests_total"], 10);
  EXPECT_TRUE(window.Json()["rate_per_second"].is_null());
  window.Add(t0 + std::chrono::seconds(1), SumTraffic(Traffic(30, 0, 0)));
  window.Add(t0 + std::chrono::seconds(2), SumTraffic(Traffic(40, 10, 5)));
  const nlohmann::json json = window.Json();
  EXPECT_EQ(json["requests_total"], 50);
  EXPECT_DOUBLE_EQ(json["rate_per_second"].get<double>(), 20.0);  // the last tick
  EXPECT_DOUBLE_EQ(json["window_seconds"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(json["error_rate"].get<double>(), 5.0 / 40.0);
  EXPECT_DOUBLE_EQ(json["fallback_rate"].get<double>(), 5.0 / 80.0);
  EXPECT_DOUBLE_EQ(json["predictions_per_second"].get<double>(), 40.0);
  EXPECT_TRUE(json["latency_ms"]["p99"].is_number());
}

class DashboardRoutesTest : public testing::RouteGroupTest {
 protected:
  DashboardRoutes& Group(DashboardOptions options = {}, DashboardDeps deps = {}) {
    deps.registry = registry_;
    deps.slot = &slot_;
    group_ = std::make_unique<DashboardRoutes>(options, std::move(deps));
    return *group_;
  }

  std::unique_ptr<DashboardRoutes> group_;
};

bool HasHeader(const HttpResponse& response, std::string_view name, std::string_view value) {
  for (const auto& [n, v] : response.headers) {
    if (n == name && v == value) return true;
  }
  return false;
}

TEST_F(DashboardRoutesTest, PageAndAssetsComeFromTheBinaryUnderAStrictPolicy) {
  DashboardRoutes& group = Group();
  const HttpResponse page = Call(group, "GET", "/dashboard");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_TRUE(HasHeader(page, "Content-Security-Policy", "default-src 'self'"));
  EXPECT_NE(page.body.find(R"(<script src="/dashboard/dashboard.js")"), std::string::npos);
  const HttpResponse script = Call(group, "GET", "/dashboard/dashboard.js");
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.content_type, "text/javascript; charset=utf-8");
  EXPECT_NE(script.body.find("new EventSource('/dashboard/events')"), std::string::npos);
  EXPECT_EQ(Call(group, "GET", "/dashboard/dashboard.css").content_type, "text/css; charset=utf-8");
  EXPECT_EQ(Call(group, "GET", "/dashboard/favicon.svg").content_type, "image/svg+xml");
  EXPECT_EQ(Call(group, "GET", "/dashboard/missing.js").status, 404);
  EXPECT_EQ(Call(group, "GET", "/dashboard/index.html").status, 404);  // only as /dashboard
  // Nothing refers to another origin (the SVG namespace is a name, not a request).
  for (const DashboardAsset& asset : DashboardAssets()) {
    EXPECT_EQ(asset.bytes.find("src=\"http"), std::string_view::npos) << asset.name;
    EXPECT_EQ(asset.bytes.find("href=\"http"), std::string_view::npos) << asset.name;
    EXPECT_EQ(asset.bytes.find("url("), std::string_view::npos) << asset.name;
    EXPECT_EQ(asset.bytes.find("fetch("), std::string_view::npos) << asset.name;
    EXPECT_EQ(asset.bytes.find("innerHTML"), std::string_view::npos) << asset.name;
  }
}

TEST_F(DashboardRoutesTest, EventsStreamSnapshotsAndRefuseClientsOverTheBound) {
  DashboardOptions options;
  options.max_clients = 2;
  options.interval = std::chrono::hours(1);  // ticks only when the test asks
  DashboardRoutes& group = Group(options);
  HttpResponse first = Call(group, "GET", "/dashboard/events");
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.content_type, "text/event-stream; charset=utf-8");
  ASSERT_NE(first.stream, nullptr);
  HttpResponse second = Call(group, "GET", "/dashboard/events");
  ASSERT_NE(second.stream, nullptr);
  HttpResponse third = Call(group, "GET", "/dashboard/events");
  EXPECT_EQ(third.status, 503);
  EXPECT_EQ(third.stream, nullptr);

  // Everything the stream has received once snapshot `sequence` is in.
  std::string text;
  auto read_until = [&](int sequence) {
    const std::string marker = "\"sequence\":" + std::to_string(sequence);
    for (int i = 0; i < 1000 && text.find(marker) == std::string::npos; ++i) {
      std::string more;
      first.stream->Take(more);
      text += more;
      if (text.find(marker) == std::string::npos) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    return text.find(marker) != std::string::npos;
  };
  // The first subscriber started the ticker: its first snapshot arrives.
  ASSERT_TRUE(read_until(1)) << text;
  // Requests recorded between two ticks show in the next snapshot.
  for (int i = 0; i < 25; ++i) {
    metrics_->RecordRequest("/predict", "POST", i < 5 ? 503 : 200, std::chrono::milliseconds(3));
  }
  group.Tick();
  ASSERT_TRUE(read_until(2)) << text;
  ASSERT_NE(text.find("retry: 2000\n\n"), std::string::npos);
  const std::size_t start = text.rfind("event: snapshot\ndata: ");
  ASSERT_NE(start, std::string::npos) << text;
  const std::size_t body = start + std::string("event: snapshot\ndata: ").size();
  const nlohmann::json snapshot =
      nlohmann::json::parse(text.substr(body, text.find('\n', body) - body));
  EXPECT_EQ(snapshot["sequence"], 2);
  EXPECT_EQ(snapshot["model"]["version"], model_->version);
  EXPECT_EQ(snapshot["health"]["state"], "healthy");
  EXPECT_GE(snapshot["traffic"]["requests_total"].get<double>(), 25);
  EXPECT_GT(snapshot["traffic"]["rate_per_second"].get<double>(), 0);
  EXPECT_GT(snapshot["traffic"]["error_rate"].get<double>(), 0);
  EXPECT_TRUE(snapshot["traffic"]["latency_ms"]["p50"].is_number());
  EXPECT_EQ(snapshot["dashboard"]["clients"], 2);
  EXPECT_EQ(snapshot["drift"]["enabled"], false);
  EXPECT_TRUE(snapshot["shadow"].is_null());

  // A client that went away frees its place; Stop finishes the others.
  first.stream->Detach();
  HttpResponse again = Call(group, "GET", "/dashboard/events");
  EXPECT_EQ(again.status, 200);
  group.Stop();
  std::string rest;
  EXPECT_TRUE(second.stream->Take(rest));
  EXPECT_EQ(Call(group, "GET", "/dashboard/events").status, 503);
}

TEST_F(DashboardRoutesTest, ExperimentsProvideVariantsAndTheShadowPanel) {
  DashboardDeps deps;
  deps.experiments = [] {
    return nlohmann::json{
        {"variants", {{{"name", "primary"}, {"weight", 90}}, {{"name", "b"}, {"weight", 10}}}},
        {"shadow", {{"enabled", true}, {"window", {{"agreement", 0.97}}}}}};
  };
  DashboardRoutes& group = Group({}, std::move(deps));
  const nlohmann::json snapshot = group.Snapshot();
  ASSERT_EQ(snapshot["variants"].size(), 2u);
  EXPECT_EQ(snapshot["variants"][1]["name"], "b");
  EXPECT_EQ(snapshot["shadow"]["window"]["agreement"], 0.97);
}

}  // namespace
}  // namespace churnml::serving
