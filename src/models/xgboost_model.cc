// The XGBoost adapter: the only file that includes xgboost/c_api.h. Every
// C API call returns 0 or -1; -1 becomes a Status carrying
// XGBGetLastError()'s text.
#include "models/xgboost_model.h"

#include <xgboost/c_api.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <system_error>
#include <vector>

#include "models/hyperparameters.h"
#include "models/xgboost_json_check.h"

namespace churnml {

namespace {

// XGBoost's last error, without the stack trace it appends after the first line.
std::string LastError() {
  std::string text = XGBGetLastError();
  const size_t end = text.find('\n');
  if (end != std::string::npos) text.resize(end);
  return text;
}

Status XgbError(std::string_view what) {
  return InternalError("xgboost: " + std::string(what) + ": " + LastError());
}

#define CHURNML_XGB_CALL(call, what)        \
  do {                                      \
    if ((call) != 0) return XgbError(what); \
  } while (false)

// JSON __array_interface__ of a row-major double matrix, as XGBoost's
// dense-input functions take it.
std::string DenseArrayInterface(const FeatureMatrix& x) {
  char buffer[192];
  std::snprintf(buffer, sizeof(buffer),
                "{\"data\": [%llu, true], \"shape\": [%zu, %zu], \"typestr\": \"<f8\", "
                "\"version\": 3}",
                static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(x.values().data())),
                x.rows(), x.cols());
  return buffer;
}

// XGQuantileDMatrixCreateFromCallback's iterator over one batch: the whole
// FeatureMatrix, seen in place through its array interface. The callbacks
// must not throw; a failure is kept here and reported after the call.
struct SingleBatch {
  DMatrixHandle proxy = nullptr;
  const char* array = nullptr;  // DenseArrayInterface of the features
  const float* labels = nullptr;
  size_t rows = 0;
  bool delivered = false;
  std::string error;  // LastError() of a failed setter
};

int NextBatch(DataIterHandle handle) {
  auto* batch = static_cast<SingleBatch*>(handle);
  if (batch->delivered) return 0;
  batch->delivered = true;
  if (XGProxyDMatrixSetDataDense(batch->proxy, batch->array) != 0 ||
      XGDMatrixSetFloatInfo(batch->proxy, "label", batch->labels, batch->rows) != 0) {
    batch->error = LastError();
    return 0;
  }
  return 1;
}

void ResetBatch(DataIterHandle handle) { static_cast<SingleBatch*>(handle)->delivered = false; }

// Missing values are NaN (XGBoost's JSON reader accepts the NaN literal).
constexpr char kPredictConfig[] =
    "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, "
    "\"strict_shape\": false, \"cache_id\": 0, \"missing\": NaN}";

class DMatrix {
 public:
  DMatrix() = default;
  ~DMatrix() {
    if (handle_ != nullptr) XGDMatrixFree(handle_);
  }
  DMatrix(const DMatrix&) = delete;
  DMatrix& operator=(const DMatrix&) = delete;
  DMatrixHandle* out() { return &handle_; }
  DMatrixHandle get() const { return handle_; }

 private:
  DMatrixHandle handle_ = nullptr;
};

}  // namespace

struct XGBoostModel::Booster {
  Booster() = default;
  ~Booster() {
    if (handle != nullptr) XGBoosterFree(handle);
  }
  Booster(const Booster&) = delete;
  Booster& operator=(const Booster&) = delete;
  BoosterHandle handle = nullptr;
};

