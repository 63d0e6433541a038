// The alerts and operator route group (docs/alerts.md, docs/api.md); all
// protected. With `churnml serve --alerts` (over the running evaluator;
// `churnml alerts list|silence|expire` call them):
//   GET    /alerts                   alerts pending or firing
//   GET    /alerts/silences          silences (expired ones for an hour)
//   POST   /alerts/silences          add one → {"silenceID": ...}
//   DELETE /alerts/silences/{id}     expire one now
// With --enable-fault-injection:
//   GET|POST /admin/faults           read or set injected model delay/errors
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
  AdminRoutes(monitoring::AlertEvaluator* alerts, FaultInjector* faults);

  std::string_view name() const override { return "admin"; }
  std::vector<RouteSpec> Routes() override;

  void Alerts(const HttpRequest& request, HttpResponse& response) const;
  void Silences(const HttpRequest& request, HttpResponse& response) const;
  void AddSilence(const HttpRequest& request, HttpResponse& response) const;
  void ExpireSilence(const HttpRequest& request, HttpResponse& response) const;
  // GET reads the settings; POST {"delay_ms":..,"error_rate":..} sets them.
  void Faults(const HttpRequest& request, HttpResponse& response) const;

 private:
  monitoring::AlertEvaluator* alerts_;
  FaultInjector* faults_;
};

}  // namespace churnml::serving
