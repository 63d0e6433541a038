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

namespace churnml::serving {

struct PredictionRoutesOptions {
  size_t max_batch = 1000;  // customers per /predict/batch or infer request
};

class PredictionRoutes : public RouteGroup {
 public:
  // `scorer` must outlive the group.
  PredictionRoutes(PredictionRoutesOptions options, const Scorer* scorer);

  std::string_view name() const override { return "prediction"; }
  std::vector<RouteSpec> Routes() override;

  void Predict(const HttpRequest& request, HttpResponse& response) const;
  void PredictBatch(const HttpRequest& request, HttpResponse& response) const;
  void Infer(const HttpRequest& request, HttpResponse& response) const;

 private:
  PredictionRoutesOptions options_;
  const Scorer* scorer_;
};

}  // namespace churnml::serving