HyperparameterSpace XGBoostOptions::Space() {
  using T = HyperparameterType;
  const XGBoostOptions d;
  HyperparameterSpace space;
  auto number = [&space](std::string name, T type, nlohmann::json def, double min, double max,
                         std::string help) -> HyperparameterSpec& {
    HyperparameterSpec s = DeclareHyperparameter(std::move(name), type, std::move(def));
    s.min = min;
    s.max = max;
    s.help = std::move(help);
    space.push_back(std::move(s));
    return space.back();
  };
  auto search = [](HyperparameterSpec& s, SearchScale scale, double lo, double hi) {
    s.search = scale;
    s.search_min = lo;
    s.search_max = hi;
  };
  search(number("n_estimators", T::kInt, d.n_estimators, 1, 100000, "boosting rounds"),
         SearchScale::kLinear, 50, 600);
  search(number("max_depth", T::kInt, d.max_depth, 1, 64, "maximum tree depth"),
         SearchScale::kLinear, 2, 10);
  HyperparameterSpec& eta =
      number("learning_rate", T::kDouble, d.learning_rate, 0, 1e3, "shrinkage (eta)");
  eta.min_exclusive = true;
  search(eta, SearchScale::kLog, 0.01, 0.3);
  HyperparameterSpec& sub =
      number("subsample", T::kDouble, d.subsample, 0, 1, "row subsample ratio per tree");
  sub.min_exclusive = true;
  search(sub, SearchScale::kLinear, 0.5, 1.0);
  HyperparameterSpec& col = number("colsample_bytree", T::kDouble, d.colsample_bytree, 0, 1,
                                   "column subsample ratio per tree");
  col.min_exclusive = true;
  search(col, SearchScale::kLinear, 0.5, 1.0);
  search(number("min_child_weight", T::kDouble, d.min_child_weight, 0, 1e9,
                "minimum hessian in a leaf"),
         SearchScale::kLog, 0.5, 20);
  number("threads", T::kInt, d.threads, 0, 4096, "training threads (0 = all cores)");
  number("seed", T::kInt, d.seed, -9e15, 9e15, "XGBoost's seed").flag = "-";
  number("early_stopping_rounds", T::kInt, d.early_stopping_rounds, 0, 100000,
         "stop when the validation log loss has not improved for N rounds and keep the best "
         "round (0 = off; validation rows: --validation-fraction of the training split)")
      .needs_validation = true;
  HyperparameterSpec cw = DeclareHyperparameter("class_weight", T::kString, "none");
  cw.choices = {"none", "balanced"};
  cw.help = "balanced: scale_pos_weight = negatives / positives of the training rows";
  space.push_back(std::move(cw));
  return space;
}

Result<XGBoostOptions> XGBoostOptions::FromJson(const nlohmann::json& j) {
  const HyperparameterSpace space = Space();
  std::vector<std::string> keys;
  for (const HyperparameterSpec& spec : space) keys.push_back(spec.name);
  CHURNML_ASSIGN_OR_RETURN(
      HyperparameterReader reader,
      HyperparameterReader::Create(j, std::string(XGBoostModel::kKind), std::move(keys)));
  XGBoostOptions o;
  int64_t n_estimators = o.n_estimators, max_depth = o.max_depth, threads = o.threads;
  int64_t early = o.early_stopping_rounds;
  std::string class_weight = "none";
  CHURNML_RETURN_IF_ERROR(reader.ReadInt("n_estimators", &n_estimators));
  CHURNML_RETURN_IF_ERROR(reader.ReadInt("max_depth", &max_depth));
  CHURNML_RETURN_IF_ERROR(reader.ReadDouble("learning_rate", &o.learning_rate));
  CHURNML_RETURN_IF_ERROR(reader.ReadDouble("subsample", &o.subsample));
  CHURNML_RETURN_IF_ERROR(reader.ReadDouble("colsample_bytree", &o.colsample_bytree));
  CHURNML_RETURN_IF_ERROR(reader.ReadDouble("min_child_weight", &o.min_child_weight));
  CHURNML_RETURN_IF_ERROR(reader.ReadInt("threads", &threads));
  CHURNML_RETURN_IF_ERROR(reader.ReadInt("seed", &o.seed));
  CHURNML_RETURN_IF_ERROR(reader.ReadInt("early_stopping_rounds", &early));
  CHURNML_RETURN_IF_ERROR(reader.ReadString("class_weight", &class_weight));
  if (n_estimators < 1 || n_estimators > 100000) {
    return reader.Error("n_estimators",
                        "must be in [1, 100000], got " + std::to_string(n_estimators));
  }
  if (max_depth < 1 || max_depth > 64) {
    return reader.Error("max_depth", "must be in [1, 64], got " + std::to_string(max_depth));
  }
  if (threads < 0 || threads > 4096) {
    return reader.Error("threads", "must be in [0, 4096], got " + std::to_string(threads));
  }
  if (early < 0 || early > 100000) {
    return reader.Error("early_stopping_rounds",
                        "must be in [0, 100000], got " + std::to_string(early));
  }
  o.n_estimators = static_cast<int>(n_estimators);
  o.max_depth = static_cast<int>(max_depth);
  o.threads = static_cast<int>(threads);
  o.early_stopping_rounds = static_cast<int>(early);
  o.balanced_class_weight = class_weight == "balanced";
  CHURNML_RETURN_IF_ERROR(o.Validate());
  return o;
}

