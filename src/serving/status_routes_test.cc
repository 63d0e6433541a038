#include "serving/status_routes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "serving/oip_metadata_routes.h"
#include "serving/route_test_support.h"

namespace churnml::serving {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

class StatusRoutesTest : public testing::RouteGroupTest {
 protected:
  StatusRoutesDeps Deps() { return {.slot = &slot_, .metrics = metrics_}; }
};

TEST_F(StatusRoutesTest, HealthReadyAndMetricsAreOpenInfoIsNot) {
  StatusRoutes group(Deps());
  RouteTable table;
  ASSERT_TRUE(table.Add(group).ok());
  EXPECT_THAT(table.open_paths(), ::testing::ElementsAre("/health", "/ready", "/metrics"));
}

TEST_F(StatusRoutesTest, HealthAndReadyReportTheModel) {
  StatusRoutes group(Deps());
  HttpResponse health = Call(group, "GET", "/health");
  ASSERT_EQ(health.status, 200);
  const json h = json::parse(health.body);
  EXPECT_EQ(h["status"], "healthy");
  EXPECT_EQ(h["model"]["name"], "churn");
  HttpResponse ready = Call(group, "GET", "/ready");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(json::parse(ready.body)["ready"], true);
}

TEST_F(StatusRoutesTest, NotReadyWithoutAModel) {
  ModelSlot empty;
  StatusRoutes group({.slot = &empty, .metrics = metrics_});
  HttpResponse ready = Call(group, "GET", "/ready");
  EXPECT_EQ(ready.status, 503);
  EXPECT_EQ(json::parse(ready.body)["reason"], "no model is loaded");
}

TEST_F(StatusRoutesTest, InfoNamesModelSchemaAndBuild) {
  StatusRoutes group(Deps());
  HttpResponse info = Call(group, "GET", "/info");
  ASSERT_EQ(info.status, 200);
  const json body = json::parse(info.body);
  EXPECT_EQ(body["model"]["kind"], "logistic");
  EXPECT_EQ(body["model"]["threshold"].get<double>(), model_->artifact->threshold());
  EXPECT_TRUE(body["schema"].is_object());
  EXPECT_TRUE(body["build"].contains("version"));
}

TEST_F(StatusRoutesTest, MetricsIsPrometheusTextAndDriftOnlyWithLiveDrift) {
  StatusRoutes group(Deps());
  HttpResponse metrics = Call(group, "GET", "/metrics");
  EXPECT_EQ(metrics.content_type, "text/plain; version=0.0.4; charset=utf-8");
  // A family with fixed series: prediction counters appear only once a
  // prediction was made, and this test must not depend on another's traffic.
  EXPECT_THAT(metrics.body, HasSubstr("# TYPE churnml_model_reloads_total counter"));
  // (Its value is whatever the tests before this one in the process scored.)
  EXPECT_THAT(metrics.body, HasSubstr("churnml_stage_duration_seconds_count{stage=\"predict\"} "));
  EXPECT_EQ(Call(group, "GET", "/drift").status, 404);
}

TEST_F(StatusRoutesTest, OipMetadataGroupServesModelAndServerMetadata) {
  OipMetadataRoutes group("9.9.9", &slot_, nullptr);
  RouteTable table;
  ASSERT_TRUE(table.Add(group).ok());
  EXPECT_THAT(table.open_paths(), ::testing::ElementsAre("/v2/health/live", "/v2/health/ready"));
  EXPECT_EQ(json::parse(Call(group, "GET", "/v2").body)["version"], "9.9.9");
  EXPECT_EQ(Call(group, "GET", "/v2/health/live").body, R"({"live":true})");
  EXPECT_EQ(Call(group, "GET", "/v2/health/ready").status, 200);
  HttpResponse meta = Call(group, "GET", "/v2/models/churn");
  ASSERT_EQ(meta.status, 200);
  EXPECT_EQ(json::parse(meta.body)["versions"], json({"0"}));
  EXPECT_EQ(Call(group, "GET", "/v2/models/churn/versions/0/ready").body,
            R"({"name":"churn","ready":true})");
  HttpResponse unknown = Call(group, "GET", "/v2/models/nope");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, R"({"error":"unknown model \"nope\""})");
}

}  // namespace
}  // namespace churnml::serving
