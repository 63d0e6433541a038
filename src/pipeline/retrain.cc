#include "pipeline/retrain.h"

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>

#include "common/fingerprint.h"
#include "common/strings.h"
#include "data/csv_loader.h"
#include "pipeline/model_artifact.h"
#include "pipeline/split.h"
#include "pipeline/tracked_train.h"
#include "pipeline/train.h"

namespace churnml {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status CheckOptions(const RetrainOptions& o) {
  const PromotionGate& g = o.gate;
  if (o.model.empty()) return InvalidArgumentError("--model NAME@ALIAS is required");
  if (!(g.alpha > 0 && g.alpha < 1)) return InvalidArgumentError("--alpha must be in (0, 1)");
  if (!std::isfinite(g.min_improvement) || !std::isfinite(g.min_relative_improvement)) {
    return InvalidArgumentError("--min-improvement must be a number");
  }
  if (!(g.brier_tolerance >= 0) || !(g.recall_tolerance >= 0)) {
    return InvalidArgumentError("guardrail tolerances must be 0 or more");
  }
  if (!(o.holdout_share > 0 && o.holdout_share < 1)) {
    return InvalidArgumentError("--holdout-share must be in (0, 1)");
  }
  if (o.cooldown_ms < 0) return InvalidArgumentError("--cooldown must be 0 or more");
  return Status::Ok();
}

void Checkpoint(const RetrainOptions& o, std::string_view point) {
  if (o.checkpoint) o.checkpoint(point);
}

void AddMetrics(const BinaryMetrics& m, const std::string& prefix,
                std::vector<tracking::Metric>* out) {
  for (const NamedMetric& named : ScalarMetrics(m)) {
    if (named.value) out->push_back({prefix + named.name, *named.value, 0, 0});
  }
}

// The holdout rows and a description that pins them down.
struct Holdout {
  Dataset rows;
  std::string description;
};

Result<Holdout> LoadHoldout(const RetrainOptions& o, const Schema& schema) {
  LoadOptions load;
  load.target = TargetPolicy::kRequired;
  load.invalid_rows = InvalidRowPolicy::kFail;
  Holdout h;
  if (!o.holdout_path.empty()) {
    CHURNML_ASSIGN_OR_RETURN(LoadResult loaded, LoadCsv(o.holdout_path.string(), schema, load));
    CHURNML_ASSIGN_OR_RETURN(std::string fp, FingerprintFile(o.holdout_path));
    h.rows = std::move(loaded.dataset);
    h.description = "file " + o.holdout_path.string() + " (xxh3 " + fp + ")";
    return h;
  }
  // The same stratified split Train makes with the same share and seed:
  // the challenger never saw these rows.
  CHURNML_ASSIGN_OR_RETURN(LoadResult loaded, LoadCsv(o.data_path.string(), schema, load));
  CHURNML_ASSIGN_OR_RETURN(SplitIndices split, StratifiedTrainTestSplit(loaded.dataset.target(),
                                                                        o.holdout_share, o.seed));
  h.rows = loaded.dataset.Select(split.test);
  Fingerprinter rows_fp;
  for (const std::string& id : h.rows.ids()) {
    rows_fp.Update(id);
    rows_fp.Update("\n");
  }
  CHURNML_ASSIGN_OR_RETURN(std::string data_fp, FingerprintFile(o.data_path));
  h.description = "test split of " + o.data_path.string() + " (share " +
                  FormatDouble(o.holdout_share) + ", seed " + std::to_string(o.seed) +
                  ", data xxh3 " + data_fp + ", ids xxh3 " + rows_fp.HexDigest() + ")";
  return h;
}

std::map<std::string, std::string> ParamsOf(const RetrainOptions& o) {
  return {{"model", o.model},
          {"alias", o.alias},
          {"data", o.data_path.string()},
          {"holdout", o.holdout_path.empty() ? "split" : o.holdout_path.string()},
          {"holdout_share", FormatDouble(o.holdout_share)},
          {"seed", std::to_string(o.seed)},
          {"min_improvement", FormatDouble(o.gate.min_improvement)},
          {"min_relative_improvement", FormatDouble(o.gate.min_relative_improvement)},
          {"alpha", FormatDouble(o.gate.alpha)},
          {"brier_tolerance", FormatDouble(o.gate.brier_tolerance)},
          {"recall_tolerance", FormatDouble(o.gate.recall_tolerance)},
          {"dry_run", o.mode == RetrainMode::kDryRun ? "true" : "false"},
          {"if_drift", o.drift == DriftPrecondition::kRequireDrift ? "true" : "false"},
          {"cooldown_ms", std::to_string(o.cooldown_ms)}};
}

// Ends the decision run without moving anything.
Status FinishDecision(tracking::TrackingStore& store, RetrainReport* report) {
  CHURNML_RETURN_IF_ERROR(
      store.SetTags(report->decision_run_id,
                    {{"decision", report->decision}, {"reason", report->reason.substr(0, 500)}}));
  return store.FinishRun(report->decision_run_id, tracking::RunStatus::kFinished);
}

Status Decide(const RetrainOptions& o, const ModelRegistry& registry,
              tracking::TrackingStore& store, RetrainReport* report) {
  const std::string ref = o.model + "@" + o.alias;
  CHURNML_ASSIGN_OR_RETURN(tracking::ResolvedModel champion_ref, store.ResolveModel(ref));
  report->champion_version = champion_ref.version;
  CHURNML_ASSIGN_OR_RETURN(std::shared_ptr<const ModelArtifact> champion,
                           ModelArtifact::Load(champion_ref.artifact_path, registry));
  CHURNML_RETURN_IF_ERROR(store.SetTags(
      report->decision_run_id, {{"champion_version", std::to_string(champion_ref.version)}}));

  if (o.drift == DriftPrecondition::kRequireDrift) {
    CHURNML_ASSIGN_OR_RETURN(ReferenceProfile profile, LoadReferenceProfile(*champion));
    DriftOptions drift_options;
    drift_options.data_path = o.data_path;
    drift_options.rules = o.drift_rules;
    DriftReport drift;
    CHURNML_RETURN_IF_ERROR(MeasureDrift(*champion, profile, drift_options, &drift));
    report->drift = drift.comparison;
    CHURNML_RETURN_IF_ERROR(store.LogMetrics(
        report->decision_run_id, {{"drifted_share", drift.comparison.drifted_share, 0, 0}}));
    if (!drift.comparison.dataset_drifted) {
      report->decision = "no_drift";
      report->reason =
          "no dataset drift (" + std::to_string(drift.comparison.drifted_features) + " of " +
          std::to_string(drift.comparison.features.size()) + " features, score " +
          (drift.comparison.score_drifted ? "drifted" : "stable") + "): nothing retrained";
      return FinishDecision(store, report);
    }
  }
  if (o.cooldown_ms > 0 && o.mode == RetrainMode::kPromote) {
    CHURNML_ASSIGN_OR_RETURN(tracking::AliasState state, store.GetAlias(o.model, o.alias));
    const int64_t since = NowMs() - state.updated_ms;
    if (since < o.cooldown_ms) {
      report->decision = "cooldown";
      report->reason = ref + " moved " + std::to_string(since / 1000) +
                       " s ago, within the cooldown of " + std::to_string(o.cooldown_ms / 1000) +
                       " s: nothing retrained";
      return FinishDecision(store, report);
    }
  }

  if (champion->is_ensemble()) {
    return FailedPreconditionError(
        "retrain does not refit an ensemble champion: retrain its members, then train a new "
        "ensemble from them (train --model ensemble)");
  }
  // The challenger: the champion's kind, hyperparameters and threshold.
  TrainOptions train;
  train.data_path = o.data_path;
  train.schema = champion->schema();
  train.model_kind = std::string(champion->model().kind());
  train.hyperparameters = champion->model().hyperparameters();
  train.threshold = champion->threshold();
  train.test_size = o.holdout_share;
  train.seed = o.seed;
  TrackingOptions tracking;
  tracking.store = o.store;
  if (o.checkpoint) tracking.store.checkpoint = o.checkpoint;
  tracking.experiment = o.experiment;
  tracking.register_model = o.model;
  tracking.alias = "challenger";
  tracking.tags = {{"role", "challenger"}, {"decision_run", report->decision_run_id}};
  TrainReport train_report;
  TrackedRun run;
  CHURNML_RETURN_IF_ERROR(TrainTracked(train, tracking, registry, &train_report, &run));
  report->challenger_run_id = run.run_id;
  report->challenger_version = run.version.value_or(0);
  Checkpoint(o, "retrain.trained");
  CHURNML_ASSIGN_OR_RETURN(std::shared_ptr<const ModelArtifact> challenger,
                           ModelArtifact::Load(run.artifact_path, registry));

  CHURNML_ASSIGN_OR_RETURN(Holdout holdout, LoadHoldout(o, champion->schema()));
  report->holdout = holdout.description;
  report->holdout_rows = static_cast<int64_t>(holdout.rows.num_rows());
  std::vector<double> champion_scores, challenger_scores;
  CHURNML_RETURN_IF_ERROR(champion->PredictProba(holdout.rows, &champion_scores));
  CHURNML_RETURN_IF_ERROR(challenger->PredictProba(holdout.rows, &challenger_scores));
  const std::vector<uint8_t>& y = holdout.rows.target();
  CHURNML_ASSIGN_OR_RETURN(report->champion_metrics,
                           ComputeBinaryMetrics(y, champion_scores, champion->threshold()));
  CHURNML_ASSIGN_OR_RETURN(report->challenger_metrics,
                           ComputeBinaryMetrics(y, challenger_scores, champion->threshold()));
  CHURNML_ASSIGN_OR_RETURN(report->delong, PairedDeLong(y, champion_scores, challenger_scores));
  report->checks =
      ApplyGate(o.gate, *report->champion_metrics, *report->challenger_metrics, *report->delong);

  std::vector<tracking::Metric> metrics;
  AddMetrics(*report->champion_metrics, "champion_", &metrics);
  AddMetrics(*report->challenger_metrics, "challenger_", &metrics);
  metrics.push_back({"delong_z", report->delong->z, 0, 0});
  metrics.push_back({"delong_p_value", report->delong->p_value, 0, 0});
  metrics.push_back({"auc_difference", report->delong->difference, 0, 0});
  metrics.push_back({"holdout_rows", static_cast<double>(report->holdout_rows), 0, 0});
  CHURNML_RETURN_IF_ERROR(store.LogMetrics(report->decision_run_id, metrics));
  std::map<std::string, std::string> tags = {
      {"challenger_version", std::to_string(report->challenger_version)},
      {"challenger_run", report->challenger_run_id},
      {"holdout", report->holdout.substr(0, 500)}};
  std::vector<std::string> failed;
  for (const GateCheck& c : report->checks) {
    tags["check." + c.name] = (c.passed ? "passed: " : "failed: ") + c.detail;
    if (!c.passed) failed.push_back(c.name + " (" + c.detail + ")");
  }
  CHURNML_RETURN_IF_ERROR(store.SetTags(report->decision_run_id, tags));
  Checkpoint(o, "retrain.decided");

  if (!failed.empty()) {
    report->decision = "refused";
    report->reason = "challenger version " + std::to_string(report->challenger_version) +
                     " failed " + Join(failed, "; ");
    return FinishDecision(store, report);
  }
  if (o.mode == RetrainMode::kDryRun) {
    report->decision = "dry_run";
    report->reason = "challenger version " + std::to_string(report->challenger_version) +
                     " passed every check; --dry-run: " + ref + " not moved";
    return FinishDecision(store, report);
  }
  report->decision = "promoted";
  report->reason = "challenger version " + std::to_string(report->challenger_version) +
                   " passed every check; " + ref + " moved from version " +
                   std::to_string(report->champion_version) + ", which is now " + o.model + "@" +
                   o.previous_alias;
  tracking::AliasPromotion promotion;
  promotion.model = o.model;
  promotion.alias = o.alias;
  promotion.expected_version = report->champion_version;
  promotion.new_version = report->challenger_version;
  promotion.previous_alias = o.previous_alias;
  promotion.cooldown_ms = o.cooldown_ms;
  promotion.run_id = report->decision_run_id;
  promotion.tags = {{"decision", report->decision}, {"reason", report->reason.substr(0, 500)}};
  Status moved = store.PromoteAlias(promotion);
  if (!moved.ok()) {
    report->decision = "conflict";
    report->reason = moved.message();
    return moved;
  }
  return Status::Ok();
}

}  // namespace

