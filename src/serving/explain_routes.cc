#include "serving/explain_routes.h"

#include <spdlog/spdlog.h>

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "pipeline/explanations.h"
#include "serving/api/json_writer.h"
#include "serving/api/predict_codec.h"
#include "serving/model_lookup.h"
#include "serving/scoring.h"

namespace churnml::serving {

namespace {

// The rows of the request, explained by `by` after it scored them; false
// (with the reason logged) when there is no explanation to give.
bool ExplainRows(const ServedModel& by, FallbackKind fallback, const Dataset& rows,
                 Explanations* out) {
  if (fallback != FallbackKind::kNone || rows.num_rows() == 0 || !by.explainer) return false;
  Status status = by.explainer->Explain(rows, out);
  if (!status.ok()) {
    spdlog::error("explaining {} version {}: {}", by.name, by.version, status.message());
    return false;
  }
  return true;
}

void AppendContributions(const Explainer& explainer, std::span<const double> row,
                         std::string* out) {
  out->push_back('{');
  const std::vector<std::string>& names = explainer.feature_names();
  for (size_t f = 0; f < row.size(); ++f) {
    if (f > 0) out->push_back(',');
    AppendJsonString(names[f], out);
    out->push_back(':');
    AppendJsonNumber(row[f], out);
  }
  out->push_back('}');
}

// Replaces the closing '}' of the object in `out` with ",<member>" start.
void ReopenObject(std::string* out) {
  if (!out->empty() && out->back() == '}') out->pop_back();
  out->append(",\"unit\":");
  AppendJsonString(kContributionUnit, out);
}

ModelInfo InfoOf(const ServedModel& by, FallbackKind fallback, std::string_view variant) {
  return ModelInfo{by.name, by.version, FallbackName(fallback), variant};
}

// Per-thread explanation buffers, reused across requests.
Explanations& ThreadExplanations() {
  thread_local Explanations explanations;
  return explanations;
}

// The explained request: decode (the /predict codecs) → pick the A/B lane
// (the customer's variant, as /predict would) → score (the lane's Scorer:
// breaker, deadline, fallback chain) → explain (the model that answered) →
// encode, then the lane's metrics, the prediction log and the shadow
// (scoring.h). Not ServeScored itself: an explanation is a step of its own
// between scoring and encoding, and a model that cannot explain is a 409
// before it scores.
template <typename Decode, typename Encode>
void ServeExplained(const ScoringPlan& plan, const HttpRequest& request, HttpResponse& response,
                    const Decode& decode, const Encode& encode) {
  const Scorer& primary = *plan.lanes[0].scorer;
  const Clock::TimePoint started = primary.clock().Now();
  const std::shared_ptr<const ServedModel>* slot_model =
      CurrentModelOr503(primary.slot(), response);
  if (slot_model == nullptr) return;
  RequestScratch& scratch = ThreadScratch();
  StageTimer timer(primary.metrics().profiler(), primary.clock());
  Dataset& rows = RowsFor(scratch, **slot_model);
  auto decoded = decode(**slot_model, request.body, &rows);
  timer.Mark(kStageDecode);
  if (!decoded.ok()) return SetApiError(response, decoded.error());

  PlannedScore planned = PlanLane(plan, scratch, *slot_model, rows, request.request_id);
  const ServedModel& asked = **planned.model;
  if (!asked.explainer) {
    response.SetError(
        409, "this model" +
                 (planned.variant.empty() ? std::string()
                                          : " (variant " + std::string(planned.variant) + ", " +
                                                asked.name + " version " + asked.version + ")") +
                 " cannot explain its answers: " + asked.explain_error.message());
    return;
  }
  ScorePlanned(plan, scratch, rows, planned);
  const ScoreOutcome& outcome = planned.outcome;
  if (Unanswered(outcome, response)) return;
  const ServedModel& by = *outcome.answered_by;
  Explanations& explanations = ThreadExplanations();
  const bool explained = ExplainRows(by, outcome.fallback, rows, &explanations);
  timer.Mark(kStagePredict);

  FillPredictions(scratch.probabilities, by.artifact->threshold(), &scratch.predictions);
  response.body.clear();
  encode(by, outcome.fallback, planned.variant, *decoded, scratch.predictions,
         explained ? &explanations : nullptr, &response.body);
  TagFallback(outcome, response);
  if (!planned.variant.empty()) response.headers.emplace_back("X-Churnml-Variant", planned.variant);
  timer.Mark(kStageEncode);
  RecordByPlan(plan, planned, rows, request.request_id, scratch.probabilities, scratch.predictions,
               started);
}

}  // namespace

ExplainRoutes::ExplainRoutes(PredictionRoutesOptions options, const Scorer* scorer)
    : options_(options) {
  plan_.lanes.push_back({"primary", scorer, {}});
}

ExplainRoutes::ExplainRoutes(PredictionRoutesOptions options, ScoringPlan plan)
    : options_(options), plan_(std::move(plan)) {}

// POST /explain: one customer, the /predict object plus the explanation.
void ExplainRoutes::Explain(const HttpRequest& request, HttpResponse& response) const {
  const auto decode = [](const ServedModel& model, std::string_view body, Dataset* rows) {
    return model.codec->DecodePredict(body, rows);
  };
  const auto encode = [](const ServedModel& by, FallbackKind fallback, std::string_view variant,
                         const CustomerRecord& record, std::span<const Prediction> predictions,
                         const Explanations* e, std::string* out) {
    EncodePrediction(record, predictions[0], InfoOf(by, fallback, variant), out);
    ReopenObject(out);
    if (e != nullptr) {
      out->append(",\"base_value\":");
      AppendJsonNumber(e->base_values[0], out);
      out->append(",\"contributions\":");
      AppendContributions(*by.explainer, e->row(0), out);
    } else {
      out->append(",\"base_value\":null,\"contributions\":null");
    }
    out->push_back('}');
  };
  ServeExplained(plan_, request, response, decode, encode);
}

// POST /explain/batch: /predict/batch's results plus the explanations.
void ExplainRoutes::ExplainBatch(const HttpRequest& request, HttpResponse& response) const {
  const auto decode = [this](const ServedModel& model, std::string_view body, Dataset* rows) {
    return model.codec->DecodeBatch(body, options_.max_batch, rows);
  };
  const auto encode = [](const ServedModel& by, FallbackKind fallback, std::string_view variant,
                         const std::vector<CustomerRecord>& records,
                         std::span<const Prediction> predictions, const Explanations* e,
                         std::string* out) {
    EncodeBatch(records, predictions, InfoOf(by, fallback, variant), out);
    ReopenObject(out);
    if (e == nullptr) {
      out->append(",\"explanations\":null}");
      return;
    }
    out->append(",\"explanations\":[");
    size_t row = 0;
    for (size_t i = 0; i < records.size(); ++i) {
      const CustomerRecord& record = records[i];
      if (!record.ok()) continue;
      if (row > 0) out->push_back(',');
      out->append("{\"index\":");
      AppendJsonInt(static_cast<int64_t>(i), out);
      out->append(",\"customerID\":");
      if (record.has_customer_id) {
        AppendJsonString(record.customer_id, out);
      } else {
        out->append("null");
      }
      out->append(",\"base_value\":");
      AppendJsonNumber(e->base_values[row], out);
      out->append(",\"contributions\":");
      AppendContributions(*by.explainer, e->row(row), out);
      out->push_back('}');
      ++row;
    }
    out->append("]}");
  };
  ServeExplained(plan_, request, response, decode, encode);
}

std::vector<RouteSpec> ExplainRoutes::Routes() {
  return {
      {"POST", "/explain", RouteAccess::kProtected,
       [this](const HttpRequest& q, HttpResponse& r) { Explain(q, r); }},
      {"POST", "/explain/batch", RouteAccess::kProtected,
       [this](const HttpRequest& q, HttpResponse& r) { ExplainBatch(q, r); }},
  };
}

}  // namespace churnml::serving