nlohmann::json XGBoostOptions::ToJson() const {
  nlohmann::json j = {{"n_estimators", n_estimators},
                      {"max_depth", max_depth},
                      {"learning_rate", learning_rate},
                      {"subsample", subsample},
                      {"colsample_bytree", colsample_bytree},
                      {"min_child_weight", min_child_weight},
                      {"threads", threads},
                      {"seed", seed}};
  if (early_stopping_rounds != 0) j["early_stopping_rounds"] = early_stopping_rounds;
  if (balanced_class_weight) j["class_weight"] = "balanced";
  return j;
}

Status XGBoostOptions::Validate() const {
  auto bad = [](std::string_view key, std::string_view rule, double v) {
    char value[64];
    std::snprintf(value, sizeof(value), "%.17g", v);
    return InvalidArgumentError("xgboost hyperparameter \"" + std::string(key) + "\": must be " +
                                std::string(rule) + ", got " + value);
  };
  if (n_estimators < 1) return bad("n_estimators", ">= 1", n_estimators);
  if (max_depth < 1) return bad("max_depth", ">= 1", max_depth);
  if (!(learning_rate > 0.0) || !std::isfinite(learning_rate)) {
    return bad("learning_rate", "> 0", learning_rate);
  }
  if (!(subsample > 0.0 && subsample <= 1.0)) return bad("subsample", "in (0, 1]", subsample);
  if (!(colsample_bytree > 0.0 && colsample_bytree <= 1.0)) {
    return bad("colsample_bytree", "in (0, 1]", colsample_bytree);
  }
  if (!(min_child_weight >= 0.0) || !std::isfinite(min_child_weight)) {
    return bad("min_child_weight", ">= 0", min_child_weight);
  }
  if (threads < 0) return bad("threads", ">= 0", threads);
  if (early_stopping_rounds < 0) {
    return bad("early_stopping_rounds", ">= 0", early_stopping_rounds);
  }
  return Status::Ok();
}

namespace {

Status SetParam(BoosterHandle h, const char* name, const std::string& value) {
  if (XGBoosterSetParam(h, name, value.c_str()) != 0) {
    return XgbError(std::string("setting parameter \"") + name + "\" to \"" + value + "\"");
  }
  return Status::Ok();
}

std::string Exact(double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.17g", v);
  return buffer;
}

// Parameters that matter for prediction as well as training.
Status SetCommonParams(BoosterHandle h, const XGBoostOptions& o) {
  CHURNML_RETURN_IF_ERROR(SetParam(h, "verbosity", "0"));
  CHURNML_RETURN_IF_ERROR(SetParam(h, "nthread", std::to_string(o.threads)));
  return Status::Ok();
}

// The metric reported per round on eval rows: XGBoost's default for
// binary:logistic, O(rows) per round (AUC sorts the rows every round).
constexpr std::string_view kEvalMetric = "logloss";

// The value of set `name` in XGBoosterEvalOneIter's text,
// "[3]\teval-logloss:0.41230".
Result<double> ParseEvalText(std::string_view text, std::string_view name = "eval") {
  const std::string key = std::string(name) + "-" + std::string(kEvalMetric) + ":";
  const size_t at = text.find(key);
  if (at == std::string_view::npos) {
    return InternalError("xgboost: no " + key + " in the evaluation \"" + std::string(text) + "\"");
  }
  text.remove_prefix(at + key.size());
  const size_t end = text.find_first_of(" \t\n");
  if (end != std::string_view::npos) text = text.substr(0, end);
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return InternalError("xgboost: unreadable evaluation value \"" + std::string(text) + "\"");
  }
  return value;
}

}  // namespace

