#include "pipeline/train.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <span>

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

// Rows scored per dense block in FittedModel::Predict (6 MB of doubles for
// 46 features).
constexpr size_t kScoreBlockRows = 16384;

// Hands memory freed by a finished stage back to the system (glibc keeps
// freed heap pages, so the loader's buffers would otherwise stay resident
// under every later stage and add to the peak).
void ReleaseFreedMemory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

// The validation split's seed differs from the test split's so the two
// draws are independent.
constexpr uint64_t kValidationSeedSalt = 0x76616c6964ULL;

Result<BinaryMetrics> Score(const FittedModel& fitted, const Dataset& test,
                            std::vector<double>* probabilities) {
  CHURNML_RETURN_IF_ERROR(fitted.Predict(test, probabilities));
  return ComputeBinaryMetrics(test.target(), *probabilities, fitted.threshold);
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
                             FitModel(fold_train, fold_test, options, registry, nullptr));
    CHURNML_ASSIGN_OR_RETURN(BinaryMetrics m, Score(fitted, fold_test, &probabilities));
    fold_metrics->push_back(std::move(m));
  }
  return SummarizeFolds(*fold_metrics);
}

}  // namespace

Status FittedModel::Predict(const Dataset& data, std::vector<double>* probabilities) const {
  if (!preprocessor.compact_encodable()) {
    CHURNML_ASSIGN_OR_RETURN(FeatureMatrix x, preprocessor.Transform(data));
    probabilities->resize(x.rows());
    CHURNML_RETURN_IF_ERROR(model->PredictProba(x, *probabilities));
  } else {
    // Compact, made dense a block of rows at a time: the same values as
    // Transform, in a fraction of its memory (the 200k-row Telco test split
    // is 74 MB dense). Every kind scores a row from that row alone.
    CHURNML_ASSIGN_OR_RETURN(CompactFeatureMatrix x, preprocessor.TransformCompact(data));
    probabilities->resize(x.rows());
    for (size_t begin = 0; begin < x.rows(); begin += kScoreBlockRows) {
      const size_t end = std::min(x.rows(), begin + kScoreBlockRows);
      const FeatureMatrix block = x.DensifyRows(begin, end);
      CHURNML_RETURN_IF_ERROR(model->PredictProba(
          block, std::span<double>(probabilities->data() + begin, end - begin)));
    }
  }
  if (calibration) calibration->Apply(*probabilities);
  return Status::Ok();
}