std::vector<GateCheck> ApplyGate(const PromotionGate& gate, const BinaryMetrics& champion,
                                 const BinaryMetrics& challenger, const DeLongResult& delong) {
  std::vector<GateCheck> checks;
  const double a = champion.roc_auc.value_or(0);
  const double b = challenger.roc_auc.value_or(0);
  const double diff = b - a;
  checks.push_back({"auc_absolute", diff >= gate.min_improvement,
                    "AUC " + FormatFixed(a, 4) + " → " + FormatFixed(b, 4) + " (" +
                        (diff >= 0 ? "+" : "") + FormatFixed(diff, 4) + ")" + " vs minimum " +
                        FormatDouble(gate.min_improvement)});
  const double relative = a > 0 ? diff / a : 0;
  checks.push_back({"auc_relative", relative >= gate.min_relative_improvement,
                    "relative " + FormatFixed(relative * 100, 3) + "% vs minimum " +
                        FormatFixed(gate.min_relative_improvement * 100, 3) + "%"});
  checks.push_back({"delong", delong.difference > 0 && delong.p_value < gate.alpha,
                    "z " + FormatFixed(delong.z, 3) + ", p " + FormatDouble(delong.p_value) +
                        " vs alpha " + FormatDouble(gate.alpha)});
  checks.push_back({"brier", challenger.brier_score <= champion.brier_score + gate.brier_tolerance,
                    "Brier " + FormatFixed(champion.brier_score, 4) + " → " +
                        FormatFixed(challenger.brier_score, 4) + ", tolerance " +
                        FormatDouble(gate.brier_tolerance)});
  checks.push_back({"recall", challenger.recall >= champion.recall - gate.recall_tolerance,
                    "recall " + FormatFixed(champion.recall, 4) + " → " +
                        FormatFixed(challenger.recall, 4) + ", tolerance " +
                        FormatDouble(gate.recall_tolerance)});
  return checks;
}

