#include "pipeline/train.h"

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>

#include "common/fingerprint.h"
#include "common/json_dump.h"
#include "common/strings.h"
#include "data/csv_loader.h"
#include "eval/metrics_json.h"
#include "pipeline/model_artifact.h"
#include "pipeline/reference_profile.h"
#include "pipeline/split.h"

namespace churnml {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Bigger than any model.json churnml writes; a larger file is not one.
constexpr uintmax_t kMaxModelJsonBytes = 64 << 20;

// --force replaces only a model directory churnml wrote: a real folder (not
// a link) whose model.json is a JSON object with an integer
// "format_version" and a string "kind". Anything else (a typo naming a
// folder of the user's files, a file, a link) is refused and left alone.
Status CheckReplaceable(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::symlink_status(dir, ec);
  if (!fs::exists(status)) return Status::Ok();
  auto refuse = [&](const std::string& why) {
    return FailedPreconditionError("--force replaces only a churnml model directory; " +
                                   dir.string() + " " + why + ": it was left as it is");
  };
  if (fs::is_symlink(status)) return refuse("is a symbolic link");
  if (!fs::is_directory(status)) return refuse("is not a directory");
  const fs::path model_json = dir / "model.json";
  const fs::file_status json_status = fs::symlink_status(model_json, ec);
  if (!fs::is_regular_file(json_status)) return refuse("has no model.json");
  const uintmax_t size = fs::file_size(model_json, ec);
  if (ec || size > kMaxModelJsonBytes) return refuse("has a model.json churnml did not write");
  Result<std::string> text = ReadFile(model_json);
  if (!text.ok()) return refuse("has an unreadable model.json");
  const nlohmann::json doc = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("format_version") ||
      !doc["format_version"].is_number_integer() || !doc.contains("kind") ||
      !doc["kind"].is_string()) {
    return refuse("has a model.json churnml did not write");
  }
  return Status::Ok();
}

// Fits preprocessing and the model on `train`, returns probabilities for `test`.
struct FittedModel {
  Preprocessor preprocessor;
  std::unique_ptr<Model> model;
};

// `held_out` (rows the fit never sees) carries the per-round eval metric
// when options.on_fit_round watches the fit.
Result<FittedModel> Fit(const Dataset& train, const Dataset& held_out, const TrainOptions& options,
                        const ModelRegistry& registry, TrainTimings* timings) {
  auto start = Clock::now();
  CHURNML_ASSIGN_OR_RETURN(Preprocessor preprocessor,
                           Preprocessor::Fit(train, options.preprocessing));
  CHURNML_ASSIGN_OR_RETURN(FeatureMatrix x, preprocessor.Transform(train));
  FitMonitor monitor;
  std::optional<FeatureMatrix> eval_x;
  if (options.on_fit_round) {
    monitor.on_round = options.on_fit_round;
    CHURNML_ASSIGN_OR_RETURN(eval_x, preprocessor.Transform(held_out));
    monitor.eval_x = &*eval_x;
    monitor.eval_labels = held_out.target();
    monitor.eval_interval_seconds = options.fit_eval_interval_seconds;
  }
  if (timings != nullptr) timings->preprocess += SecondsSince(start);
  start = Clock::now();
  CHURNML_ASSIGN_OR_RETURN(
      std::unique_ptr<Model> model,
      registry.Train(options.model_kind, x, train.target(), options.hyperparameters, monitor));
  if (timings != nullptr) timings->fit += SecondsSince(start);
  return FittedModel{std::move(preprocessor), std::move(model)};
}

Result<BinaryMetrics> Score(const FittedModel& fitted, const Dataset& test, double threshold,
                            std::vector<double>* probabilities) {
  CHURNML_ASSIGN_OR_RETURN(FeatureMatrix x, fitted.preprocessor.Transform(test));
  probabilities->resize(x.rows());
  CHURNML_RETURN_IF_ERROR(fitted.model->PredictProba(x, *probabilities));
  return ComputeBinaryMetrics(test.target(), *probabilities, threshold);
}

Result<FoldSummary> CrossValidate(const Dataset& train, const TrainOptions& options,
                                  const ModelRegistry& registry,
                                  std::vector<BinaryMetrics>* fold_metrics) {
  CHURNML_ASSIGN_OR_RETURN(std::vector<SplitIndices> folds,
                           StratifiedKFold(train.target(), options.cv_folds, options.seed));
  std::vector<double> probabilities;
  for (const SplitIndices& fold : folds) {
    Dataset fold_train = train.Select(fold.train);
    Dataset fold_test = train.Select(fold.test);
    CHURNML_ASSIGN_OR_RETURN(FittedModel fitted,
                             Fit(fold_train, fold_test, options, registry, nullptr));
    CHURNML_ASSIGN_OR_RETURN(BinaryMetrics m,
                             Score(fitted, fold_test, options.threshold, &probabilities));
    fold_metrics->push_back(std::move(m));
  }
  return SummarizeFolds(*fold_metrics);
}

}  // namespace

nlohmann::json TrainReport::ToJson(const std::string& model_kind) const {
  nlohmann::json j;
  j["model_dir"] = artifact_dir.string();
  j["kind"] = model_kind;
  j["rows"] = {
      {"read", rows_read}, {"dropped", rows_dropped}, {"train", train_rows}, {"test", test_rows}};
  j["data_fingerprint"] = data_fingerprint;
  j["hyperparameters"] = hyperparameters;
  j["metrics"] = churnml::ToJson(test_metrics);
  j["cv"] = cv ? churnml::ToJson(*cv) : nlohmann::json(nullptr);
  j["timings"] = {{"load_seconds", timings.load},
                  {"preprocess_seconds", timings.preprocess},
                  {"fit_seconds", timings.fit},
                  {"evaluate_seconds", timings.evaluate},
                  {"cross_validate_seconds", timings.cross_validate},
                  {"save_seconds", timings.save},
                  {"total_seconds", timings.total}};
  return j;
}

