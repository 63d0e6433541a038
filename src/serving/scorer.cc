#include "serving/scorer.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "common/strings.h"

namespace churnml::serving {

Scorer::Scorer(ScorerOptions options, ScorerDeps deps) : options_(options), deps_(deps) {}

ScoreOutcome Scorer::Score(const std::shared_ptr<const ServedModel>& model, const Dataset& rows,
                           std::vector<double>* probabilities) const {
  ScoreOutcome outcome;
  outcome.answered_by = model;
  reliability::CircuitBreaker* breaker = deps_.model_breaker;
  if (breaker == nullptr || breaker->TryAcquirePermission()) {
    Clock::TimePoint start = deps_.clock->Now();
    Status status = deps_.faults ? deps_.faults->BeforeModelCall() : Status::Ok();
    if (status.ok()) status = model->artifact->PredictProba(rows, probabilities);
    Clock::Duration elapsed = deps_.clock->Now() - start;
    if (status.ok() && options_.model_deadline.count() > 0 && elapsed > options_.model_deadline) {
      status = Status(StatusCode::kDeadlineExceeded,
                      "model call took " +
                          FormatDouble(std::chrono::duration<double, std::milli>(elapsed).count()) +
                          " ms, over the deadline");
    }
    if (breaker) breaker->OnResult(status, elapsed);
    if (status.ok()) {
      if (deps_.drift) deps_.drift->Record(*model, rows, *probabilities);
      return outcome;
    }
    outcome.model_failed = true;
    outcome.error = status;
  } else {
    outcome.error = breaker->NotPermittedStatus();
  }
  if (!options_.fallback) return outcome;
  // Fallback 1: the version that served before the last swap, if it reads
  // the same schema.
  std::shared_ptr<const ServedModel> previous = deps_.slot->previous();
  if (previous && previous != model && previous->artifact->schema() == model->artifact->schema() &&
      previous->artifact->PredictProba(rows, probabilities).ok()) {
    outcome.answered_by = std::move(previous);
    outcome.fallback = FallbackKind::kPreviousVersion;
    return outcome;
  }
  // Fallback 2: the training prior, the base churn rate.
  probabilities->assign(rows.num_rows(), model->artifact->positive_rate());
  outcome.fallback = FallbackKind::kPrior;
  return outcome;
}

void Scorer::Record(const ServedModel& model, const ScoreOutcome& outcome,
                    const std::vector<double>& probabilities, Clock::TimePoint started) const {
  int64_t positives = 0;
  double threshold = outcome.answered_by->artifact->threshold();
  for (double p : probabilities) positives += p >= threshold ? 1 : 0;
  deps_.metrics->RecordPredictions(*outcome.answered_by, positives,
                                   static_cast<int64_t>(probabilities.size()) - positives);
  deps_.metrics->RecordFallback(outcome.fallback, static_cast<int64_t>(probabilities.size()));
  if (outcome.model_failed) {
    // One line per failure would flood the log at full rate; the breaker's
    // transitions and the fallback counter carry the rate.
    spdlog::debug("model {} version {} failed: {}", model.name, model.version,
                  outcome.error.message());
  }
  if (deps_.health) {
    deps_.health->RecordRequest(deps_.clock->Now() - started, outcome.model_failed,
                                outcome.fallback != FallbackKind::kNone);
  }
}

}  // namespace churnml::serving