XGBoostModel::XGBoostModel(XGBoostOptions options, std::unique_ptr<Booster> booster,
                           size_t num_features, TreeShap shap)
    : options_(options),
      booster_(std::move(booster)),
      num_features_(num_features),
      shap_(std::move(shap)) {}

XGBoostModel::~XGBoostModel() = default;

Result<std::unique_ptr<XGBoostModel>> XGBoostModel::Train(const FeatureMatrix& x,
                                                          std::span<const uint8_t> labels,
                                                          const XGBoostOptions& options,
                                                          const FitMonitor& monitor) {
  CHURNML_RETURN_IF_ERROR(options.Validate());
  if (labels.size() != x.rows()) {
    return InvalidArgumentError("xgboost: " + std::to_string(labels.size()) + " labels for " +
                                std::to_string(x.rows()) + " rows");
  }
  if (x.rows() == 0 || x.cols() == 0) return InvalidArgumentError("xgboost: no training data");
  const bool evaluate = monitor.on_round && monitor.eval_x != nullptr && monitor.eval_x->rows() > 0;
  if (evaluate && (monitor.eval_x->cols() != x.cols() ||
                   monitor.eval_labels.size() != monitor.eval_x->rows())) {
    return InvalidArgumentError("xgboost: eval rows do not match the training matrix");
  }

  const std::string config =
      "{\"missing\": NaN, \"nthread\": " + std::to_string(options.threads) + "}";
  std::vector<float> y(labels.begin(), labels.end());
  for (float& v : y) v = v != 0.0f ? 1.0f : 0.0f;
  // The training rows as a QuantileDMatrix: XGBoost sketches and bins the
  // doubles straight from the FeatureMatrix into hist's gradient index (a
  // byte per value at 256 bins). A DMatrix from XGDMatrixCreateFromDense
  // would first copy them into a CSR of 8-byte entries (zeros included)
  // that tree_method=hist then only bins again.
  DMatrix proxy;
  CHURNML_XGB_CALL(XGProxyDMatrixCreate(proxy.out()), "creating the training data proxy");
  const std::string array = DenseArrayInterface(x);
  SingleBatch batch{proxy.get(), array.c_str(), y.data(), y.size(), false, {}};
  DMatrix train;
  const int created = XGQuantileDMatrixCreateFromCallback(&batch, proxy.get(), nullptr, &ResetBatch,
                                                          &NextBatch, config.c_str(), train.out());
  if (!batch.error.empty()) {
    return InternalError("xgboost: setting the training data: " + batch.error);
  }
  if (created != 0) return XgbError("creating the training matrix");

  // The eval rows, when watched: in the booster's cache, so each round's
  // evaluation predicts only the newest tree (XGBoost caches margins).
  DMatrix eval;
  if (evaluate) {
    const std::string eval_array = DenseArrayInterface(*monitor.eval_x);
    CHURNML_XGB_CALL(XGDMatrixCreateFromDense(eval_array.c_str(), config.c_str(), eval.out()),
                     "creating the eval matrix");
    std::vector<float> eval_y(monitor.eval_labels.begin(), monitor.eval_labels.end());
    for (float& v : eval_y) v = v != 0.0f ? 1.0f : 0.0f;
    CHURNML_XGB_CALL(XGDMatrixSetFloatInfo(eval.get(), "label", eval_y.data(), eval_y.size()),
                     "setting the eval labels");
  }

  // Validation rows for early stopping (carved from the training split by
  // the caller): evaluated every round, in the booster's cache too.
  const bool early_stopping = options.early_stopping_rounds > 0;
  DMatrix valid;
  if (early_stopping) {
    if (monitor.validation_x == nullptr || monitor.validation_x->rows() == 0) {
      return InvalidArgumentError(
          "xgboost: early_stopping_rounds needs validation rows (none were given)");
    }
    if (monitor.validation_x->cols() != x.cols() ||
        monitor.validation_labels.size() != monitor.validation_x->rows()) {
      return InvalidArgumentError("xgboost: validation rows do not match the training matrix");
    }
    const std::string valid_array = DenseArrayInterface(*monitor.validation_x);
    CHURNML_XGB_CALL(XGDMatrixCreateFromDense(valid_array.c_str(), config.c_str(), valid.out()),
                     "creating the validation matrix");
    std::vector<float> valid_y(monitor.validation_labels.begin(), monitor.validation_labels.end());
    for (float& v : valid_y) v = v != 0.0f ? 1.0f : 0.0f;
    CHURNML_XGB_CALL(XGDMatrixSetFloatInfo(valid.get(), "label", valid_y.data(), valid_y.size()),
                     "setting the validation labels");
  }

  auto booster = std::make_unique<Booster>();
  std::vector<DMatrixHandle> cache = {train.get()};
  if (evaluate) cache.push_back(eval.get());
  if (early_stopping) cache.push_back(valid.get());
  CHURNML_XGB_CALL(
      XGBoosterCreate(cache.data(), static_cast<bst_ulong>(cache.size()), &booster->handle),
      "creating the booster");
  BoosterHandle h = booster->handle;
  CHURNML_RETURN_IF_ERROR(SetCommonParams(h, options));
  CHURNML_RETURN_IF_ERROR(SetParam(h, "objective", "binary:logistic"));
  CHURNML_RETURN_IF_ERROR(SetParam(h, "tree_method", "hist"));
  CHURNML_RETURN_IF_ERROR(SetParam(h, "max_depth", std::to_string(options.max_depth)));
  CHURNML_RETURN_IF_ERROR(SetParam(h, "eta", Exact(options.learning_rate)));
  CHURNML_RETURN_IF_ERROR(SetParam(h, "subsample", Exact(options.subsample)));
  CHURNML_RETURN_IF_ERROR(SetParam(h, "colsample_bytree", Exact(options.colsample_bytree)));
  CHURNML_RETURN_IF_ERROR(SetParam(h, "min_child_weight", Exact(options.min_child_weight)));
  CHURNML_RETURN_IF_ERROR(SetParam(h, "seed", std::to_string(options.seed)));
  if (options.balanced_class_weight) {
    size_t positives = 0;
    for (uint8_t label : labels) positives += label != 0 ? 1 : 0;
    if (positives == 0 || positives == labels.size()) {
      return InvalidArgumentError("xgboost: class_weight balanced needs both classes");
    }
    CHURNML_RETURN_IF_ERROR(SetParam(
        h, "scale_pos_weight",
        Exact(static_cast<double>(labels.size() - positives) / static_cast<double>(positives))));
  }
  if (evaluate || early_stopping) {
    CHURNML_RETURN_IF_ERROR(SetParam(h, "eval_metric", std::string(kEvalMetric)));
  }
  DMatrixHandle eval_sets[] = {eval.get()};
  const char* eval_names[] = {"eval"};
  FitRound round;
  round.total = options.n_estimators;
  const auto eval_interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(std::max(0.0, monitor.eval_interval_seconds)));
  auto last_eval = std::chrono::steady_clock::now() - eval_interval;
  DMatrixHandle valid_sets[] = {valid.get()};
  const char* valid_names[] = {"valid"};
  FitOutcome outcome;
  outcome.metric = early_stopping ? std::string(kEvalMetric) : std::string();
  double best = 0;
  for (int i = 0; i < options.n_estimators; ++i) {
    CHURNML_XGB_CALL(XGBoosterUpdateOneIter(h, i, train.get()),
                     "boosting round " + std::to_string(i + 1));
    outcome.rounds = i + 1;
    if (early_stopping) {
      const char* text = nullptr;
      CHURNML_XGB_CALL(XGBoosterEvalOneIter(h, i, valid_sets, valid_names, 1, &text),
                       "validating round " + std::to_string(i + 1));
      CHURNML_ASSIGN_OR_RETURN(double value, ParseEvalText(text == nullptr ? "" : text, "valid"));
      outcome.validation_curve.push_back(value);
      // Strictly better only: ties keep the earlier, smaller model.
      if (outcome.best_rounds == 0 || value < best) {
        best = value;
        outcome.best_rounds = i + 1;
      }
    }
    const bool stop =
        early_stopping && outcome.rounds - outcome.best_rounds >= options.early_stopping_rounds;
    if (monitor.on_round) {
      round.done = i + 1;
      round.metric.clear();
      const auto now = std::chrono::steady_clock::now();
      if (evaluate && (round.done == round.total || stop || now - last_eval >= eval_interval)) {
        const char* text = nullptr;
        CHURNML_XGB_CALL(XGBoosterEvalOneIter(h, i, eval_sets, eval_names, 1, &text),
                         "evaluating round " + std::to_string(i + 1));
        CHURNML_ASSIGN_OR_RETURN(round.value, ParseEvalText(text == nullptr ? "" : text));
        round.metric = kEvalMetric;
        last_eval = std::chrono::steady_clock::now();
      }
      monitor.on_round(round);
    }
    if (stop) {
      outcome.stopped_early = true;
      break;
    }
  }
  if (!early_stopping) outcome.best_rounds = outcome.rounds;
  if (early_stopping && outcome.best_rounds < outcome.rounds) {
    // Keep the best round's trees only: the saved model and every
    // prediction use exactly them.
    BoosterHandle sliced = nullptr;
    CHURNML_XGB_CALL(XGBoosterSlice(h, 0, outcome.best_rounds, 1, &sliced),
                     "keeping the best " + std::to_string(outcome.best_rounds) + " rounds");
    XGBoosterFree(booster->handle);
    booster->handle = sliced;
  }
  if (monitor.outcome != nullptr) *monitor.outcome = std::move(outcome);
  // The trees for TreeShap, from XGBoost's own JSON of the final booster.
  bst_ulong length = 0;
  const char* text = nullptr;
  CHURNML_XGB_CALL(
      XGBoosterSaveModelToBuffer(booster->handle, "{\"format\": \"json\"}", &length, &text),
      "serializing the trees");
  const nlohmann::json doc = nlohmann::json::parse(text, text + length, nullptr, false);
  if (doc.is_discarded()) return InternalError("xgboost: its JSON model does not parse");
  CHURNML_ASSIGN_OR_RETURN(TreeShap shap, TreeShap::FromJson(doc, "xgboost's trained model"));
  return std::unique_ptr<XGBoostModel>(
      new XGBoostModel(options, std::move(booster), x.cols(), std::move(shap)));
}

