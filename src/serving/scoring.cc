#include "serving/scoring.h"

namespace churnml::serving {

RequestScratch& ThreadScratch() {
  thread_local RequestScratch scratch;
  return scratch;
}

Dataset& RowsFor(RequestScratch& scratch, const ServedModel& model) {
  if (scratch.rows_model != &model) {
    scratch.rows = Dataset(model.artifact->schema());
    scratch.rows_model = &model;
  } else {
    scratch.rows.Clear();
  }
  return scratch.rows;
}

void SetApiError(HttpResponse& response, const ApiError& error) {
  response.status = error.http_status();
  response.content_type = "application/json";
  response.body = error.ToJson();
}

void FillPredictions(const std::vector<double>& probabilities, double threshold,
                     std::vector<Prediction>* out) {
  out->clear();
  for (double p : probabilities) out->push_back(Prediction{p, p >= threshold ? 1 : 0});
}

void TagFallback(const ScoreOutcome& outcome, HttpResponse& response) {
  if (outcome.fallback != FallbackKind::kNone) {
    response.headers.emplace_back("X-Churnml-Fallback", FallbackName(outcome.fallback));
  }
}

bool Unanswered(const ScoreOutcome& outcome, HttpResponse& response) {
  if (outcome.error.ok() || outcome.fallback != FallbackKind::kNone) return false;
  response.SetError(503, "the model could not answer and the fallback chain is off");
  return true;
}

size_t PickLane(const ScoringPlan& plan, SplitSlot::Reader& reader, const Dataset& rows,
                std::string_view request_id) {
  if (plan.lanes.size() < 2 || plan.split == nullptr) return 0;
  const VariantSplit* split = plan.split->Read(reader);
  if (split == nullptr || split->size() != plan.lanes.size()) return 0;
  std::string_view key = request_id;
  if (rows.num_rows() > 0 && !rows.ids()[0].empty()) key = rows.ids()[0];
  return split->Pick(key);
}

void LogPredictions(PredictionLog& log, const Dataset& rows, std::string_view request_id,
                    std::string_view variant, const ServedModel& by,
                    std::span<const Prediction> predictions) {
  for (size_t i = 0; i < predictions.size() && i < rows.num_rows(); ++i) {
    log.Append(PredictionLogEntry{.request_id = request_id,
                                  .customer_id = rows.ids()[i],
                                  .variant = variant,
                                  .model = by.name,
                                  .version = by.version,
                                  .score = predictions[i].probability,
                                  .prediction = predictions[i].prediction,
                                  .rows = &rows,
                                  .row = i});
  }
}

}  // namespace churnml::serving
