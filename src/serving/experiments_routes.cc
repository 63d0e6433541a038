#include "serving/experiments_routes.h"

#include <cmath>

#include "common/json_dump.h"

namespace churnml::serving {

namespace {

nlohmann::json NumberOrNull(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json ExperimentsJson(const ExperimentsSnapshot& snapshot) {
  nlohmann::json variants = nlohmann::json::array();
  for (const VariantState& v : snapshot.variants) {
    nlohmann::json entry = {{"name", v.name},
                            {"ref", v.ref},
                            {"weight", v.weight},
                            {"model", v.model},
                            {"version", v.version}};
    entry["requests"] = v.requests >= 0 ? nlohmann::json(v.requests) : nlohmann::json(nullptr);
    variants.push_back(std::move(entry));
  }
  const ShadowStats& s = snapshot.shadow;
  const ComparisonStats& c = s.comparison;
  nlohmann::json shadow = {{"enabled", s.enabled},
                           {"ref", s.enabled ? nlohmann::json(s.ref) : nlohmann::json(nullptr)},
                           {"model", s.model},
                           {"version", s.version},
                           {"offered", s.offered},
                           {"dropped", s.dropped},
                           {"scored", s.scored},
                           {"failed", s.failed},
                           {"queue_depth", s.queue_depth},
                           {"queue_capacity", s.queue_capacity},
                           {"breaker", s.breaker_state},
                           {"window",
                            {{"size", c.window},
                             {"pairs", c.pairs},
                             {"total_pairs", c.total_pairs},
                             {"agreement", NumberOrNull(c.agreement)},
                             {"mean_diff", NumberOrNull(c.mean_diff)},
                             {"mean_abs_diff", NumberOrNull(c.mean_abs_diff)},
                             {"spearman", NumberOrNull(c.spearman)}}}};
  return nlohmann::json{{"variants", std::move(variants)},
                        {"shadow", std::move(shadow)},
                        {"reloads",
                         {{"applied", snapshot.reloads_applied},
                          {"failed", snapshot.reloads_failed},
                          {"last_error", snapshot.last_reload_error.empty()
                                             ? nlohmann::json(nullptr)
                                             : nlohmann::json(snapshot.last_reload_error)}}}};
}

void ExperimentsRoutes::Get(const HttpRequest&, HttpResponse& response) const {
  response.status = 200;
  response.content_type = "application/json";
  response.body = DumpJson(ExperimentsJson(experiments_->Snapshot()));
}

std::vector<RouteSpec> ExperimentsRoutes::Routes() {
  return {{"GET", "/experiments", RouteAccess::kProtected,
           [this](const HttpRequest& q, HttpResponse& r) { Get(q, r); }}};
}

}  // namespace churnml::serving