Result<std::unique_ptr<XGBoostModel>> XGBoostModel::Load(const std::filesystem::path& dir) {
  return Load(ModelFiles::FromDirectory(dir));
}

Result<std::unique_ptr<XGBoostModel>> XGBoostModel::Load(const ModelFiles& files) {
  CHURNML_ASSIGN_OR_RETURN(nlohmann::json hyperparameters, ReadHyperparametersFile(files, kKind));
  Result<XGBoostOptions> options = XGBoostOptions::FromJson(hyperparameters);
  if (!options.ok())
    return options.status().WithContext(files.PathOf(kHyperparametersFile).string());
  const std::string where = files.PathOf(kModelFile).string();
  std::string canonical;
  XGBoostJsonSummary summary;
  TreeShap shap;
  {
    CHURNML_ASSIGN_OR_RETURN(std::string text, files.Read(kModelFile));
    const size_t first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos || text[first] != '{' ||
        (first + 1 < text.size() && std::isalpha(static_cast<unsigned char>(text[first + 1])))) {
      return InvalidArgumentError(where +
                                  ": not an XGBoost JSON model (churnml writes JSON; UBJSON and "
                                  "XGBoost's binary format are refused)");
    }
    CHURNML_ASSIGN_OR_RETURN(nlohmann::json doc, ParseBoundedJson(text, where));
    text = std::string();
    CHURNML_ASSIGN_OR_RETURN(summary, CheckXGBoostModelJson(doc, where, options->max_depth));
    CHURNML_ASSIGN_OR_RETURN(shap, TreeShap::FromJson(doc, where));
    // XGBoost reads exactly the document that was checked: no second read
    // of the file, no parser differences (duplicate keys, whitespace).
    canonical = doc.dump();
  }
  auto booster = std::make_unique<Booster>();
  if (XGBoosterCreate(nullptr, 0, &booster->handle) != 0) return XgbError("creating the booster");
  if (XGBoosterLoadModelFromBuffer(booster->handle, canonical.data(),
                                   static_cast<bst_ulong>(canonical.size())) != 0) {
    return InvalidArgumentError(where + ": XGBoost could not load the model: " + LastError());
  }
  canonical = std::string();
  CHURNML_RETURN_IF_ERROR(SetCommonParams(booster->handle, *options));
  // A loaded model serves callers that bring their own parallelism (batch
  // predict runs one worker per core): one XGBoost thread per call keeps
  // OpenMP from oversubscribing the cores. Results do not depend on it.
  CHURNML_RETURN_IF_ERROR(SetParam(booster->handle, "nthread", "1"));
  bst_ulong features = 0;
  CHURNML_XGB_CALL(XGBoosterGetNumFeature(booster->handle, &features), "reading the feature count");
  if (features != summary.num_features) {
    return InvalidArgumentError(where + ": XGBoost reports " + std::to_string(features) +
                                " features, the model file declares " +
                                std::to_string(summary.num_features));
  }
  std::unique_ptr<XGBoostModel> model(new XGBoostModel(
      *options, std::move(booster), static_cast<size_t>(features), std::move(shap)));
  // XGBoost configures a loaded booster lazily on its first prediction; do
  // that here, before the model can be shared between threads.
  FeatureMatrix one_row(1, model->num_features());
  double probability = 0.0;
  CHURNML_RETURN_IF_ERROR(model->PredictProba(one_row, std::span<double>(&probability, 1)));
  return model;
}

