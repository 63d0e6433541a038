#include "pipeline/ensemble_train.h"

#include <chrono>
#include <numeric>
#include <system_error>

#include "common/fingerprint.h"
#include "common/json_dump.h"
#include "common/strings.h"
#include "eval/metric_info.h"
#include "eval/metrics_json.h"
#include "pipeline/reference_profile.h"
#include "pipeline/split.h"
#include "pipeline/train.h"
#include "tracking/names.h"

namespace churnml {
namespace fs = std::filesystem;

namespace {

constexpr int kMaxStackingFolds = 20;
// The refits' folds are drawn independently of the test split's.
constexpr uint64_t kStackingSeedSalt = 0x737461636bULL;

std::string MemberName(const EnsembleTrainOptions& options, size_t k) {
  return "member " + std::to_string(k + 1) + " (" + options.members[k].source + ")";
}

Status CheckOptions(const EnsembleTrainOptions& options) {
  if (options.out_dir.empty()) return InvalidArgumentError("--out is required");
  const size_t n = options.members.size();
  if (n < 2 || n > kMaxEnsembleMembers) {
    return InvalidArgumentError("--members names " + std::to_string(n) +
                                " model(s); an ensemble has 2 to " +
                                std::to_string(kMaxEnsembleMembers));
  }
  if (options.method == EnsembleMethod::kStacking && !options.weights.empty()) {
    return InvalidArgumentError(
        "--weights applies to --method average; stacking fits the weights itself");
  }
  if (options.method == EnsembleMethod::kStacking &&
      (options.stacking_folds < 2 || options.stacking_folds > kMaxStackingFolds)) {
    return InvalidArgumentError("--stacking-folds must be in [2, " +
                                std::to_string(kMaxStackingFolds) + "], got " +
                                std::to_string(options.stacking_folds));
  }
  if (!(options.test_size > 0 && options.test_size < 1)) {
    return InvalidArgumentError("--test-size must be between 0 and 1 (exclusive), got " +
                                FormatDouble(options.test_size));
  }
  if (!(options.threshold >= 0 && options.threshold <= 1)) {
    return InvalidArgumentError("--threshold must be between 0 and 1, got " +
                                FormatDouble(options.threshold));
  }
  const nlohmann::json schema = options.schema.ToJson();
  for (size_t k = 0; k < n; ++k) {
    const auto& artifact = options.members[k].artifact;
    if (artifact == nullptr) return InvalidArgumentError(MemberName(options, k) + " is not loaded");
    if (artifact->is_ensemble()) {
      return InvalidArgumentError(MemberName(options, k) +
                                  " is an ensemble; ensembles do not nest (give its members)");
    }
    if (artifact->schema().ToJson() != schema) {
      return InvalidArgumentError(MemberName(options, k) +
                                  " was trained on a different schema than --schema");
    }
  }
  return Status::Ok();
}

// The member's recorded configuration, as train options for a refit.
TrainOptions RefitOptions(const ModelArtifact& member, const EnsembleTrainOptions& options) {
  TrainOptions t;
  t.schema = options.schema;
  t.model_kind = std::string(member.model().kind());
  t.hyperparameters = member.model().hyperparameters();
  t.seed = options.seed;
  const nlohmann::json& training = member.metadata().value("training", nlohmann::json::object());
  if (training.is_object()) {
    if (auto u = training.find("unknown_category"); u != training.end() && u->is_string()) {
      Result<UnknownCategoryPolicy> policy = ParseUnknownCategoryPolicy(u->get<std::string>());
      if (policy.ok()) t.preprocessing.unknown_category = *policy;
    }
    if (auto v = training.find("validation_fraction"); v != training.end() && v->is_number()) {
      t.validation_fraction = v->get<double>();
    }
  }
  if (member.calibration()) t.calibrate = member.calibration()->method();
  return t;
}

// Whether the member's training split is this split's training split (same
// file, seed and test size): only then are the test rows new to it.
bool SameSplit(const ModelArtifact& member, const EnsembleTrainOptions& options,
               const std::string& fingerprint) {
  const nlohmann::json& t = member.metadata().value("training", nlohmann::json::object());
  return t.is_object() && t.value("data_fingerprint", std::string()) == fingerprint &&
         t.value("seed", uint64_t{0}) == options.seed &&
         t.value("test_size", -1.0) == options.test_size;
}

Result<std::unique_ptr<EnsembleModel>> FitStackedCombiner(const EnsembleTrainOptions& options,
                                                          const Dataset& train,
                                                          const ModelRegistry& registry) {
  MemberFoldScorer scorer = [&](size_t k, std::span<const size_t> fit_rows,
                                std::span<const size_t> score_rows,
                                std::span<double> scores) -> Status {
    const TrainOptions refit = RefitOptions(*options.members[k].artifact, options);
    Dataset fit = train.Select(std::vector<size_t>(fit_rows.begin(), fit_rows.end()));
    Dataset score = train.Select(std::vector<size_t>(score_rows.begin(), score_rows.end()));
    Result<FittedModel> fitted = FitModel(fit, score, refit, registry, nullptr);
    if (!fitted.ok()) {
      return fitted.status().WithContext("refitting " + MemberName(options, k) + " for stacking");
    }
    std::vector<double> p;
    CHURNML_RETURN_IF_ERROR(fitted->Predict(score, &p));
    std::copy(p.begin(), p.end(), scores.begin());
    return Status::Ok();
  };
  CHURNML_ASSIGN_OR_RETURN(
      FeatureMatrix oof,
      OutOfFoldScores(train.target(), options.members.size(), options.stacking_folds,
                      options.seed ^ kStackingSeedSalt, scorer));
  return EnsembleModel::FitStacking(oof, train.target());
}

}  // namespace

Result<FeatureMatrix> OutOfFoldScores(std::span<const uint8_t> labels, size_t members, int folds,
                                      uint64_t seed, const MemberFoldScorer& scorer) {
  CHURNML_ASSIGN_OR_RETURN(std::vector<SplitIndices> split, StratifiedKFold(labels, folds, seed));
  FeatureMatrix oof(labels.size(), members);
  std::vector<uint8_t> filled(labels.size(), 0);
  std::vector<double> scores;
  for (const SplitIndices& fold : split) {
    for (size_t k = 0; k < members; ++k) {
      scores.assign(fold.test.size(), 0.0);
      CHURNML_RETURN_IF_ERROR(scorer(k, fold.train, fold.test, scores));
      for (size_t i = 0; i < fold.test.size(); ++i) oof.at(fold.test[i], k) = scores[i];
    }
    for (size_t row : fold.test) ++filled[row];
  }
  // Each row is scored by exactly one fold (the one that held it out).
  for (size_t r = 0; r < filled.size(); ++r) {
    if (filled[r] != 1) {
      return InternalError("out-of-fold scores: row " + std::to_string(r + 1) + " was scored " +
                           std::to_string(filled[r]) + " times");
    }
  }
  return oof;
}

nlohmann::json EnsembleTrainReport::ToJson() const {
  nlohmann::json members = nlohmann::json::array();
  for (size_t k = 0; k < member_sources.size(); ++k) {
    members.push_back({{"source", member_sources[k]},
                       {"kind", k < member_kinds.size() ? member_kinds[k] : ""},
                       {"weight", k < weights.size() ? weights[k] : 0.0},
                       {"metrics", k < member_metrics.size() ? churnml::ToJson(member_metrics[k])
                                                             : nlohmann::json(nullptr)}});
  }
  return {{"model_dir", artifact_dir.string()},
          {"kind", std::string(kEnsembleKind)},
          {"method", std::string(EnsembleMethodName(method))},
          {"bias", bias},
          {"members", members},
          {"rows",
           {{"read", rows_read},
            {"dropped", rows_dropped},
            {"train", train_rows},
            {"test", test_rows}}},
          {"data_fingerprint", data_fingerprint},
          {"metrics", churnml::ToJson(test_metrics)},
          {"warnings", warnings},
          {"seconds", seconds}};
}

Status TrainEnsemble(const EnsembleTrainOptions& options, const ModelRegistry& registry,
                     EnsembleTrainReport* report) {
  const auto start = std::chrono::steady_clock::now();
  CHURNML_RETURN_IF_ERROR(CheckOptions(options));
  report->method = options.method;
  for (const EnsembleMember& m : options.members) {
    report->member_sources.push_back(m.source);
    report->member_kinds.emplace_back(m.artifact->model().kind());
  }
  std::error_code ec;
  if (options.existing == ExistingPolicy::kFail &&
      fs::exists(fs::symlink_status(options.out_dir, ec))) {
    return AlreadyExistsError(options.out_dir.string() +
                              " already exists; choose another --out or remove it");
  }
  CHURNML_ASSIGN_OR_RETURN(report->data_fingerprint, FingerprintFile(options.data_path));
  LoadOptions load;
  load.target = TargetPolicy::kRequired;
  load.invalid_rows = InvalidRowPolicy::kDrop;
  load.max_issues = options.max_issues;
  CHURNML_ASSIGN_OR_RETURN(LoadResult loaded,
                           LoadCsv(options.data_path.string(), options.schema, load));
  report->issues = loaded.issues;
  report->rows_read = loaded.rows_read;
  report->rows_dropped = loaded.rows_dropped;
  if (loaded.issues.count() > 0 && options.invalid_rows == InvalidRowPolicy::kFail) {
    return FailedPreconditionError(
        FormatCount(loaded.issues.count()) + " problem(s) in " + FormatCount(report->rows_dropped) +
        " row(s) of " + options.data_path.string() +
        "; fix the data or pass --drop-invalid to train without those rows");
  }
  const Dataset& data = loaded.dataset;
  CHURNML_ASSIGN_OR_RETURN(
      SplitIndices split, StratifiedTrainTestSplit(data.target(), options.test_size, options.seed));
  Dataset train = data.Select(split.train);
  Dataset test = data.Select(split.test);
  report->train_rows = static_cast<int64_t>(train.num_rows());
  report->test_rows = static_cast<int64_t>(test.num_rows());
  for (size_t k = 0; k < options.members.size(); ++k) {
    if (!SameSplit(*options.members[k].artifact, options, report->data_fingerprint)) {
      report->warnings.push_back(
          MemberName(options, k) +
          " was not trained on this split's training rows (other data, --seed or "
          "--test-size): some test rows may have been among its training rows, so the test "
          "metrics may be optimistic");
    }
  }

  std::unique_ptr<EnsembleModel> combiner;
  if (options.method == EnsembleMethod::kAverage) {
    CHURNML_ASSIGN_OR_RETURN(std::vector<double> w,
                             NormalizeEnsembleWeights(options.weights, options.members.size()));
    CHURNML_ASSIGN_OR_RETURN(combiner,
                             EnsembleModel::Create(EnsembleMethod::kAverage, std::move(w), 0.0));
  } else {
    CHURNML_ASSIGN_OR_RETURN(combiner, FitStackedCombiner(options, train, registry));
  }
  report->weights = combiner->weights();
  report->bias = combiner->bias();

  const std::vector<uint8_t>& y = train.target();
  const double positive_rate =
      static_cast<double>(std::accumulate(y.begin(), y.end(), int64_t{0})) /
      static_cast<double>(y.size());
  nlohmann::json metadata;
  metadata["training"] = {{"data_path", options.data_path.string()},
                          {"data_fingerprint", report->data_fingerprint},
                          {"rows_read", report->rows_read},
                          {"rows_dropped", report->rows_dropped},
                          {"train_rows", report->train_rows},
                          {"test_rows", report->test_rows},
                          {"test_size", options.test_size},
                          {"seed", options.seed},
                          {"method", std::string(EnsembleMethodName(options.method))}};
  if (options.method == EnsembleMethod::kStacking) {
    metadata["training"]["stacking_folds"] = options.stacking_folds;
  }
  // Test metrics: the ensemble and each member on the same rows.
  FeatureMatrix member_p(test.num_rows(), options.members.size());
  std::vector<double> column;
  for (size_t k = 0; k < options.members.size(); ++k) {
    const ModelArtifact& member = *options.members[k].artifact;
    Status s = member.PredictProba(test, &column);
    if (!s.ok()) return s.WithContext(MemberName(options, k));
    for (size_t r = 0; r < column.size(); ++r) member_p.at(r, k) = column[r];
    CHURNML_ASSIGN_OR_RETURN(BinaryMetrics m,
                             ComputeBinaryMetrics(test.target(), column, member.threshold()));
    report->member_metrics.push_back(std::move(m));
  }
  std::vector<double> probabilities(test.num_rows());
  CHURNML_RETURN_IF_ERROR(combiner->PredictProba(member_p, probabilities));
  CHURNML_ASSIGN_OR_RETURN(report->test_metrics,
                           ComputeBinaryMetrics(test.target(), probabilities, options.threshold));
  metadata["metrics"] = ToJson(report->test_metrics);
  nlohmann::json member_metrics = nlohmann::json::array();
  for (const BinaryMetrics& m : report->member_metrics) member_metrics.push_back(ToJson(m));
  metadata["member_metrics"] = std::move(member_metrics);
  // The drift reference, as train freezes it: raw features of the training
  // split, the ensemble's score on the test split.
  CHURNML_ASSIGN_OR_RETURN(ReferenceProfile profile, BuildReferenceProfile(train, probabilities));
  std::vector<EnsembleMember> members = options.members;
  CHURNML_ASSIGN_OR_RETURN(
      std::unique_ptr<ModelArtifact> artifact,
      ModelArtifact::MakeEnsemble(options.schema, std::move(combiner), std::move(members),
                                  options.threshold, positive_rate, std::move(metadata)));
  CHURNML_RETURN_IF_ERROR(artifact->AddFile(kProfileFileName, DumpJson(profile.ToJson()) + "\n"));
  CHURNML_RETURN_IF_ERROR(artifact->Save(options.out_dir, options.existing));
  report->artifact_dir = options.out_dir;
  report->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return Status::Ok();
}

namespace {

Status TrainEnsembleIntoRun(const EnsembleTrainOptions& given, tracking::TrackingStore& store,
                            const ModelRegistry& registry, EnsembleTrainReport* report,
                            TrackedRun* run) {
  EnsembleTrainOptions options = given;
  fs::path scratch;
  if (options.out_dir.empty()) {
    std::error_code ec;
    fs::create_directories(store.artifact_root(), ec);
    scratch = TemporarySibling(store.artifact_root() / ("train-" + run->run_id));
    options.out_dir = scratch;
  }
  Status trained = TrainEnsemble(options, registry, report);
  auto cleanup = [&] {
    std::error_code ec;
    if (!scratch.empty()) fs::remove_all(scratch, ec);
  };
  if (!trained.ok()) {
    cleanup();
    return trained;
  }
  std::vector<std::string> weights;
  for (double w : report->weights) weights.push_back(FormatDouble(w));
  std::map<std::string, std::string> params = {
      {"model", std::string(kEnsembleKind)},
      {"method", std::string(EnsembleMethodName(options.method))},
      {"members", Join(report->member_sources, ",")},
      {"member_kinds", Join(report->member_kinds, ",")},
      {"weights", Join(weights, ",")},
      {"bias", FormatDouble(report->bias)},
      {"data", options.data_path.string()},
      {"test_size", FormatDouble(options.test_size)},
      {"seed", std::to_string(options.seed)},
      {"threshold", FormatDouble(options.threshold)},
  };
  if (options.method == EnsembleMethod::kStacking) {
    params["stacking_folds"] = std::to_string(options.stacking_folds);
  }
  CHURNML_RETURN_IF_ERROR(store.LogParams(run->run_id, params));
  std::vector<tracking::Metric> metrics;
  for (const NamedMetric& named : ScalarMetrics(report->test_metrics)) {
    if (named.value) metrics.push_back({named.name, *named.value, 0, 0});
  }
  for (size_t k = 0; k < report->member_metrics.size(); ++k) {
    if (report->member_metrics[k].roc_auc) {
      metrics.push_back({"member_" + std::to_string(k + 1) + "_roc_auc",
                         *report->member_metrics[k].roc_auc, 0, 0});
    }
  }
  metrics.push_back({"train_seconds", report->seconds, 0, 0});
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

Status TrainEnsembleTracked(const EnsembleTrainOptions& options, const TrackingOptions& tracking,
                            const ModelRegistry& registry, EnsembleTrainReport* report,
                            TrackedRun* run) {
  CHURNML_RETURN_IF_ERROR(tracking::ValidateName("experiment name", tracking.experiment));
  if (!tracking.register_model.empty()) {
    CHURNML_RETURN_IF_ERROR(tracking::ValidateName("model name", tracking.register_model));
  }
  if (!tracking.alias.empty()) {
    if (tracking.register_model.empty())
      return InvalidArgumentError("--alias needs --register NAME");
    CHURNML_RETURN_IF_ERROR(tracking::ValidateAlias(tracking.alias));
  }
  EnsembleTrainOptions checked = options;
  if (checked.out_dir.empty()) checked.out_dir = "-";  // CheckOptions wants one; scratch later
  CHURNML_RETURN_IF_ERROR(CheckOptions(checked));
  CHURNML_ASSIGN_OR_RETURN(std::unique_ptr<tracking::TrackingStore> store,
                           tracking::TrackingStore::Open(tracking.store));
  run->store = store->Describe();
  std::map<std::string, std::string> tags = tracking.tags;
  tags.emplace("model", std::string(kEnsembleKind));
  CHURNML_ASSIGN_OR_RETURN(run->run_id, store->CreateRun(tracking.experiment, tags));
  if (tracking.on_run_created) tracking.on_run_created(run->run_id);
  Status status = TrainEnsembleIntoRun(options, *store, registry, report, run);
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
