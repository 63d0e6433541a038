#include "pipeline/tracked_train.h"

#include <unistd.h>

#include <system_error>

#include "common/atomic_file.h"
#include "common/strings.h"
#include "eval/binary_metrics.h"
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

std::map<std::string, std::string> ParamsOf(const TrainOptions& train, const TrainReport& report) {
  std::map<std::string, std::string> params = {
      {"model", train.model_kind},
      {"data", train.data_path.string()},
      {"test_size", FormatDouble(train.test_size)},
      {"seed", std::to_string(train.seed)},
      {"cv", std::to_string(train.cv_folds)},
      {"threshold", FormatDouble(train.threshold)},
      {"unknown_category",
       std::string(UnknownCategoryPolicyName(train.preprocessing.unknown_category))},
  };
  for (const auto& [key, value] : report.hyperparameters.items()) {
    params[key] = value.is_string() ? value.get<std::string>() : value.dump();
  }
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
  for (size_t fold = 0; fold < report->cv_folds.size(); ++fold) {
    AddMetrics(report->cv_folds[fold], "cv_", static_cast<int64_t>(fold), &metrics);
  }
  metrics.push_back({"train_seconds", report->timings.total, 0, 0});
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

}  // namespace churnml
