#include "pipeline/tracked_train.h"

#include <unistd.h>

#include <system_error>

#include "common/atomic_file.h"
#include "common/json_dump.h"
#include "common/strings.h"
#include "eval/binary_metrics.h"
#include "eval/metric_info.h"
#include "eval/metrics_json.h"
#include "pipeline/model_artifact.h"
#include "tracking/names.h"

namespace churnml {
namespace fs = std::filesystem;

namespace {

void AddMetrics(const BinaryMetrics& m, const std::string& prefix, int64_t step,
                std::vector<tracking::Metric>* out) {
  for (const NamedMetric& named : ScalarMetrics(m)) {
    if (named.value) out->push_back({prefix + named.name, *named.value, step, 0});
  }
}

// The fold summary (what `train` prints) under cv_<metric>_mean and _std,
// and each fold's value under cv_<metric>_fold at steps 1..K.
void AddCrossValidation(const TrainReport& report, std::vector<tracking::Metric>* out) {
  if (report.cv) {
    for (const FoldSummaryEntry& entry : report.cv->metrics) {
      if (!entry.summary) continue;
      out->push_back({CvMeanKey(entry.name), entry.summary->mean, 0, 0});
      out->push_back({CvStdKey(entry.name), entry.summary->std, 0, 0});
    }
  }
  for (size_t fold = 0; fold < report.cv_folds.size(); ++fold) {
    for (const NamedMetric& named : ScalarMetrics(report.cv_folds[fold])) {
      if (named.value) {
        out->push_back({CvFoldKey(named.name), *named.value, static_cast<int64_t>(fold) + 1, 0});
      }
    }
  }
}

std::map<std::string, std::string> ParamsOf(const TrainOptions& train, const TrainReport& report) {
  std::map<std::string, std::string> params = {
      {"model", train.model_kind},
      {"data", train.data_path.string()},
      {"test_size", FormatDouble(train.test_size)},
      {"seed", std::to_string(train.seed)},
      {"cv", std::to_string(train.cv_folds)},
      {"threshold", FormatDouble(report.threshold)},
      {"unknown_category",
       std::string(UnknownCategoryPolicyName(train.preprocessing.unknown_category))},
  };
  for (const auto& [key, value] : report.hyperparameters.items()) {
    params[key] = value.is_string() ? value.get<std::string>() : DumpJson(value);
  }
  if (report.validation_rows > 0) {
    params["validation_fraction"] = FormatDouble(train.validation_fraction);
  }
  if (train.threshold_for) params["threshold_for"] = train.threshold_for->ToString();
  if (train.calibrate) params["calibrate"] = std::string(CalibrationMethodName(*train.calibrate));
  return params;
}

// Everything after CreateRun; any error here fails the run.
Status TrainIntoRun(const TrainOptions& train, const ModelRegistry& registry,
                    tracking::TrackingStore& store, TrainReport* report, TrackedRun* run) {
  TrainOptions options = train;
  fs::path scratch;
  if (options.out_dir.empty()) {
    // No --out: train into a scratch folder beside the store's artifacts
    // (same filesystem), copied in by StoreArtifact and removed after.
    std::error_code ec;
    fs::create_directories(store.artifact_root(), ec);
    scratch = TemporarySibling(store.artifact_root() / ("train-" + run->run_id));
    options.out_dir = scratch;
  }
  Status trained = Train(options, registry, report);
  auto cleanup = [&] {
    std::error_code ec;
    if (!scratch.empty()) fs::remove_all(scratch, ec);
  };
  if (!trained.ok()) {
    cleanup();
    return trained;
  }
  CHURNML_RETURN_IF_ERROR(store.LogParams(run->run_id, ParamsOf(train, *report)));
  std::vector<tracking::Metric> metrics;
  AddMetrics(report->test_metrics, "", 0, &metrics);
  AddCrossValidation(*report, &metrics);
  metrics.push_back({"train_seconds", report->timings.total, 0, 0});
  // Early stopping: the validation metric after every round at step = round.
  const FitOutcome& fit = report->fit;
  for (size_t i = 0; i < fit.validation_curve.size(); ++i) {
    metrics.push_back(
        {"validation_" + fit.metric, fit.validation_curve[i], static_cast<int64_t>(i) + 1, 0});
  }
  if (!fit.validation_curve.empty()) {
    metrics.push_back({"best_iteration", static_cast<double>(fit.best_rounds - 1), 0, 0});
  }
  if (report->test_calibrated) {
    metrics.push_back({"test_ece_uncalibrated", report->test_uncalibrated->ece, 0, 0});
    metrics.push_back({"test_ece", report->test_calibrated->ece, 0, 0});
  }
  CHURNML_RETURN_IF_ERROR(store.LogMetrics(run->run_id, metrics));
  CHURNML_RETURN_IF_ERROR(
      store.SetDataFingerprint(run->run_id, {report->data_fingerprint, report->rows_read}));
  Result<fs::path> stored = store.StoreArtifact(run->run_id, options.out_dir);
  cleanup();
  if (!stored.ok()) return stored.status();
  run->artifact_path = *stored;
  return Status::Ok();
}

}  // namespace

Status TrainTracked(const TrainOptions& train, const TrackingOptions& tracking,
                    const ModelRegistry& registry, TrainReport* report, TrackedRun* run) {
  // Bad names fail before any work.
  CHURNML_RETURN_IF_ERROR(tracking::ValidateName("experiment name", tracking.experiment));
  if (!tracking.register_model.empty()) {
    CHURNML_RETURN_IF_ERROR(tracking::ValidateName("model name", tracking.register_model));
  }
  if (!tracking.alias.empty()) {
    if (tracking.register_model.empty()) {
      return InvalidArgumentError("--alias needs --register NAME");
    }
    CHURNML_RETURN_IF_ERROR(tracking::ValidateAlias(tracking.alias));
  }
  CHURNML_ASSIGN_OR_RETURN(std::unique_ptr<tracking::TrackingStore> store,
                           tracking::TrackingStore::Open(tracking.store));
  run->store = store->Describe();
  std::map<std::string, std::string> tags = tracking.tags;
  tags.emplace("model", train.model_kind);
  CHURNML_ASSIGN_OR_RETURN(run->run_id, store->CreateRun(tracking.experiment, tags));
  if (tracking.on_run_created) tracking.on_run_created(run->run_id);

  Status status = TrainIntoRun(train, registry, *store, report, run);
  if (!status.ok()) {
    store->SetTags(run->run_id, {{"error", status.message().substr(0, 500)}}).IgnoreError();
    store->FinishRun(run->run_id, tracking::RunStatus::kFailed).IgnoreError();
    return status;
  }
  CHURNML_RETURN_IF_ERROR(store->FinishRun(run->run_id, tracking::RunStatus::kFinished));
  if (!tracking.register_model.empty()) {
    CHURNML_ASSIGN_OR_RETURN(run->version,
                             store->RegisterModelVersion(tracking.register_model, run->run_id));
    if (!tracking.alias.empty()) {
      CHURNML_RETURN_IF_ERROR(
          store->SetAlias(tracking.register_model, tracking.alias, *run->version));
    }
  }
  return Status::Ok();
}

namespace {

// The metrics an artifact carries in model.json ("metrics", "cv"), as run metrics.
std::vector<tracking::Metric> ArtifactMetrics(const nlohmann::json& doc) {
  std::vector<tracking::Metric> metrics;
  if (doc.contains("metrics")) {
    Result<BinaryMetrics> test = BinaryMetricsFromJson(doc["metrics"]);
    if (test.ok()) AddMetrics(*test, "", 0, &metrics);
  }
  if (doc.contains("cv") && doc["cv"].is_object() && doc["cv"].contains("metrics") &&
      doc["cv"]["metrics"].is_object()) {
    for (const auto& [name, summary] : doc["cv"]["metrics"].items()) {
      if (FindMetric(name) == nullptr || !summary.is_object()) continue;
      if (summary.contains("mean") && summary["mean"].is_number())
        metrics.push_back({CvMeanKey(name), summary["mean"].get<double>(), 0, 0});
      if (summary.contains("std") && summary["std"].is_number())
        metrics.push_back({CvStdKey(name), summary["std"].get<double>(), 0, 0});
    }
  }
  return metrics;
}

Status RecordArtifact(const RegisterArtifactOptions& options, const ModelArtifact& artifact,
                      tracking::TrackingStore& store, RegisteredArtifact* out) {
  std::map<std::string, std::string> params = {{"model", out->kind}};
  const nlohmann::json hyperparameters = artifact.model().hyperparameters();
  for (const auto& [key, value] : hyperparameters.items()) {
    params[key] = value.is_string() ? value.get<std::string>() : DumpJson(value);
  }
  const nlohmann::json& doc = artifact.metadata();
  if (doc.contains("training") && doc["training"].is_object()) {
    const nlohmann::json& training = doc["training"];
    for (const char* key : {"data_path", "test_size", "seed", "unknown_category"}) {
      if (!training.contains(key)) continue;
      const nlohmann::json& value = training[key];
      params[std::string(key) == "data_path" ? "data" : key] =
          value.is_string() ? value.get<std::string>() : DumpJson(value);
    }
    if (training.contains("data_fingerprint") && training["data_fingerprint"].is_string() &&
        training.contains("rows_read") && training["rows_read"].is_number_integer()) {
      CHURNML_RETURN_IF_ERROR(store.SetDataFingerprint(
          out->run_id,
          {training["data_fingerprint"].get<std::string>(), training["rows_read"].get<int64_t>()}));
    }
  }
  params["threshold"] = FormatDouble(artifact.threshold());
  CHURNML_RETURN_IF_ERROR(store.LogParams(out->run_id, params));
  CHURNML_RETURN_IF_ERROR(store.LogMetrics(out->run_id, ArtifactMetrics(doc)));
  CHURNML_ASSIGN_OR_RETURN(out->artifact_path,
                           store.StoreArtifact(out->run_id, options.artifact_dir));
  return Status::Ok();
}

}  // namespace

Status RegisterArtifact(const RegisterArtifactOptions& options, const ModelRegistry& registry,
                        RegisteredArtifact* out) {
  CHURNML_RETURN_IF_ERROR(tracking::ValidateName("experiment name", options.experiment));
  CHURNML_RETURN_IF_ERROR(tracking::ValidateName("model name", options.model_name));
  if (!options.alias.empty()) CHURNML_RETURN_IF_ERROR(tracking::ValidateAlias(options.alias));
  // Validated like any model that is loaded for scoring, before a run exists.
  CHURNML_ASSIGN_OR_RETURN(std::shared_ptr<const ModelArtifact> artifact,
                           ModelArtifact::Load(options.artifact_dir, registry));
  out->kind = std::string(artifact->model().kind());
  CHURNML_ASSIGN_OR_RETURN(std::unique_ptr<tracking::TrackingStore> store,
                           tracking::TrackingStore::Open(options.store));
  out->store = store->Describe();
  std::error_code ec;
  fs::path source = fs::absolute(options.artifact_dir, ec).lexically_normal();
  CHURNML_ASSIGN_OR_RETURN(
      out->run_id,
      store->CreateRun(options.experiment,
                       {{"model", out->kind}, {"source", "register"}, {"source_path", source}}));
  Status status = RecordArtifact(options, *artifact, *store, out);
  if (!status.ok()) {
    store->SetTags(out->run_id, {{"error", status.message().substr(0, 500)}}).IgnoreError();
    store->FinishRun(out->run_id, tracking::RunStatus::kFailed).IgnoreError();
    return status;
  }
  CHURNML_RETURN_IF_ERROR(store->FinishRun(out->run_id, tracking::RunStatus::kFinished));
  CHURNML_ASSIGN_OR_RETURN(out->version,
                           store->RegisterModelVersion(options.model_name, out->run_id));
  if (!options.alias.empty()) {
    CHURNML_RETURN_IF_ERROR(store->SetAlias(options.model_name, options.alias, out->version));
  }
  return Status::Ok();
}

}  // namespace churnml
