#include "serving/status_routes.h"

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common/build_info.h"
#include "common/json_dump.h"
#include "common/time_format.h"
#include "serving/model_lookup.h"

namespace churnml::serving {

namespace {

using Json = nlohmann::json;

void SetJson(HttpResponse& response, int status, const Json& body) {
  response.status = status;
  response.content_type = "application/json";
  response.body = DumpJson(body);
}

}  // namespace

StatusRoutes::StatusRoutes(StatusRoutesDeps deps) : deps_(std::move(deps)) {}

void StatusRoutes::Health(const HttpRequest&, HttpResponse& response) const {
  Json body;
  body["live"] = true;
  if (deps_.health) {
    std::shared_ptr<const reliability::HealthReport> report = deps_.health->current();
    body["status"] = std::string(reliability::HealthStateName(report->state));
    body["reasons"] = report->reasons;
    Json breakers = Json::array();
    for (const reliability::BreakerHealth& b : report->breakers) {
      breakers.push_back({{"name", b.name}, {"state", reliability::CircuitStateName(b.state)}});
    }
    body["breakers"] = breakers;
    body["details"] = {{"requests", report->requests},
                       {"mean_latency_ms", report->mean_latency_ms},
                       {"baseline_latency_ms", report->baseline_latency_ms},
                       {"latency_z", report->latency_z},
                       {"error_rate", report->error_rate},
                       {"fallback_rate", report->fallback_rate},
                       {"baseline_ready", report->baseline_ready}};
  } else {
    body["status"] = "healthy";
    body["reasons"] = Json::array();
  }
  monitoring::ProfileSummary profile = deps_.metrics->profiler().Summary();
  if (profile.slowest) {
    const monitoring::StageStats& slowest = profile.stages[*profile.slowest];
    body["slowest_stage"] = {{"stage", slowest.name},
                             {"share", slowest.share},
                             {"mean_seconds", slowest.mean_seconds},
                             {"summary", profile.text}};
  }
  std::shared_ptr<const ServedModel> model = deps_.slot->current();
  if (model) body["model"] = {{"name", model->name}, {"version", model->version}};
  SetJson(response, 200, body);
}

void StatusRoutes::Ready(const HttpRequest&, HttpResponse& response) const {
  std::string reason;
  if (IsServingReady(*deps_.slot, deps_.health, &reason)) {
    return SetJson(response, 200, Json{{"ready", true}});
  }
  SetJson(response, 503, Json{{"ready", false}, {"reason", reason}});
}

void StatusRoutes::Info(const HttpRequest&, HttpResponse& response) const {
  Json body;
  std::shared_ptr<const ServedModel> model = deps_.slot->current();
  if (model) {
    body["model"] = {{"name", model->name},
                     {"version", model->version},
                     {"kind", model->kind},
                     {"path", model->path.string()},
                     {"loaded_at", FormatUtcSeconds(model->loaded_at)},
                     {"threshold", model->artifact->threshold()},
                     {"positive_rate", model->artifact->positive_rate()}};
    body["schema"] = model->artifact->schema().ToJson();
  }
  if (std::shared_ptr<const ServedModel> previous = deps_.slot->previous()) {
    body["previous_version"] = previous->version;
  }
  body["build"] = {{"version", kVersion}, {"commit", kGitCommit}};
  body["started_at"] = FormatUtcSeconds(deps_.started_at);
  body["uptime_seconds"] =
      std::chrono::duration<double>(std::chrono::system_clock::now() - deps_.started_at).count();
  if (deps_.add_info) deps_.add_info(body);
  SetJson(response, 200, body);
}

void StatusRoutes::Metrics(const HttpRequest&, HttpResponse& response) const {
  response.content_type = "text/plain; version=0.0.4; charset=utf-8";
  response.body = deps_.metrics->registry().RenderText();
}

void StatusRoutes::Drift(const HttpRequest&, HttpResponse& response) const {
  response.content_type = "application/json";
  response.status = deps_.drift->ReportJson(&response.body);
}

std::vector<RouteSpec> StatusRoutes::Routes() {
  auto bind = [this](void (StatusRoutes::*method)(const HttpRequest&, HttpResponse&) const) {
    return [this, method](const HttpRequest& q, HttpResponse& r) { (this->*method)(q, r); };
  };
  std::vector<RouteSpec> routes = {
      {"GET", "/health", RouteAccess::kOpen, bind(&StatusRoutes::Health)},
      {"GET", "/ready", RouteAccess::kOpen, bind(&StatusRoutes::Ready)},
      {"GET", "/metrics", RouteAccess::kOpen, bind(&StatusRoutes::Metrics)},
      {"GET", "/info", RouteAccess::kProtected, bind(&StatusRoutes::Info)},
  };
  if (deps_.drift) {
    routes.push_back({"GET", "/drift", RouteAccess::kProtected, bind(&StatusRoutes::Drift)});
  }
  return routes;
}

}  // namespace churnml::serving
