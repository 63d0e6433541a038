#include "serving/oip_metadata_routes.h"

#include <memory>
#include <utility>

#include "serving/api/json_writer.h"
#include "serving/api/oip_codec.h"
#include "serving/model_lookup.h"

namespace churnml::serving {

OipMetadataRoutes::OipMetadataRoutes(std::string server_version, const ModelSlot* slot,
                                     const reliability::HealthMonitor* health)
    : server_version_(std::move(server_version)), slot_(slot), health_(health) {}

void OipMetadataRoutes::ServerMetadata(const HttpRequest&, HttpResponse& response) const {
  response.body.clear();
  EncodeServerMetadata(server_version_, &response.body);
}

void OipMetadataRoutes::Live(const HttpRequest&, HttpResponse& response) const {
  response.body = R"({"live":true})";
}

void OipMetadataRoutes::Ready(const HttpRequest&, HttpResponse& response) const {
  std::string reason;
  const bool ready = IsServingReady(*slot_, health_, &reason);
  response.status = ready ? 200 : 503;
  response.body = ready ? R"({"ready":true})" : R"({"ready":false})";
}

void OipMetadataRoutes::ModelMetadata(const HttpRequest& request, HttpResponse& response) const {
  const std::shared_ptr<const ServedModel>* model = NamedModelOr404(*slot_, request, response);
  if (model == nullptr) return;
  std::vector<std::string> versions{(*model)->version};
  response.body.clear();
  EncodeModelMetadata((*model)->artifact->schema(), (*model)->name, versions, &response.body);
}

void OipMetadataRoutes::ModelReady(const HttpRequest& request, HttpResponse& response) const {
  const std::shared_ptr<const ServedModel>* model = NamedModelOr404(*slot_, request, response);
  if (model == nullptr) return;
  std::string reason;
  const bool ready = IsServingReady(*slot_, health_, &reason);
  response.status = ready ? 200 : 503;
  response.body = "{\"name\":";
  AppendJsonString((*model)->name, &response.body);
  response.body += ready ? ",\"ready\":true}" : ",\"ready\":false}";
}

std::vector<RouteSpec> OipMetadataRoutes::Routes() {
  auto bind = [this](void (OipMetadataRoutes::*method)(const HttpRequest&, HttpResponse&) const) {
    return [this, method](const HttpRequest& q, HttpResponse& r) { (this->*method)(q, r); };
  };
  std::vector<RouteSpec> routes = {
      {"GET", "/v2", RouteAccess::kProtected, bind(&OipMetadataRoutes::ServerMetadata)},
      {"GET", "/v2/health/live", RouteAccess::kOpen, bind(&OipMetadataRoutes::Live)},
      {"GET", "/v2/health/ready", RouteAccess::kOpen, bind(&OipMetadataRoutes::Ready)},
  };
  for (const char* prefix : {"/v2/models/{name}", "/v2/models/{name}/versions/{version}"}) {
    const std::string base = prefix;
    routes.push_back(
        {"GET", base, RouteAccess::kProtected, bind(&OipMetadataRoutes::ModelMetadata)});
    routes.push_back(
        {"GET", base + "/ready", RouteAccess::kProtected, bind(&OipMetadataRoutes::ModelReady)});
  }
  return routes;
}

}  // namespace churnml::serving
