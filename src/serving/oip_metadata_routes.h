// The Open Inference Protocol's metadata and health routes (docs/api.md):
//   GET /v2                                           server metadata
//   GET /v2/health/live, /v2/health/ready             open
//   GET /v2/models/{name}[/versions/{version}]        model metadata
//   GET /v2/models/{name}[/versions/{version}]/ready  model readiness
// (The protocol's infer route scores, so it is in PredictionRoutes.)
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "reliability/health_monitor.h"
#include "serving/model_slot.h"
#include "serving/route_group.h"

namespace churnml::serving {

class OipMetadataRoutes : public RouteGroup {
 public:
  // `slot` must outlive the group; `health` may be null.
  OipMetadataRoutes(std::string server_version, const ModelSlot* slot,
                    const reliability::HealthMonitor* health);

  std::string_view name() const override { return "oip-metadata"; }
  std::vector<RouteSpec> Routes() override;

  void ServerMetadata(const HttpRequest& request, HttpResponse& response) const;
  void Live(const HttpRequest& request, HttpResponse& response) const;
  void Ready(const HttpRequest& request, HttpResponse& response) const;
  void ModelMetadata(const HttpRequest& request, HttpResponse& response) const;
  void ModelReady(const HttpRequest& request, HttpResponse& response) const;

 private:
  std::string server_version_;
  const ModelSlot* slot_;
  const reliability::HealthMonitor* health_;
};

}  // namespace churnml::serving
