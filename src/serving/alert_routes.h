// The alert endpoints of `churnml serve --alerts` (docs/alerts.md), over the
// running AlertEvaluator; `churnml alerts list|silence|expire` call them.
//   GET    /alerts                   alerts pending or firing
//   GET    /alerts/silences          silences (expired ones for an hour)
//   POST   /alerts/silences          add one → {"silenceID": ...}
//   DELETE /alerts/silences/{id}     expire one now
#pragma once

#include "common/status.h"
#include "monitoring/alerts/alert_evaluator.h"
#include "serving/http/router.h"

namespace churnml::serving {

// `evaluator` must outlive the router's use.
Status AddAlertRoutes(Router& router, monitoring::AlertEvaluator* evaluator);

}  // namespace churnml::serving