Status Retrain(const RetrainOptions& options, const ModelRegistry& registry,
               RetrainReport* report) {
  CHURNML_RETURN_IF_ERROR(CheckOptions(options));
  tracking::StoreOptions store_options = options.store;
  if (options.checkpoint) store_options.checkpoint = options.checkpoint;
  CHURNML_ASSIGN_OR_RETURN(std::unique_ptr<tracking::TrackingStore> store,
                           tracking::TrackingStore::Open(store_options));
  // The decision run exists before any work: a killed retrain leaves a
  // RUNNING run (stale in `runs list`) and the aliases untouched.
  CHURNML_ASSIGN_OR_RETURN(
      report->decision_run_id,
      store->CreateRun(options.experiment,
                       {{"role", "decision"}, {"model", options.model}, {"decision", "pending"}}));
  CHURNML_RETURN_IF_ERROR(store->LogParams(report->decision_run_id, ParamsOf(options)));
  Status status = Decide(options, registry, *store, report);
  if (!status.ok()) {
    store
        ->SetTags(report->decision_run_id,
                  {{"decision", report->decision.empty() ? "error" : report->decision},
                   {"error", status.message().substr(0, 500)}})
        .IgnoreError();
    store->FinishRun(report->decision_run_id, tracking::RunStatus::kFailed).IgnoreError();
  }
  return status;
}

