// The alerts and operator route group (docs/alerts.md, docs/api.md); all
// protected. With `churnml serve --alerts` (over the running evaluator;
// `churnml alerts list|silence|expire` call them):
//   GET    /alerts                   alerts pending or firing
//   GET    /alerts/silences          silences (expired ones for an hour)
//   POST   /alerts/silences          add one → {"silenceID": ...}
//   DELETE /alerts/silences/{id}     expire one now
// With --enable-fault-injection:
//   GET|POST /admin/faults           read or set injected model delay/errors
//   GET|POST /admin/faults/shadow    the same for the shadow model (serve --shadow)
#pragma once

#include <string_view>
#include <vector>

#include "monitoring/alerts/alert_evaluator.h"
#include "serving/fault_injector.h"
#include "serving/route_group.h"

namespace churnml::serving {

class AdminRoutes : public RouteGroup {
 public:
  // Either may be null: its routes are then absent. Both must outlive the
  // group.
  // `shadow_faults` (may be null) are the shadow model's own faults.
  AdminRoutes(monitoring::AlertEvaluator* alerts, FaultInjector* faults,
              FaultInjector* shadow_faults = nullptr);

  std::string_view name() const override { return "admin"; }
  std::vector<RouteSpec> Routes() override;

  void Alerts(const HttpRequest& request, HttpResponse& response) const;
  void Silences(const HttpRequest& request, HttpResponse& response) const;
  void AddSilence(const HttpRequest& request, HttpResponse& response) const;
  void ExpireSilence(const HttpRequest& request, HttpResponse& response) const;
  // GET reads the settings; POST {"delay_ms":..,"error_rate":..} sets them.
  void Faults(const HttpRequest& request, HttpResponse& response) const;
  void ShadowFaults(const HttpRequest& request, HttpResponse& response) const;

 private:
  static void ServeFaults(FaultInjector& faults, std::string_view target,
                          const HttpRequest& request, HttpResponse& response);

  monitoring::AlertEvaluator* alerts_;
  FaultInjector* faults_;
  FaultInjector* shadow_faults_;
};

}  // namespace churnml::serving