nlohmann::json XGBoostModel::hyperparameters() const { return options_.ToJson(); }

Status XGBoostModel::Save(const std::filesystem::path& dir) const {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return IOError(dir.string() + ": not an existing directory");
  }
  CHURNML_RETURN_IF_ERROR(WriteHyperparametersFile(dir, kKind, hyperparameters()));
  // XGBoost picks the format from the extension, so the temporary name keeps ".json".
  const std::filesystem::path final_path = dir / kModelFile;
  const std::filesystem::path temp_path = dir / ".tmp-xgboost_model.json";
  if (XGBoosterSaveModel(booster_->handle, temp_path.c_str()) != 0) {
    std::filesystem::remove(temp_path, ec);
    return IOError(final_path.string() + ": XGBoost could not write the model: " + LastError());
  }
  std::filesystem::rename(temp_path, final_path, ec);
  if (ec) {
    std::filesystem::remove(temp_path, ec);
    return IOError(final_path.string() + ": " + ec.message());
  }
  return Status::Ok();
}

Status XGBoostModel::DoPredictProba(const FeatureMatrix& x, std::span<double> out) const {
  const std::string array = DenseArrayInterface(x);
  const bst_ulong* shape = nullptr;
  bst_ulong dims = 0;
  const float* result = nullptr;
  CHURNML_XGB_CALL(XGBoosterPredictFromDense(booster_->handle, array.c_str(), kPredictConfig,
                                             nullptr, &shape, &dims, &result),
                   "predicting");
  bst_ulong count = dims == 0 ? 0 : 1;
  for (bst_ulong d = 0; d < dims; ++d) count *= shape[d];
  if (count != x.rows()) {
    return InternalError("xgboost: prediction returned " + std::to_string(count) + " values for " +
                         std::to_string(x.rows()) + " rows");
  }
  for (size_t r = 0; r < x.rows(); ++r) out[r] = static_cast<double>(result[r]);
  return Status::Ok();
}

