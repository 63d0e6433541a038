// The one request template every scoring route runs: model → decode
// (straight into the thread's typed Dataset) → score (Scorer: breaker,
// deadline, fallback chain) → encode, each stage timed by the stage
// profiler. /predict, /predict/batch and /infer differ only in their Route:
//
//   struct Route {
//     using Decoded = ...;  // what the encoder needs besides the rows
//     // The model for the request (decode and score), or null after
//     // answering the response (404, 503). The pointer stays valid for
//     // the request (it is the thread's slot snapshot).
//     const std::shared_ptr<const ServedModel>* Model(const HttpRequest&,
//                                                     HttpResponse&) const;
//     // Decodes the body, appending the valid customers to `rows`.
//     ApiResult<Decoded> Decode(const ServedModel&, std::string_view body,
//                               Dataset* rows) const;
//     // Encodes the answer of the model that answered (`by`); `variant`
//     // is the A/B variant's name ("" without variants).
//     void Encode(const ServedModel& by, FallbackKind fallback, std::string_view variant,
//                 const Decoded&, std::span<const Prediction> predictions,
//                 std::string* out) const;
//   };
//
// A/B variants (ScoringPlan): the request is decoded with the primary
// model's codec (variants read the same schema), then scored by the variant
// its first customer's id picks (the request id when it has none), so a
// customer always sees the same variant. A batch goes to one variant as a
// whole. Every answered row goes to the prediction log when one is open.
// The split is read through a SplitSlot, so a SIGHUP reload can change the
// weights between two requests.
//
// Shadow model (ScoringPlan::shadow): a request the model answered (not the
// fallback chain) is offered to the shadow after the answer is encoded; the
// offer copies the rows into a bounded queue or drops them, and never waits
// for the shadow (shadow.h).
//
// No lock is shared between io threads: the model is read through the
// thread's ModelSlot::Reader and the working memory is per thread.
#pragma once

#include <array>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/clock.h"
#include "data/dataset.h"
#include "monitoring/stage_profiler.h"
#include "serving/api/api_error.h"
#include "serving/api/predict_codec.h"
#include "serving/http/http_message.h"
#include "serving/model_slot.h"
#include "serving/prediction_log.h"
#include "serving/scorer.h"
#include "serving/shadow.h"
#include "serving/variant_split.h"

namespace churnml::serving {

// Per-thread working memory of the prediction path, reused across requests.
struct RequestScratch {
  ModelSlot::Reader reader;                              // the primary's slot
  std::array<ModelSlot::Reader, kMaxVariants> variants;  // each variant's slot
  SplitSlot::Reader split;                               // the split in force
  const ServedModel* rows_model = nullptr;               // the model `rows` was made for
  Dataset rows;
  std::vector<double> probabilities;
  std::vector<Prediction> predictions;
};

// The calling thread's scratch.
RequestScratch& ThreadScratch();

// The thread's Dataset for `model`'s schema, emptied.
Dataset& RowsFor(RequestScratch& scratch, const ServedModel& model);

// The error body of a decode failure.
void SetApiError(HttpResponse& response, const ApiError& error);

// One prediction per probability, by the answering model's threshold.
void FillPredictions(const std::vector<double>& probabilities, double threshold,
                     std::vector<Prediction>* out);

// The fallback header, for clients that read headers only.
void TagFallback(const ScoreOutcome& outcome, HttpResponse& response);

// With the fallback chain off, a failed model call is a 503: answers it
// and returns true.
bool Unanswered(const ScoreOutcome& outcome, HttpResponse& response);

// Times consecutive request stages into the profiler: Mark(stage) records
// the time since the previous mark.
class StageTimer {
 public:
  StageTimer(monitoring::StageProfiler& profiler, const Clock& clock)
      : profiler_(profiler), clock_(clock), last_(clock.Now()) {}
  void Mark(ServingStage stage) {
    Clock::TimePoint now = clock_.Now();
    profiler_.Record(stage, now - last_);
    last_ = now;
  }