Status Train(const TrainOptions& options, const ModelRegistry& registry, TrainReport* report) {
  const auto start = Clock::now();
  auto stage = Clock::now();
  if (options.out_dir.empty()) return InvalidArgumentError("--out is required");
  std::error_code exists_ec;
  if (options.existing == ExistingPolicy::kFail &&
      std::filesystem::exists(std::filesystem::symlink_status(options.out_dir, exists_ec))) {
    return AlreadyExistsError(options.out_dir.string() +
                              " already exists; choose another --out or remove it");
  }
  if (options.existing == ExistingPolicy::kReplace) {
    CHURNML_RETURN_IF_ERROR(CheckReplaceable(options.out_dir));
  }

  CHURNML_ASSIGN_OR_RETURN(report->data_fingerprint, FingerprintFile(options.data_path));
  LoadOptions load_options;
  load_options.target = TargetPolicy::kRequired;
  // Always drop here: the issues are wanted for the report either way.
  load_options.invalid_rows = InvalidRowPolicy::kDrop;
  load_options.max_issues = options.max_issues;
  CHURNML_ASSIGN_OR_RETURN(LoadResult loaded,
                           LoadCsv(options.data_path.string(), options.schema, load_options));
  report->issues = loaded.issues;
  report->rows_read = loaded.rows_read;
  report->rows_dropped = loaded.rows_dropped;
  if (loaded.issues.count() > 0 && options.invalid_rows == InvalidRowPolicy::kFail) {
    return FailedPreconditionError(
        FormatCount(loaded.issues.count()) + " problem(s) in " + FormatCount(report->rows_dropped) +
        " row(s) of " + options.data_path.string() +
        "; fix the data or pass --drop-invalid to train without those rows");
  }
  report->timings.load = SecondsSince(stage);
  auto progress = [&options](int done) {
    if (options.on_progress) options.on_progress(done);
  };
  progress(1);

  const Dataset& data = loaded.dataset;
  CHURNML_ASSIGN_OR_RETURN(
      SplitIndices split, StratifiedTrainTestSplit(data.target(), options.test_size, options.seed));
  Dataset train = data.Select(split.train);
  Dataset test = data.Select(split.test);
  report->train_rows = static_cast<int64_t>(train.num_rows());
  report->test_rows = static_cast<int64_t>(test.num_rows());

  CHURNML_ASSIGN_OR_RETURN(FittedModel fitted,
                           Fit(train, test, options, registry, &report->timings));
  report->hyperparameters = fitted.model->hyperparameters();
  progress(2);

  stage = Clock::now();
  std::vector<double> probabilities;
  CHURNML_ASSIGN_OR_RETURN(report->test_metrics,
                           Score(fitted, test, options.threshold, &probabilities));
  report->timings.evaluate = SecondsSince(stage);
  progress(3);

  if (options.cv_folds > 0) {
    stage = Clock::now();
    CHURNML_ASSIGN_OR_RETURN(report->cv,
                             CrossValidate(train, options, registry, &report->cv_folds));
    report->timings.cross_validate = SecondsSince(stage);
  }
  progress(4);

  stage = Clock::now();
  const std::vector<uint8_t>& y = train.target();
  double positive_rate = static_cast<double>(std::accumulate(y.begin(), y.end(), int64_t{0})) /
                         static_cast<double>(y.size());
  nlohmann::json metadata;
  metadata["training"] = {
      {"data_path", options.data_path.string()},
      {"data_fingerprint", report->data_fingerprint},
      {"rows_read", report->rows_read},
      {"rows_dropped", report->rows_dropped},
      {"train_rows", report->train_rows},
      {"test_rows", report->test_rows},
      {"test_size", options.test_size},
      {"seed", options.seed},
      {"unknown_category", UnknownCategoryPolicyName(options.preprocessing.unknown_category)},
  };
  metadata["metrics"] = ToJson(report->test_metrics);
  if (report->cv) metadata["cv"] = ToJson(*report->cv);
  ModelArtifact artifact(options.schema, std::move(fitted.preprocessor), std::move(fitted.model),
                         options.threshold, positive_rate, std::move(metadata));
  // The drift reference: raw features of the training split; the score on
  // the held-out split (rows the model did not fit, as in serving).
  CHURNML_ASSIGN_OR_RETURN(ReferenceProfile profile, BuildReferenceProfile(train, probabilities));
  CHURNML_RETURN_IF_ERROR(artifact.AddFile(kProfileFileName, DumpJson(profile.ToJson()) + "\n"));
  // Again: the folder may have changed while the model trained.
  if (options.existing == ExistingPolicy::kReplace) {
    CHURNML_RETURN_IF_ERROR(CheckReplaceable(options.out_dir));
  }
  CHURNML_RETURN_IF_ERROR(artifact.Save(options.out_dir, options.existing));
  report->artifact_dir = options.out_dir;
  report->timings.save = SecondsSince(stage);
  report->timings.total = SecondsSince(start);
  progress(kTrainStages);
  return Status::Ok();
}

}  // namespace churnml