Result<int64_t> RollbackAlias(const tracking::StoreOptions& store_options, const std::string& model,
                              const std::string& alias, const std::string& previous_alias) {
  CHURNML_ASSIGN_OR_RETURN(std::unique_ptr<tracking::TrackingStore> store,
                           tracking::TrackingStore::Open(store_options));
  CHURNML_ASSIGN_OR_RETURN(tracking::AliasState current, store->GetAlias(model, alias));
  Result<tracking::AliasState> previous = store->GetAlias(model, previous_alias);
  if (!previous.ok()) {
    return FailedPreconditionError(model + " has no alias \"" + previous_alias +
                                   "\" to roll back to (it is set when retrain promotes)");
  }
  CHURNML_ASSIGN_OR_RETURN(std::string run_id,
                           store->CreateRun("retrain", {{"role", "rollback"}, {"model", model}}));
  tracking::AliasPromotion swap;
  swap.model = model;
  swap.alias = alias;
  swap.expected_version = current.version;
  swap.new_version = previous->version;
  swap.previous_alias = previous_alias;
  swap.run_id = run_id;
  swap.tags = {
      {"decision", "rollback"},
      {"reason", model + "@" + alias + " back from version " + std::to_string(current.version) +
                     " to " + std::to_string(previous->version)}};
  Status moved = store->PromoteAlias(swap);
  if (!moved.ok()) {
    store->SetTags(run_id, {{"error", moved.message().substr(0, 500)}}).IgnoreError();
    store->FinishRun(run_id, tracking::RunStatus::kFailed).IgnoreError();
    return moved;
  }
  return previous->version;
}

}  // namespace churnml
