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

PlannedScore PlanLane(const ScoringPlan& plan, RequestScratch& scratch,
                      const std::shared_ptr<const ServedModel>& primary, const Dataset& rows,
                      std::string_view request_id) {
  PlannedScore planned;
  planned.lane = PickLane(plan, scratch.split, rows, request_id);
  planned.model = &primary;
  if (planned.lane > 0) {
    const std::shared_ptr<const ServedModel>& variant =
        plan.lanes[planned.lane].scorer->slot().Read(scratch.variants[planned.lane - 1]);
    if (variant) {
      planned.model = &variant;
    } else {
      planned.lane = 0;
    }
  }
  if (plan.lanes.size() > 1) planned.variant = plan.lanes[planned.lane].name;
  planned.outcome.answered_by = *planned.model;
  return planned;
}

void ScorePlanned(const ScoringPlan& plan, RequestScratch& scratch, const Dataset& rows,
                  PlannedScore& planned) {
  scratch.probabilities.clear();
  if (rows.num_rows() > 0) {
    planned.outcome =
        plan.lanes[planned.lane].scorer->Score(*planned.model, rows, &scratch.probabilities);
  }
}

PlannedScore ScoreByPlan(const ScoringPlan& plan, RequestScratch& scratch,
                         const std::shared_ptr<const ServedModel>& primary, const Dataset& rows,
                         std::string_view request_id) {
  PlannedScore planned = PlanLane(plan, scratch, primary, rows, request_id);
  ScorePlanned(plan, scratch, rows, planned);
  return planned;
}

void RecordByPlan(const ScoringPlan& plan, const PlannedScore& planned, const Dataset& rows,
                  std::string_view request_id, const std::vector<double>& probabilities,
                  std::span<const Prediction> predictions, Clock::TimePoint started) {
  if (rows.num_rows() == 0) return;
  const ScoringLane& lane = plan.lanes[planned.lane];
  const ScoreOutcome& outcome = planned.outcome;
  lane.scorer->Record(**planned.model, outcome, probabilities, started);
  if (const ServingMetrics::VariantSeries& series = lane.series; series.duration) {
    int64_t positives = 0;
    for (const Prediction& p : predictions) positives += p.prediction;
    if (positives > 0) series.positives->Increment(static_cast<double>(positives));
    const int64_t negatives = static_cast<int64_t>(predictions.size()) - positives;
    if (negatives > 0) series.negatives->Increment(static_cast<double>(negatives));
    series.duration->Observe(
        std::chrono::duration<double>(lane.scorer->clock().Now() - started).count());
  }
  if (plan.log) {
    LogPredictions(*plan.log, rows, request_id, lane.name, *outcome.answered_by, predictions);
  }
  if (plan.shadow && outcome.fallback == FallbackKind::kNone) {
    plan.shadow->Offer(rows, request_id, lane.name, predictions);
  }
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