Result<FittedModel> FitModel(const Dataset& train, const Dataset& held_out,
                             const TrainOptions& options, const ModelRegistry& registry,
                             TrainTimings* timings) {
  auto start = Clock::now();
  FittedModel fitted;
  fitted.threshold = options.threshold;
  const bool needs_validation =
      registry.NeedsValidation(options.model_kind, options.hyperparameters) ||
      options.threshold_for.has_value() || options.calibrate.has_value();
  // The rows the model is fitted on and, when needed, the validation rows
  // (never fitted on: early stopping, calibration and the threshold use them).
  std::optional<Dataset> fit_rows, validation;
  if (needs_validation) {
    if (!(options.validation_fraction > 0 && options.validation_fraction < 1)) {
      return InvalidArgumentError(
          "--validation-fraction must be between 0 and 1 (exclusive), got " +
          FormatDouble(options.validation_fraction));
    }
    Result<SplitIndices> split = StratifiedTrainTestSplit(
        train.target(), options.validation_fraction, options.seed ^ kValidationSeedSalt);
    if (!split.ok()) return split.status().WithContext("carving the validation rows");
    fit_rows = train.Select(split->train);
    validation = train.Select(split->test);
    fitted.validation_rows = static_cast<int64_t>(validation->num_rows());
  }
  const Dataset& fit_data = fit_rows ? *fit_rows : train;
  CHURNML_ASSIGN_OR_RETURN(fitted.preprocessor, Preprocessor::Fit(fit_data, options.preprocessing));
  // The training rows compact (a value per numeric column, a code per
  // one-hot block: 48 bytes a Telco row, not 368); a kind that needs the
  // dense matrix gets it from the registry, the same values.
  std::optional<CompactFeatureMatrix> compact_x;
  std::optional<FeatureMatrix> dense_x;
  if (fitted.preprocessor.compact_encodable()) {
    CHURNML_ASSIGN_OR_RETURN(compact_x, fitted.preprocessor.TransformCompact(fit_data));
  } else {
    CHURNML_ASSIGN_OR_RETURN(dense_x, fitted.preprocessor.Transform(fit_data));
  }
  FitMonitor monitor;
  monitor.outcome = &fitted.outcome;
  std::optional<FeatureMatrix> eval_x, validation_x;
  if (options.on_fit_round) {
    monitor.on_round = options.on_fit_round;
    CHURNML_ASSIGN_OR_RETURN(eval_x, fitted.preprocessor.Transform(held_out));
    monitor.eval_x = &*eval_x;
    monitor.eval_labels = held_out.target();
    monitor.eval_interval_seconds = options.fit_eval_interval_seconds;
  }
  if (validation) {
    CHURNML_ASSIGN_OR_RETURN(validation_x, fitted.preprocessor.Transform(*validation));
    monitor.validation_x = &*validation_x;
    monitor.validation_labels = validation->target();
  }
  if (timings != nullptr) timings->preprocess += SecondsSince(start);
  start = Clock::now();
  if (compact_x) {
    CHURNML_ASSIGN_OR_RETURN(fitted.model,
                             registry.Train(options.model_kind, *compact_x, fit_data.target(),
                                            options.hyperparameters, monitor));
  } else {
    CHURNML_ASSIGN_OR_RETURN(fitted.model,
                             registry.Train(options.model_kind, *dense_x, fit_data.target(),
                                            options.hyperparameters, monitor));
  }
  if (timings != nullptr) timings->fit += SecondsSince(start);
  if (options.calibrate || options.threshold_for) {
    std::vector<double> scores(validation_x->rows());
    CHURNML_RETURN_IF_ERROR(fitted.model->PredictProba(*validation_x, scores));
    if (options.calibrate) {
      Result<Calibrator> cal = *options.calibrate == CalibrationMethod::kPlatt
                                   ? Calibrator::FitPlatt(scores, validation->target())
                                   : Calibrator::FitIsotonic(scores, validation->target());
      if (!cal.ok()) {
        return cal.status().WithContext("--calibrate on " + FormatCount(fitted.validation_rows) +
                                        " validation rows");
      }
      fitted.calibration = std::move(*cal);
      fitted.calibration->Apply(scores);
    }
    if (options.threshold_for) {
      CHURNML_ASSIGN_OR_RETURN(
          fitted.threshold_choice,
          ChooseThreshold(validation->target(), scores, *options.threshold_for));
      fitted.threshold = fitted.threshold_choice->threshold;
    }
  }
  return fitted;
}

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
  j["rows"]["validation"] = validation_rows;
  j["threshold"] = threshold;
  if (threshold_choice) {
    j["threshold_choice"] = {{"threshold", threshold_choice->threshold},
                             {"validation_precision", threshold_choice->precision},
                             {"validation_recall", threshold_choice->recall},
                             {"validation_f1", threshold_choice->f1},
                             {"validation_cost", threshold_choice->cost}};
  }
  if (!fit.validation_curve.empty()) {
    j["early_stopping"] = {{"metric", fit.metric},
                           {"rounds", fit.rounds},
                           {"best_rounds", fit.best_rounds},
                           {"stopped_early", fit.stopped_early}};
  }
  if (test_calibrated) {
    j["calibration"] = {{"test_ece_before", test_uncalibrated->ece},
                        {"test_ece_after", test_calibrated->ece}};
  }
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

  CHURNML_ASSIGN_OR_RETURN(
      SplitIndices split,
      StratifiedTrainTestSplit(loaded.dataset.target(), options.test_size, options.seed));
  // The loaded rows are freed column by column as they are split.
  Dataset train, test;
  PartitionDataset(std::move(loaded.dataset), split.train, split.test, &train, &test);
  split = SplitIndices();
  ReleaseFreedMemory();
  report->train_rows = static_cast<int64_t>(train.num_rows());
  report->test_rows = static_cast<int64_t>(test.num_rows());

  CHURNML_ASSIGN_OR_RETURN(FittedModel fitted,
                           FitModel(train, test, options, registry, &report->timings));
  report->hyperparameters = fitted.model->hyperparameters();
  report->validation_rows = fitted.validation_rows;
  report->fit = fitted.outcome;
  report->threshold = fitted.threshold;
  report->threshold_choice = fitted.threshold_choice;
  ReleaseFreedMemory();
  progress(2);

  stage = Clock::now();
  std::vector<double> probabilities;
  CHURNML_ASSIGN_OR_RETURN(report->test_metrics, Score(fitted, test, &probabilities));
  if (fitted.calibration) {
    std::vector<double> raw;
    CHURNML_ASSIGN_OR_RETURN(FeatureMatrix test_x, fitted.preprocessor.Transform(test));
    raw.resize(test_x.rows());
    CHURNML_RETURN_IF_ERROR(fitted.model->PredictProba(test_x, raw));
    CHURNML_ASSIGN_OR_RETURN(report->test_uncalibrated, CheckCalibration(test.target(), raw));
    CHURNML_ASSIGN_OR_RETURN(report->test_calibrated,
                             CheckCalibration(test.target(), probabilities));
  }
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
      {"validation_rows", report->validation_rows},
  };
  if (report->validation_rows > 0) {
    metadata["training"]["validation_fraction"] = options.validation_fraction;
  }
  if (report->fit.stopped_early || !report->fit.validation_curve.empty()) {
    metadata["training"]["early_stopping"] = {
        {"metric", report->fit.metric},
        {"rounds", report->fit.rounds},
        {"best_iteration", report->fit.best_rounds - 1},  // 0-based, as XGBoost counts
        {"best_rounds", report->fit.best_rounds},
        {"best_validation",
         report->fit.validation_curve.empty()
             ? nlohmann::json(nullptr)
             : nlohmann::json(
                   report->fit.validation_curve[static_cast<size_t>(report->fit.best_rounds - 1)])},
        {"stopped_early", report->fit.stopped_early}};
  }
  if (report->threshold_choice) {
    const ThresholdChoice& c = *report->threshold_choice;
    metadata["threshold_choice"] = {{"goal", options.threshold_for->ToString()},
                                    {"threshold", c.threshold},
                                    {"validation_precision", c.precision},
                                    {"validation_recall", c.recall},
                                    {"validation_f1", c.f1}};
    if (options.threshold_for->kind == ThresholdGoal::Kind::kCost) {
      metadata["threshold_choice"]["validation_cost"] = c.cost;
    }
  }
  if (report->test_calibrated) {
    metadata["calibration_check"] = {{"test_ece_before", report->test_uncalibrated->ece},
                                     {"test_ece_after", report->test_calibrated->ece}};
  }
  metadata["metrics"] = ToJson(report->test_metrics);
  if (report->cv) metadata["cv"] = ToJson(*report->cv);
  ModelArtifact artifact(options.schema, std::move(fitted.preprocessor), std::move(fitted.model),
                         fitted.threshold, positive_rate, std::move(metadata));
  if (fitted.calibration) artifact.SetCalibration(std::move(*fitted.calibration));
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
