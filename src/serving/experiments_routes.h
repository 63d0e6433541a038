// The experiments route group (docs/api.md): GET /experiments (protected,
// like /info) — the A/B variants with their weights, model versions and
// request counts, and the shadow model's counts and sliding-window
// comparison with the answers clients got.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "serving/experiments.h"
#include "serving/route_group.h"

namespace churnml::serving {

// The body of GET /experiments (statistics of an empty window are null).
nlohmann::json ExperimentsJson(const ExperimentsSnapshot& snapshot);

class ExperimentsRoutes : public RouteGroup {
 public:
  // `experiments` must outlive the group.
  explicit ExperimentsRoutes(const Experiments* experiments) : experiments_(experiments) {}

  std::string_view name() const override { return "experiments"; }
  std::vector<RouteSpec> Routes() override;

  void Get(const HttpRequest& request, HttpResponse& response) const;

 private:
  const Experiments* experiments_;
};

}  // namespace churnml::serving
