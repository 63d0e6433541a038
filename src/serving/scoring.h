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
//     // Encodes the answer of the model that answered (`by`).
//     void Encode(const ServedModel& by, FallbackKind fallback, const Decoded&,
//                 std::span<const Prediction> predictions, std::string* out) const;
//   };
//
// No lock is shared between io threads: the model is read through the
// thread's ModelSlot::Reader and the working memory is per thread.
#pragma once

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
#include "serving/scorer.h"

namespace churnml::serving {

// Per-thread working memory of the prediction path, reused across requests.
struct RequestScratch {
  ModelSlot::Reader reader;
  const ServedModel* rows_model = nullptr;  // the model `rows` was made for
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

template <typename Route>
void ServeScored(const Scorer& scorer, const Route& route, const HttpRequest& request,
                 HttpResponse& response) {
  const Clock::TimePoint started = scorer.clock().Now();
  const std::shared_ptr<const ServedModel>* slot_model = route.Model(request, response);
  if (slot_model == nullptr) return;
  const std::shared_ptr<const ServedModel>& model = *slot_model;
  RequestScratch& scratch = ThreadScratch();
  StageTimer timer(scorer.metrics().profiler(), scorer.clock());
  Dataset& rows = RowsFor(scratch, *model);
  auto decoded = route.Decode(*model, request.body, &rows);
  timer.Mark(kStageDecode);
  if (!decoded.ok()) return SetApiError(response, decoded.error());

  ScoreOutcome outcome;
  outcome.answered_by = model;
  scratch.probabilities.clear();
  if (rows.num_rows() > 0) outcome = scorer.Score(model, rows, &scratch.probabilities);
  timer.Mark(kStagePredict);

  if (Unanswered(outcome, response)) return;
  const ServedModel& by = *outcome.answered_by;
  FillPredictions(scratch.probabilities, by.artifact->threshold(), &scratch.predictions);
  response.body.clear();
  route.Encode(by, outcome.fallback, *decoded, scratch.predictions, &response.body);
  TagFallback(outcome, response);
  timer.Mark(kStageEncode);
  if (rows.num_rows() > 0) scorer.Record(*model, outcome, scratch.probabilities, started);
}

}  // namespace churnml::serving
