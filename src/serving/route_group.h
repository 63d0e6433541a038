// Route groups: the serving layer is split by resource, and each group
// declares its own routes and which of them are open (served without an
// API key, for load balancers and Prometheus). To add a group:
//
//   class ExplainRoutes : public RouteGroup {
//    public:
//     std::string_view name() const override { return "explain"; }
//     std::vector<RouteSpec> Routes() override {
//       return {{"POST", "/explain", RouteAccess::kProtected,
//                [this](const HttpRequest& q, HttpResponse& r) { Explain(q, r); }}};
//     }
//   };
//   ...
//   CHURNML_RETURN_IF_ERROR(routes.Add(explain_group));   // in ServerRuntime::Init
//
// The groups of `churnml serve`: PredictionRoutes (prediction_routes.h),
// OipMetadataRoutes (oip_metadata_routes.h), StatusRoutes
// (status_routes.h), AdminRoutes (admin_routes.h, alerts and faults).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "serving/http/router.h"

namespace churnml::serving {

enum class RouteAccess {
  kProtected,  // an API key is required when keys are configured
  kOpen,       // served without a key unless --protect-health
  // Protected, and opened by a browser (a page, its assets, its event
  // stream): a refusal challenges with WWW-Authenticate: Basic so the
  // browser asks for the key (as the password) and sends it from then on.
  kBrowser,
};

struct RouteSpec {
  std::string method;   // "GET", "POST", ...
  std::string pattern;  // Router pattern; an open route's is a literal path
  RouteAccess access = RouteAccess::kProtected;
  RouteHandler handler;
};

class RouteGroup {
 public:
  virtual ~RouteGroup() = default;
  // For messages: "prediction", "status", ...
  virtual std::string_view name() const = 0;
  // The group's routes. Called once, before the server starts; handlers may
  // capture `this` (the group outlives the server's use of the table).
  virtual std::vector<RouteSpec> Routes() = 0;
};

// Every group's routes in one Router, and the list of open paths the
// request gate lets through.
class RouteTable {
 public:
  // Adds `group`'s routes. Errors name the group: a route the Router
  // refuses (bad pattern, the same method and pattern twice), or an open
  // route whose pattern has a {param} (open paths are compared literally).
  Status Add(RouteGroup& group);

  const Router& router() const { return router_; }
  // The literal paths of the open routes, in the order added.
  const std::vector<std::string>& open_paths() const { return open_paths_; }
  // The browser routes (RouteAccess::kBrowser) as path prefixes: a literal
  // pattern as is, "/dashboard/{asset}" as "/dashboard/" (the gate's
  // RequestGateOptions::browser_paths).
  const std::vector<std::string>& browser_paths() const { return browser_paths_; }

 private:
  Router router_;
  std::vector<std::string> open_paths_;
  std::vector<std::string> browser_paths_;
};

}  // namespace churnml::serving
