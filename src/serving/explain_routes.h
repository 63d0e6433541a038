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
// fallback chain, metrics) and the scoring template's helpers (scoring.h). A model that cannot
// explain answers 409 with the reason (A/B variants and the prediction log are for the prediction
// routes; explanations are the primary model's); an answer from the fallback chain carries no
// explanation ("contributions"/"explanations" null) since the model did
// not answer.
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

  std::string_view name() const override { return "explain"; }
  std::vector<RouteSpec> Routes() override;

  void Explain(const HttpRequest& request, HttpResponse& response) const;
  void ExplainBatch(const HttpRequest& request, HttpResponse& response) const;

 private:
  PredictionRoutesOptions options_;
  const Scorer* scorer_;
};

}  // namespace churnml::serving
