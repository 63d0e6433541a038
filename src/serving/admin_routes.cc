#include "serving/admin_routes.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "common/json_dump.h"
#include "common/strings.h"
#include "monitoring/alerts/alert_json.h"
#include "serving/api/api_error.h"

namespace churnml::serving {

using Json = nlohmann::json;

AdminRoutes::AdminRoutes(monitoring::AlertEvaluator* alerts, FaultInjector* faults,
                         FaultInjector* shadow_faults)
    : alerts_(alerts), faults_(faults), shadow_faults_(shadow_faults) {}

void AdminRoutes::Alerts(const HttpRequest&, HttpResponse& response) const {
  response.body = monitoring::EncodeAlerts(alerts_->Alerts());
}

void AdminRoutes::Silences(const HttpRequest&, HttpResponse& response) const {
  response.body =
      monitoring::EncodeSilences(alerts_->ListSilences(), std::chrono::system_clock::now());
}

void AdminRoutes::AddSilence(const HttpRequest& request, HttpResponse& response) const {
  Result<monitoring::Silence> silence = monitoring::DecodeSilenceRequest(request.body);
  if (!silence.ok()) return response.SetError(400, silence.status().message());
  Result<std::string> id = alerts_->AddSilence(std::move(*silence));
  if (!id.ok()) return response.SetError(400, id.status().message());
  response.status = 201;
  response.body = monitoring::EncodeSilenceId(*id);
}

void AdminRoutes::ExpireSilence(const HttpRequest& request, HttpResponse& response) const {
  Status expired = alerts_->ExpireSilence(std::string(request.Param("id")));
  if (expired.code() == StatusCode::kNotFound) return response.SetError(404, expired.message());
  if (!expired.ok()) return response.SetError(409, expired.message());
  response.body = "{}";
}

void AdminRoutes::Faults(const HttpRequest& request, HttpResponse& response) const {
  ServeFaults(*faults_, "model", request, response);
}

void AdminRoutes::ShadowFaults(const HttpRequest& request, HttpResponse& response) const {
  ServeFaults(*shadow_faults_, "shadow model", request, response);
}

void AdminRoutes::ServeFaults(FaultInjector& faults, std::string_view target,
                              const HttpRequest& request, HttpResponse& response) {
  if (request.method == "POST") {
    Json body = Json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    if (!body.is_object()) return response.SetError(400, "invalid JSON: expected an object");
    FaultSettings settings;
    for (const auto& [key, value] : body.items()) {
      if (key == "delay_ms" && value.is_number() && value.get<double>() >= 0 &&
          value.get<double>() <= 60000) {
        settings.delay =
            std::chrono::microseconds(static_cast<int64_t>(value.get<double>() * 1000));
      } else if (key == "error_rate" && value.is_number() && value.get<double>() >= 0 &&
                 value.get<double>() <= 1) {
        settings.error_rate = value.get<double>();
      } else {
        return response.SetError(422, "field \"" + Abbreviate(key, kMaxQuotedBytes) +
                                          "\": expected delay_ms in [0, 60000] or error_rate in "
                                          "[0, 1]");
      }
    }
    faults.Set(settings);
    spdlog::warn("fault injection set on the {}: delay {} ms, error rate {}", target,
                 settings.delay.count() / 1000.0, settings.error_rate);
  }
  FaultSettings now = faults.Get();
  response.status = 200;
  response.content_type = "application/json";
  response.body =
      DumpJson(Json{{"delay_ms", now.delay.count() / 1000.0}, {"error_rate", now.error_rate}});
}

std::vector<RouteSpec> AdminRoutes::Routes() {
  auto bind = [this](void (AdminRoutes::*method)(const HttpRequest&, HttpResponse&) const) {
    return [this, method](const HttpRequest& q, HttpResponse& r) { (this->*method)(q, r); };
  };
  std::vector<RouteSpec> routes;
  if (alerts_) {
    routes.push_back({"GET", "/alerts", RouteAccess::kProtected, bind(&AdminRoutes::Alerts)});
    routes.push_back(
        {"GET", "/alerts/silences", RouteAccess::kProtected, bind(&AdminRoutes::Silences)});
    routes.push_back(
        {"POST", "/alerts/silences", RouteAccess::kProtected, bind(&AdminRoutes::AddSilence)});
    routes.push_back({"DELETE", "/alerts/silences/{id}", RouteAccess::kProtected,
                      bind(&AdminRoutes::ExpireSilence)});
  }
  if (faults_) {
    routes.push_back({"GET", "/admin/faults", RouteAccess::kProtected, bind(&AdminRoutes::Faults)});
    routes.push_back(
        {"POST", "/admin/faults", RouteAccess::kProtected, bind(&AdminRoutes::Faults)});
  }
  if (shadow_faults_) {
    routes.push_back(
        {"GET", "/admin/faults/shadow", RouteAccess::kProtected, bind(&AdminRoutes::ShadowFaults)});
    routes.push_back({"POST", "/admin/faults/shadow", RouteAccess::kProtected,
                      bind(&AdminRoutes::ShadowFaults)});
  }
  return routes;
}

}  // namespace churnml::serving