namespace {

// XGBoosterPredictFromDMatrix with prediction `type` (1 margin, 2
// contributions) into `out`, which must hold exactly the values XGBoost returns.
Status PredictFromDMatrix(BoosterHandle booster, const FeatureMatrix& x, int type,
                          std::span<double> out) {
  DMatrix matrix;
  const std::string array = DenseArrayInterface(x);
  CHURNML_XGB_CALL(
      XGDMatrixCreateFromDense(array.c_str(), "{\"missing\": NaN, \"nthread\": 1}", matrix.out()),
      "creating the prediction matrix");
  const std::string config = "{\"type\": " + std::to_string(type) +
                             ", \"training\": false, \"iteration_begin\": 0, "
                             "\"iteration_end\": 0, \"strict_shape\": false}";
  const bst_ulong* shape = nullptr;
  bst_ulong dims = 0;
  const float* result = nullptr;
  CHURNML_XGB_CALL(
      XGBoosterPredictFromDMatrix(booster, matrix.get(), config.c_str(), &shape, &dims, &result),
      type == 1 ? "predicting margins" : "predicting contributions");
  bst_ulong count = dims == 0 ? 0 : 1;
  for (bst_ulong d = 0; d < dims; ++d) count *= shape[d];
  if (count != out.size()) {
    return InternalError("xgboost: prediction type " + std::to_string(type) + " returned " +
                         std::to_string(count) + " values, expected " + std::to_string(out.size()));
  }
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<double>(result[i]);
  return Status::Ok();
}

}  // namespace

