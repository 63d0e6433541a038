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

}  // namespace churnml::serving