 private:
  monitoring::StageProfiler& profiler_;
  const Clock& clock_;
  Clock::TimePoint last_;
};

// One model an answer can come from: the primary (lanes[0]) or a variant.
struct ScoringLane {
  std::string name;  // "primary" or the variant's name
  const Scorer* scorer = nullptr;
  ServingMetrics::VariantSeries series;  // set when there are variants
};

// How a request is scored: by lanes[0] alone, or split between lanes.
struct ScoringPlan {
  std::vector<ScoringLane> lanes;    // at least one; lanes[0] is the primary
  const SplitSlot* split = nullptr;  // lanes.size() entries when there are variants
  PredictionLog* log = nullptr;      // every answered row, when set
  Shadow* shadow = nullptr;          // offered every model-answered request, when set
};

// The lane a request goes to: 0 without variants, else the split of its
// first customer's id, or of the request id when the rows carry none.
size_t PickLane(const ScoringPlan& plan, SplitSlot::Reader& reader, const Dataset& rows,
                std::string_view request_id);

// Appends one prediction-log line per row.
void LogPredictions(PredictionLog& log, const Dataset& rows, std::string_view request_id,
                    std::string_view variant, const ServedModel& by,
                    std::span<const Prediction> predictions);

// A request scored by a plan: the lane that took it and the outcome.
struct PlannedScore {
  size_t lane = 0;  // index into plan.lanes
  // The model the lane asked (the primary's when the lane's variant has
  // none loaded): the thread's slot snapshot, valid for the request.
  const std::shared_ptr<const ServedModel>* model = nullptr;
  ScoreOutcome outcome;
  std::string_view variant;  // the lane's name with variants, else ""
};

// Picks the lane of `rows` (PickLane: the first customer's id, else
// `request_id`) and reads its model through the scratch's readers, without
// scoring. `primary` is the primary's snapshot the rows were decoded for.
PlannedScore PlanLane(const ScoringPlan& plan, RequestScratch& scratch,
                      const std::shared_ptr<const ServedModel>& primary, const Dataset& rows,
                      std::string_view request_id);

// Scores `rows` with the planned lane's scorer into scratch.probabilities.
void ScorePlanned(const ScoringPlan& plan, RequestScratch& scratch, const Dataset& rows,
                  PlannedScore& planned);

// PlanLane, then ScorePlanned. HTTP and gRPC both score through here, so
// a customer sees the same variant on both protocols.
PlannedScore ScoreByPlan(const ScoringPlan& plan, RequestScratch& scratch,
                         const std::shared_ptr<const ServedModel>& primary, const Dataset& rows,
                         std::string_view request_id);

// After the answer is encoded: the scorer's metrics (breaker, health,
// prediction series, drift), the lane's variant series, the prediction
// log and the shadow offer (model answers only). A no-op for zero rows.
void RecordByPlan(const ScoringPlan& plan, const PlannedScore& planned, const Dataset& rows,
                  std::string_view request_id, const std::vector<double>& probabilities,
                  std::span<const Prediction> predictions, Clock::TimePoint started);

template <typename Route>
void ServeScored(const ScoringPlan& plan, const Route& route, const HttpRequest& request,
                 HttpResponse& response) {
  const Scorer& primary = *plan.lanes[0].scorer;
  const Clock::TimePoint started = primary.clock().Now();
  const std::shared_ptr<const ServedModel>* slot_model = route.Model(request, response);
  if (slot_model == nullptr) return;
  RequestScratch& scratch = ThreadScratch();
  StageTimer timer(primary.metrics().profiler(), primary.clock());
  Dataset& rows = RowsFor(scratch, **slot_model);
  auto decoded = route.Decode(**slot_model, request.body, &rows);
  timer.Mark(kStageDecode);
  if (!decoded.ok()) return SetApiError(response, decoded.error());

  const PlannedScore planned = ScoreByPlan(plan, scratch, *slot_model, rows, request.request_id);
  const ScoreOutcome& outcome = planned.outcome;
  timer.Mark(kStagePredict);

  if (Unanswered(outcome, response)) return;
  const ServedModel& by = *outcome.answered_by;
  FillPredictions(scratch.probabilities, by.artifact->threshold(), &scratch.predictions);
  response.body.clear();
  if constexpr (requires {
                  route.Encode(by, outcome.fallback, planned.variant, *decoded,
                               std::span<const Prediction>(scratch.predictions), &response.body);
                }) {
    route.Encode(by, outcome.fallback, planned.variant, *decoded, scratch.predictions,
                 &response.body);
  } else {  // a route that predates variants
    route.Encode(by, outcome.fallback, *decoded, scratch.predictions, &response.body);
  }
  TagFallback(outcome, response);
  if (!planned.variant.empty()) response.headers.emplace_back("X-Churnml-Variant", planned.variant);
  timer.Mark(kStageEncode);
  RecordByPlan(plan, planned, rows, request.request_id, scratch.probabilities, scratch.predictions,
               started);
}

// One scorer, no variants, no prediction log (routes that score outside
// the A/B split, e.g. explanations).
template <typename Route>
void ServeScored(const Scorer& scorer, const Route& route, const HttpRequest& request,
                 HttpResponse& response) {
  thread_local ScoringPlan single;
  if (single.lanes.empty()) single.lanes.push_back({"primary", nullptr, {}});
  single.lanes[0].scorer = &scorer;
  ServeScored(single, route, request, response);
}

}  // namespace churnml::serving
