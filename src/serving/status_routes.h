// The health, metrics and information route group (docs/api.md):
//   GET /health   liveness and health state (open)
//   GET /ready    a model loaded and health not critical (open)
//   GET /metrics  Prometheus text format (open)
//   GET /info     model, version, schema, build
//   GET /drift    live drift of scored customers (when a LiveDrift is given)
// Open routes need a key only with --protect-health.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "reliability/health_monitor.h"
#include "serving/live_drift.h"
#include "serving/model_slot.h"
#include "serving/route_group.h"
#include "serving/serving_metrics.h"

namespace churnml::serving {

// What the group reads; it owns none of it. `slot` and `metrics` are
// required; `health` and `drift` may be null.
struct StatusRoutesDeps {
  const ModelSlot* slot = nullptr;
  ServingMetrics* metrics = nullptr;
  const reliability::HealthMonitor* health = nullptr;
  const LiveDrift* drift = nullptr;
  std::chrono::system_clock::time_point started_at = std::chrono::system_clock::now();
  // Adds members to GET /info's body (the server's A/B variants); may be empty.
  std::function<void(nlohmann::json&)> add_info = nullptr;
};

class StatusRoutes : public RouteGroup {
 public:
  explicit StatusRoutes(StatusRoutesDeps deps);

  std::string_view name() const override { return "status"; }
  std::vector<RouteSpec> Routes() override;

  void Health(const HttpRequest& request, HttpResponse& response) const;
  void Ready(const HttpRequest& request, HttpResponse& response) const;
  void Info(const HttpRequest& request, HttpResponse& response) const;
  void Metrics(const HttpRequest& request, HttpResponse& response) const;
  void Drift(const HttpRequest& request, HttpResponse& response) const;

 private:
  StatusRoutesDeps deps_;
};

}  // namespace churnml::serving
