// POST /explain and POST /explain/batch: the /predict and /predict/batch
// answers, each scored row with its explanation — a base value and one
// contribution per raw feature, in log-odds (pipeline/explanations.h):
//
//   /explain        the /predict object plus "unit":"log-odds",
//                   "base_value":b, "contributions":{"tenure":-0.41,...}
//   /explain/batch  the /predict/batch object plus "unit":"log-odds" and
//                   "explanations":[{"index":i,"customerID":..,
//                   "base_value":b,"contributions":{...}}...], one per
//                   scored customer (index: its place in "results")
//
// Scored with the /predict decoders, limits, Scorer (breaker, deadline,
// fallback chain, metrics) and the scoring template's helpers (scoring.h).
// With A/B variants a request goes to the customer's variant exactly as on
// /predict (the first customer's id, else the request id) and is explained
// by that variant's model; the answer names it ("variant", "model",
// "version", and the X-Churnml-Variant header), and it counts in the
// variant's series, the prediction log and the shadow like a /predict
// answer. A model that cannot explain answers 409 with the reason; an
// answer from the fallback chain carries no explanation
// ("contributions"/"explanations" null) since the model did not answer.
#pragma once

#include <string_view>
#include <vector>

#include "serving/prediction_routes.h"
#include "serving/route_group.h"
#include "serving/scorer.h"

namespace churnml::serving {

class ExplainRoutes : public RouteGroup {
 public:
  // `scorer` must outlive the group. options.max_batch bounds /explain/batch.
  ExplainRoutes(PredictionRoutesOptions options, const Scorer* scorer);
  // A/B variants, the prediction log and the shadow (scoring.h); the plan's
  // scorers, log and shadow must outlive the group.
  ExplainRoutes(PredictionRoutesOptions options, ScoringPlan plan);

  std::string_view name() const override { return "explain"; }
  std::vector<RouteSpec> Routes() override;

  void Explain(const HttpRequest& request, HttpResponse& response) const;
  void ExplainBatch(const HttpRequest& request, HttpResponse& response) const;

 private:
  PredictionRoutesOptions options_;
  ScoringPlan plan_;
};

}  // namespace churnml::serving
