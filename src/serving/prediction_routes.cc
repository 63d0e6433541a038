#include "serving/prediction_routes.h"

#include <spdlog/spdlog.h>

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pipeline/explanations.h"
#include "serving/api/oip_codec.h"
#include "serving/api/predict_codec.h"
#include "serving/model_lookup.h"
#include "serving/scoring.h"

namespace churnml::serving {

namespace {

ModelInfo InfoOf(const ServedModel& by, FallbackKind fallback, std::string_view variant) {
  return ModelInfo{by.name, by.version, FallbackName(fallback), variant};
}

// POST /predict: one customer.
struct PredictRoute {
  const ModelSlot& slot;
  using Decoded = CustomerRecord;
  const std::shared_ptr<const ServedModel>* Model(const HttpRequest&, HttpResponse& r) const {
    return CurrentModelOr503(slot, r);
  }
  ApiResult<CustomerRecord> Decode(const ServedModel& model, std::string_view body,
                                   Dataset* rows) const {
    return model.codec->DecodePredict(body, rows);
  }
  void Encode(const ServedModel& by, FallbackKind fallback, std::string_view variant,
              const CustomerRecord& record, std::span<const Prediction> predictions,
              std::string* out) const {
    EncodePrediction(record, predictions[0], InfoOf(by, fallback, variant), out);
  }
};

// POST /predict/batch: per-customer results; bad customers do not fail it.
struct BatchRoute {
  const ModelSlot& slot;
  size_t max_batch;
  using Decoded = std::vector<CustomerRecord>;
  const std::shared_ptr<const ServedModel>* Model(const HttpRequest&, HttpResponse& r) const {
    return CurrentModelOr503(slot, r);
  }
  ApiResult<Decoded> Decode(const ServedModel& model, std::string_view body, Dataset* rows) const {
    return model.codec->DecodeBatch(body, max_batch, rows);
  }
  void Encode(const ServedModel& by, FallbackKind fallback, std::string_view variant,
              const Decoded& records, std::span<const Prediction> predictions,
              std::string* out) const {
    EncodeBatch(records, predictions, InfoOf(by, fallback, variant), out);
  }
};

// POST /v2/models/{name}[/versions/{version}]/infer; with
// "parameters":{"explain":true} the answer carries the explanation outputs
// (explain_routes.h says why a fallback answer has none).
struct InferRoute {
  const ModelSlot& slot;
  size_t max_batch;
  struct Decoded {
    InferRequest request;
    const Dataset* rows = nullptr;
  };
  const std::shared_ptr<const ServedModel>* Model(const HttpRequest& q, HttpResponse& r) const {
    return NamedModelOr404(slot, q, r);
  }
  ApiResult<Decoded> Decode(const ServedModel& model, std::string_view body, Dataset* rows) const {
    ApiResult<InferRequest> request = model.oip->DecodeInferRequest(body, max_batch, rows);
    if (!request.ok()) return request.error();
    if (request->explain && !model.explainer) {
      return ApiError{
          .kind = ApiErrorKind::kInvalidInference,
          .message = "this model cannot explain its answers: " + model.explain_error.message(),
          .fields = {},
          .more_fields = 0};
    }
    return Decoded{std::move(request).value(), rows};
  }
  void Encode(const ServedModel& by, FallbackKind fallback, std::string_view,
              const Decoded& decoded, std::span<const Prediction> predictions,
              std::string* out) const {
    EncodeInferResponse(by.name, by.version, decoded.request, predictions, out);
    if (!decoded.request.explain || fallback != FallbackKind::kNone || !by.explainer ||
        decoded.rows->num_rows() == 0) {
      return;
    }
    thread_local Explanations explanations;
    if (Status s = by.explainer->Explain(*decoded.rows, &explanations); !s.ok()) {
      spdlog::error("explaining {} version {}: {}", by.name, by.version, s.message());
      return;
    }
    AppendInferExplanation(decoded.request, by.explainer->feature_names(),
                           explanations.contributions, explanations.base_values, out);
  }
};

}  // namespace

PredictionRoutes::PredictionRoutes(PredictionRoutesOptions options, const Scorer* scorer)
    : options_(options) {
  plan_.lanes.push_back({"primary", scorer, {}});
}

PredictionRoutes::PredictionRoutes(PredictionRoutesOptions options, ScoringPlan plan)
    : options_(options), plan_(std::move(plan)) {}

void PredictionRoutes::Predict(const HttpRequest& request, HttpResponse& response) const {
  ServeScored(plan_, PredictRoute{plan_.lanes[0].scorer->slot()}, request, response);
}

void PredictionRoutes::PredictBatch(const HttpRequest& request, HttpResponse& response) const {
  ServeScored(plan_, BatchRoute{plan_.lanes[0].scorer->slot(), options_.max_batch}, request,
              response);
}

void PredictionRoutes::Infer(const HttpRequest& request, HttpResponse& response) const {
  ServeScored(plan_, InferRoute{plan_.lanes[0].scorer->slot(), options_.max_batch}, request,
              response);
}

std::vector<RouteSpec> PredictionRoutes::Routes() {
  auto bind = [this](void (PredictionRoutes::*method)(const HttpRequest&, HttpResponse&) const) {
    return [this, method](const HttpRequest& q, HttpResponse& r) { (this->*method)(q, r); };
  };
  std::vector<RouteSpec> routes = {
      {"POST", "/predict", RouteAccess::kProtected, bind(&PredictionRoutes::Predict)},
      {"POST", "/predict/batch", RouteAccess::kProtected, bind(&PredictionRoutes::PredictBatch)},
  };
  for (const char* base : {"/v2/models/{name}", "/v2/models/{name}/versions/{version}"}) {
    routes.push_back({"POST", std::string(base) + "/infer", RouteAccess::kProtected,
                      bind(&PredictionRoutes::Infer)});
  }
  return routes;
}

}  // namespace churnml::serving