Result<std::vector<double>> XGBoostModel::FeatureScores(std::string_view type) const {
  static constexpr std::string_view kTypes[] = {"total_gain", "gain", "weight", "cover",
                                                "total_cover"};
  if (std::find(std::begin(kTypes), std::end(kTypes), type) == std::end(kTypes)) {
    return InvalidArgumentError("xgboost: unknown importance type \"" + std::string(type) +
                                "\" (expected total_gain, gain, weight, cover, total_cover)");
  }
  const std::string config = "{\"importance_type\": \"" + std::string(type) + "\"}";
  bst_ulong n_features = 0, dim = 0;
  const char** names = nullptr;
  const bst_ulong* shape = nullptr;
  const float* scores = nullptr;
  CHURNML_XGB_CALL(XGBoosterFeatureScore(booster_->handle, config.c_str(), &n_features, &names,
                                         &dim, &shape, &scores),
                   "feature importance");
  // Without feature names XGBoost names column i "f<i>" and lists only the
  // columns some split uses.
  std::vector<double> out(num_features_, 0.0);
  for (bst_ulong k = 0; k < n_features; ++k) {
    std::string_view name = names[k] == nullptr ? "" : names[k];
    size_t column = 0;
    auto [ptr, ec] = name.size() > 1 && name[0] == 'f'
                         ? std::from_chars(name.data() + 1, name.data() + name.size(), column)
                         : std::from_chars_result{name.data(), std::errc::invalid_argument};
    if (ec != std::errc() || ptr != name.data() + name.size() || column >= num_features_) {
      return InternalError("xgboost: feature importance names an unknown column \"" +
                           std::string(name) + "\"");
    }
    out[column] = scores[k];
  }
  return out;
}

Status XGBoostModel::PredictMargin(const FeatureMatrix& x, std::span<double> out) const {
  return PredictFromDMatrix(booster_->handle, x, 1, out);
}

Status XGBoostModel::PredictContributions(const FeatureMatrix& x, std::span<double> out) const {
  return shap_.Contributions(x, out);
}

Status XGBoostModel::XGBoostContributions(const FeatureMatrix& x, std::span<double> out) const {
  return PredictFromDMatrix(booster_->handle, x, 2, out);
}

}  // namespace churnml
