// The prediction route group (docs/api.md): POST /predict, POST
// /predict/batch and the Open Inference Protocol's POST
// /v2/models/{name}[/versions/{version}]/infer. Each is a Route of the one
// scoring template (scoring.h); they differ in their codec only. All are
// protected (an API key when keys are configured).
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "serving/route_group.h"
#include "serving/scorer.h"
#include "serving/scoring.h"

namespace churnml::serving {

struct PredictionRoutesOptions {
  size_t max_batch = 1000;  // customers per /predict/batch or infer request
};

class PredictionRoutes : public RouteGroup {
 public:
  // One scorer, no variants and no prediction log. `scorer` must outlive
  // the group.
  PredictionRoutes(PredictionRoutesOptions options, const Scorer* scorer);
  // A/B variants and the prediction log (scoring.h); the plan's scorers and
  // log must outlive the group.
  PredictionRoutes(PredictionRoutesOptions options, ScoringPlan plan);

  std::string_view name() const override { return "prediction"; }
  std::vector<RouteSpec> Routes() override;

  void Predict(const HttpRequest& request, HttpResponse& response) const;
  void PredictBatch(const HttpRequest& request, HttpResponse& response) const;
  void Infer(const HttpRequest& request, HttpResponse& response) const;

 private:
  PredictionRoutesOptions options_;
  ScoringPlan plan_;
};

}  // namespace churnml::serving
