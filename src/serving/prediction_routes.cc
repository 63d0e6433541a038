#include "serving/prediction_routes.h"

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "serving/api/oip_codec.h"
#include "serving/api/predict_codec.h"
#include "serving/model_lookup.h"
#include "serving/scoring.h"

namespace churnml::serving {

namespace {

ModelInfo InfoOf(const ServedModel& by, FallbackKind fallback) {
  return ModelInfo{by.name, by.version, FallbackName(fallback)};
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
  void Encode(const ServedModel& by, FallbackKind fallback, const CustomerRecord& record,
              std::span<const Prediction> predictions, std::string* out) const {
    EncodePrediction(record, predictions[0], InfoOf(by, fallback), out);
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
  void Encode(const ServedModel& by, FallbackKind fallback, const Decoded& records,
              std::span<const Prediction> predictions, std::string* out) const {
    EncodeBatch(records, predictions, InfoOf(by, fallback), out);
  }
};

// POST /v2/models/{name}[/versions/{version}]/infer.
struct InferRoute {
  const ModelSlot& slot;
  size_t max_batch;
  using Decoded = InferRequest;
  const std::shared_ptr<const ServedModel>* Model(const HttpRequest& q, HttpResponse& r) const {
    return NamedModelOr404(slot, q, r);
  }
  ApiResult<InferRequest> Decode(const ServedModel& model, std::string_view body,
                                 Dataset* rows) const {
    return model.oip->DecodeInferRequest(body, max_batch, rows);
  }
  void Encode(const ServedModel& by, FallbackKind, const InferRequest& request,
              std::span<const Prediction> predictions, std::string* out) const {
    EncodeInferResponse(by.name, by.version, request, predictions, out);
  }
};

}  // namespace

PredictionRoutes::PredictionRoutes(PredictionRoutesOptions options, const Scorer* scorer)
    : options_(options), scorer_(scorer) {}

void PredictionRoutes::Predict(const HttpRequest& request, HttpResponse& response) const {
  ServeScored(*scorer_, PredictRoute{scorer_->slot()}, request, response);
}

void PredictionRoutes::PredictBatch(const HttpRequest& request, HttpResponse& response) const {
  ServeScored(*scorer_, BatchRoute{scorer_->slot(), options_.max_batch}, request, response);
}

void PredictionRoutes::Infer(const HttpRequest& request, HttpResponse& response) const {
  ServeScored(*scorer_, InferRoute{scorer_->slot(), options_.max_batch}, request, response);
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
