// The liblinear adapter: the only file that includes linear.h. liblinear
// reports problems as strings (check_parameter), null pointers (load_model)
// and non-zero returns (save_model); each becomes a Status here. The dense
// solver's weights are put into liblinear's `struct model` too, so saving and
// loading have one path.
#include "models/logistic_regression.h"

#include <linear.h>

#include <cctype>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "common/atomic_file.h"
#include "common/errno_text.h"
#include "common/mutex.h"
#include "common/strings.h"
#include "models/hyperparameters.h"

namespace churnml {

namespace {

// liblinear prints progress to stdout through one global function pointer.
void DiscardLiblinearOutput(const char*) {}

void SilenceLiblinear() {
  static std::once_flag once;
  std::call_once(once, [] { set_print_string_function(&DiscardLiblinearOutput); });
}

// save_model/load_model switch the process locale to "C" and back; keep two
// of them from interleaving their switches.
Mutex& LiblinearIoMutex() {
  static Mutex mu;
  return mu;
}

constexpr double kPositiveLabel = 1.0;
constexpr double kNegativeLabel = -1.0;
constexpr double kBias = 1.0;  // value of the constant intercept feature

std::string_view PenaltyName(Penalty p) { return p == Penalty::kL1 ? "l1" : "l2"; }

std::string_view SolverName(LogisticSolver s) {
  switch (s) {
    case LogisticSolver::kDense:
      return "dense";
    case LogisticSolver::kAuto:
      return "liblinear";
    case LogisticSolver::kNewton:
      return "newton";
    case LogisticSolver::kDual:
      return "dual";
    case LogisticSolver::kNewGlmnet:
      return "newglmnet";
  }
  return "dense";
}

std::string_view ClassWeightName(ClassWeight w) {
  return w == ClassWeight::kBalanced ? "balanced" : "none";
}

// The liblinear solver_type for validated options (for the dense solver: the
// liblinear solver of the same problem, which model.txt names).
int SolverType(const LogisticRegressionOptions& o) {
  if (o.penalty == Penalty::kL1) return L1R_LR;
  return o.solver == LogisticSolver::kDual ? L2R_LR_DUAL : L2R_LR;
}

std::string_view SolverTypeFileName(int solver_type) {
  switch (solver_type) {
    case L2R_LR:
      return "L2R_LR";
    case L1R_LR:
      return "L1R_LR";
    case L2R_LR_DUAL:
      return "L2R_LR_DUAL";
    default:
      return "";
  }
}

// What model.txt holds, parsed and checked.
struct ModelText {
  int nr_feature = 0;
  std::vector<double> w;  // nr_feature weights, then the intercept's
};

// Parses model.txt ourselves instead of calling liblinear's load_model: a
// damaged file is reported by name and reason instead of by liblinear's
// stderr output or an enormous allocation, and the file is read once (the
// bytes parsed are the bytes whose checksum was verified). The layout must
// be exactly what liblinear 2.3's save_model writes for churnml's models,
// including the label order "label 1 -1": liblinear puts the +1 class first
// for -1/+1 labels, and a file that says "-1 1" would silently invert every
// prediction.
Result<ModelText> ParseModelText(std::string_view text, const std::string& where,
                                 int expected_solver_type) {
  std::vector<std::string_view> tokens;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    const size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) tokens.emplace_back(text.data() + start, i - start);
  }
  auto bad = [&where](const std::string& what) {
    return InvalidArgumentError(where + ": not a liblinear logistic model: " + what);
  };
  auto expect = [&](size_t at, std::string_view key) {
    return at < tokens.size() && tokens[at] == key;
  };
  if (!expect(0, "solver_type") || tokens.size() < 2) return bad("missing \"solver_type\"");
  if (tokens[1] != SolverTypeFileName(expected_solver_type)) {
    return bad("solver_type is \"" + std::string(tokens[1]).substr(0, 40) +
               "\", hyperparameters.json says \"" +
               std::string(SolverTypeFileName(expected_solver_type)) + "\"");
  }
  if (!expect(2, "nr_class") || !expect(3, "2")) return bad("expected \"nr_class 2\"");
  if (!expect(4, "label") || tokens.size() < 7) return bad("expected \"label 1 -1\"");
  if (tokens[5] != "1" || tokens[6] != "-1") {
    return bad("label order \"" + std::string(tokens[5]).substr(0, 20) + " " +
               std::string(tokens[6]).substr(0, 20) +
               "\" is not \"1 -1\", the order churnml writes (another order would invert every "
               "prediction)");
  }
  if (!expect(7, "nr_feature") || tokens.size() < 9) return bad("missing \"nr_feature\"");
  const std::optional<int64_t> nr_feature = ParseInt(tokens[8]);
  if (!nr_feature || *nr_feature <= 0 || *nr_feature > INT_MAX - 1) {
    return bad("bad nr_feature \"" + std::string(tokens[8]).substr(0, 40) + "\"");
  }
  if (!expect(9, "bias") || tokens.size() < 11 || ParseDouble(tokens[10]) != kBias) {
    return bad("expected \"bias 1\"");
  }
  if (!expect(11, "w")) return bad("missing \"w\"");
  // The weight count is compared with the tokens present before anything
  // is allocated for it: nr_feature cannot make us allocate more than the
  // file's size.
  const size_t weights = static_cast<size_t>(*nr_feature) + 1;
  if (tokens.size() != 12 + weights) {
    return bad("expected " + std::to_string(weights) + " weights, found " +
               std::to_string(tokens.size() - 12));
  }
  ModelText out;
  out.nr_feature = static_cast<int>(*nr_feature);
  out.w.reserve(weights);
  for (size_t k = 12; k < tokens.size(); ++k) {
    const std::optional<double> w = ParseDouble(tokens[k]);
    if (!w || !std::isfinite(*w)) {
      return bad("weight " + std::to_string(k - 11) + " \"" + std::string(tokens[k]).substr(0, 40) +
                 "\" is not a finite number");
    }
    out.w.push_back(*w);
  }
  return out;
}

// A liblinear `struct model` built from parsed values, allocated with
// malloc as load_model does, so free_and_destroy_model releases it.
struct model* MakeLiblinearModel(const ModelText& text, int solver_type) {
  auto* m = static_cast<struct model*>(std::calloc(1, sizeof(struct model)));
  if (m == nullptr) return nullptr;
  m->param.solver_type = solver_type;
  m->nr_class = 2;
  m->nr_feature = text.nr_feature;
  m->bias = kBias;
  m->w = static_cast<double*>(std::malloc(text.w.size() * sizeof(double)));
  m->label = static_cast<int*>(std::malloc(2 * sizeof(int)));
  if (m->w == nullptr || m->label == nullptr) {
    free_and_destroy_model(&m);
    return nullptr;
  }
  std::memcpy(m->w, text.w.data(), text.w.size() * sizeof(double));
  m->label[0] = static_cast<int>(kPositiveLabel);
  m->label[1] = static_cast<int>(kNegativeLabel);
  return m;
}

}  // namespace

struct LogisticRegression::LiblinearModel {
  explicit LiblinearModel(struct model* m) : ptr(m) {}
  ~LiblinearModel() {
    if (ptr != nullptr) free_and_destroy_model(&ptr);
  }
  LiblinearModel(const LiblinearModel&) = delete;
  LiblinearModel& operator=(const LiblinearModel&) = delete;
  struct model* ptr;
};

Result<LogisticRegressionOptions> LogisticRegressionOptions::FromJson(const nlohmann::json& j) {
  CHURNML_ASSIGN_OR_RETURN(
      HyperparameterReader reader,
      HyperparameterReader::Create(j, std::string(LogisticRegression::kKind),
                                   {"penalty", "C", "solver", "class_weight", "tol", "max_iter"}));
  LogisticRegressionOptions o;
  std::string penalty(PenaltyName(o.penalty));
  CHURNML_RETURN_IF_ERROR(reader.ReadString("penalty", &penalty));
  if (penalty == "l1") {
    o.penalty = Penalty::kL1;
  } else if (penalty == "l2") {
    o.penalty = Penalty::kL2;
  } else {
    return reader.Error("penalty", "unknown value \"" + penalty + "\" (valid: l1, l2)");
  }
  CHURNML_RETURN_IF_ERROR(reader.ReadDouble("C", &o.c));
  std::string solver(SolverName(o.solver));
  CHURNML_RETURN_IF_ERROR(reader.ReadString("solver", &solver));
  if (solver == "dense") {
    o.solver = LogisticSolver::kDense;
  } else if (solver == "auto" || solver == "liblinear") {
    o.solver = LogisticSolver::kAuto;
  } else if (solver == "newton") {
    o.solver = LogisticSolver::kNewton;
  } else if (solver == "dual") {
    o.solver = LogisticSolver::kDual;
  } else if (solver == "newglmnet") {
    o.solver = LogisticSolver::kNewGlmnet;
  } else {
    return reader.Error("solver", "unknown value \"" + solver +
                                      "\" (valid: dense, liblinear, newton, dual, newglmnet)");
  }
  std::string class_weight(ClassWeightName(o.class_weight));
  CHURNML_RETURN_IF_ERROR(reader.ReadString("class_weight", &class_weight));
  if (class_weight == "none") {
    o.class_weight = ClassWeight::kNone;
  } else if (class_weight == "balanced") {
    o.class_weight = ClassWeight::kBalanced;
  } else {
    return reader.Error("class_weight",
                        "unknown value \"" + class_weight + "\" (valid: none, balanced)");
  }
  CHURNML_RETURN_IF_ERROR(reader.ReadDouble("tol", &o.tol));
  int64_t max_iter = o.max_iter;
  CHURNML_RETURN_IF_ERROR(reader.ReadInt("max_iter", &max_iter));
  if (max_iter <= 0 || max_iter > INT_MAX) {
    return reader.Error("max_iter", "must be a positive integer, got " + std::to_string(max_iter));
  }
  if (o.solver != LogisticSolver::kDense && max_iter != kLiblinearFixedMaxIter) {
    return reader.Error("max_iter", "liblinear 2.3 fixes the iteration limit at " +
                                        std::to_string(kLiblinearFixedMaxIter) + "; got " +
                                        std::to_string(max_iter) +
                                        " (solver \"dense\" takes any positive limit)");
  }
  o.max_iter = static_cast<int>(max_iter);
  CHURNML_RETURN_IF_ERROR(o.Validate());
  return o;
}

nlohmann::json LogisticRegressionOptions::ToJson() const {
  return {{"penalty", PenaltyName(penalty)},
          {"C", c},
          {"solver", SolverName(solver)},
          {"class_weight", ClassWeightName(class_weight)},
          {"tol", tol},
          {"max_iter", max_iter}};
}

Status LogisticRegressionOptions::Validate() const {
  const std::string prefix = "logistic hyperparameter ";
  if (!(c > 0.0) || !std::isfinite(c)) {
    return InvalidArgumentError(prefix + "\"C\": must be a positive number, got " +
                                FormatDouble(c));
  }
  if (!(tol > 0.0) || !std::isfinite(tol)) {
    return InvalidArgumentError(prefix + "\"tol\": must be a positive number, got " +
                                FormatDouble(tol));
  }
  if (max_iter <= 0) {
    return InvalidArgumentError(prefix + "\"max_iter\": must be a positive integer, got " +
                                std::to_string(max_iter));
  }
  if (solver != LogisticSolver::kDense && max_iter != kLiblinearFixedMaxIter) {
    return InvalidArgumentError(prefix +
                                "\"max_iter\": liblinear 2.3 fixes the iteration limit at " +
                                std::to_string(kLiblinearFixedMaxIter));
  }
  if (penalty == Penalty::kL1 &&
      (solver == LogisticSolver::kNewton || solver == LogisticSolver::kDual)) {
    return InvalidArgumentError(prefix + "\"solver\": \"" + std::string(SolverName(solver)) +
                                "\" supports only penalty l2 (l1 uses newglmnet)");
  }
  if (penalty == Penalty::kL2 && solver == LogisticSolver::kNewGlmnet) {
    return InvalidArgumentError(prefix +
                                "\"solver\": \"newglmnet\" supports only penalty l1 "
                                "(l2 uses newton or dual)");
  }
  return Status::Ok();
}

LogisticRegression::LogisticRegression(LogisticRegressionOptions options,
                                       std::unique_ptr<LiblinearModel> model)
    : options_(options), model_(std::move(model)) {
  struct model* m = model_->ptr;
  const int n = get_nr_feature(m);
  int labels[2];
  get_labels(m, labels);
  // liblinear's decision value is for label[0]; orient it to the positive class.
  const double sign = labels[0] == static_cast<int>(kPositiveLabel) ? 1.0 : -1.0;
  coefficients_.resize(static_cast<size_t>(n));
  for (int j = 0; j < n; ++j) coefficients_[static_cast<size_t>(j)] = sign * m->w[j];
  intercept_ = sign * m->w[n] * m->bias;
}

LogisticRegression::~LogisticRegression() = default;

namespace {

DenseLogisticSettings DenseSettings(std::span<const uint8_t> labels,
                                    const LogisticRegressionOptions& options) {
  DenseLogisticSettings settings;
  settings.penalty = options.penalty;
  settings.c = options.c;
  settings.tol = options.tol;
  settings.max_iter = options.max_iter;
  if (options.class_weight == ClassWeight::kBalanced) {
    // The same weights as the liblinear path in Train.
    size_t positives = 0;
    for (uint8_t label : labels) positives += label != 0 ? 1 : 0;
    const double n = static_cast<double>(labels.size());
    settings.positive_weight = n / (2.0 * static_cast<double>(positives));
    settings.negative_weight = n / (2.0 * static_cast<double>(labels.size() - positives));
  }
  return settings;
}

}  // namespace

Result<std::unique_ptr<LogisticRegression>> LogisticRegression::TrainDense(
    const FeatureMatrix& x, std::span<const uint8_t> labels,
    const LogisticRegressionOptions& options) {
  const size_t cols = x.cols();
  const double* values = x.values().data();
  const size_t count = x.rows() * cols;
  for (size_t k = 0; k < count; ++k) {
    if (!std::isfinite(values[k])) {
      return InvalidArgumentError("logistic: row " + std::to_string(k / cols + 1) + ", feature " +
                                  std::to_string(k % cols + 1) + " is not a finite number");
    }
  }
  CHURNML_ASSIGN_OR_RETURN(DenseLogisticFit fit,
                           FitDenseLogistic(x, labels, DenseSettings(labels, options)));
  return FromDenseFit(std::move(fit), cols, options);
}

Result<std::unique_ptr<LogisticRegression>> LogisticRegression::FromDenseFit(
    DenseLogisticFit fit, size_t cols, const LogisticRegressionOptions& options) {
  ModelText text;
  text.nr_feature = static_cast<int>(cols);
  text.w = std::move(fit.weights);
  text.w.push_back(fit.intercept);  // the bias feature's weight; bias = 1
  const int solver_type = SolverType(options);
  struct model* built = MakeLiblinearModel(text, solver_type);
  if (built == nullptr) return InternalError("logistic: out of memory building the model");
  auto owned = std::make_unique<LiblinearModel>(built);
  return std::unique_ptr<LogisticRegression>(new LogisticRegression(options, std::move(owned)));
}

Result<std::unique_ptr<LogisticRegression>> LogisticRegression::Train(
    const CompactFeatureMatrix& x, std::span<const uint8_t> labels,
    const LogisticRegressionOptions& options) {
  if (options.solver != LogisticSolver::kDense) return Train(x.Densify(), labels, options);
  CHURNML_RETURN_IF_ERROR(options.Validate());
  const size_t rows = x.rows();
  const size_t cols = x.cols();
  if (labels.size() != rows) {
    return InvalidArgumentError("logistic: " + std::to_string(labels.size()) + " labels for " +
                                std::to_string(rows) + " rows");
  }
  if (rows == 0 || cols == 0) return InvalidArgumentError("logistic: no training data");
  if (cols >= static_cast<size_t>(INT_MAX)) {
    return InvalidArgumentError("logistic: liblinear takes at most " + std::to_string(INT_MAX) +
                                " features");
  }
  size_t positives = 0;
  for (uint8_t label : labels) positives += label != 0 ? 1 : 0;
  if (positives == 0 || positives == rows) {
    return InvalidArgumentError("logistic: the training labels contain only one class");
  }
  // One-hot entries are 0 or 1; only the numeric values can be non-finite.
  const size_t numeric = x.numeric_columns().size();
  for (size_t r = 0; r < rows; ++r) {
    const double* numbers = x.numbers(r);
    for (size_t k = 0; k < numeric; ++k) {
      if (!std::isfinite(numbers[k])) {
        return InvalidArgumentError("logistic: row " + std::to_string(r + 1) + ", feature " +
                                    std::to_string(x.numeric_columns()[k] + 1) +
                                    " is not a finite number");
      }
    }
  }
  CHURNML_ASSIGN_OR_RETURN(DenseLogisticFit fit,
                           FitDenseLogistic(x, labels, DenseSettings(labels, options)));
  return FromDenseFit(std::move(fit), cols, options);
}

Result<std::unique_ptr<LogisticRegression>> LogisticRegression::Train(
    const FeatureMatrix& x, std::span<const uint8_t> labels,
    const LogisticRegressionOptions& options) {
  CHURNML_RETURN_IF_ERROR(options.Validate());
  const size_t rows = x.rows();
  const size_t cols = x.cols();
  if (labels.size() != rows) {
    return InvalidArgumentError("logistic: " + std::to_string(labels.size()) + " labels for " +
                                std::to_string(rows) + " rows");
  }
  if (rows == 0 || cols == 0) return InvalidArgumentError("logistic: no training data");
  if (rows > static_cast<size_t>(INT_MAX) || cols >= static_cast<size_t>(INT_MAX)) {
    return InvalidArgumentError("logistic: liblinear takes at most " + std::to_string(INT_MAX) +
                                " rows and features");
  }
  size_t positives = 0;
  for (uint8_t label : labels) positives += label != 0 ? 1 : 0;
  if (positives == 0 || positives == rows) {
    return InvalidArgumentError("logistic: the training labels contain only one class");
  }
  if (options.solver == LogisticSolver::kDense) return TrainDense(x, labels, options);

  // One contiguous allocation of liblinear's sparse rows: the non-zero
  // features (one-hot blocks are mostly zero), the intercept feature and the
  // -1 terminator of each row.
  const double* values = x.values().data();
  size_t nonzeros = 0;
  for (size_t k = 0; k < rows * cols; ++k) {
    if (!std::isfinite(values[k])) {
      return InvalidArgumentError("logistic: row " + std::to_string(k / cols + 1) + ", feature " +
                                  std::to_string(k % cols + 1) + " is not a finite number");
    }
    nonzeros += values[k] != 0.0 ? 1 : 0;
  }
  std::vector<feature_node> nodes(nonzeros + 2 * rows);
  std::vector<feature_node*> row_starts(rows);
  std::vector<double> y(rows);
  const int bias_index = static_cast<int>(cols) + 1;
  feature_node* node = nodes.data();
  for (size_t r = 0; r < rows; ++r) {
    row_starts[r] = node;
    const double* row = values + r * cols;
    for (size_t c = 0; c < cols; ++c) {
      if (row[c] != 0.0) *node++ = {static_cast<int>(c) + 1, row[c]};
    }
    *node++ = {bias_index, kBias};
    *node++ = {-1, 0.0};
    y[r] = labels[r] != 0 ? kPositiveLabel : kNegativeLabel;
  }

  problem prob{};
  prob.l = static_cast<int>(rows);
  prob.n = bias_index;
  prob.y = y.data();
  prob.x = row_starts.data();
  prob.bias = kBias;

  int weight_labels[2] = {static_cast<int>(kPositiveLabel), static_cast<int>(kNegativeLabel)};
  double weights[2] = {1.0, 1.0};
  parameter param{};
  param.solver_type = SolverType(options);
  param.eps = options.tol;
  param.C = options.c;
  param.p = 0.1;  // epsilon-SVR only; unused by the logistic solvers
  if (options.class_weight == ClassWeight::kBalanced) {
    const double n = static_cast<double>(rows);
    weights[0] = n / (2.0 * static_cast<double>(positives));
    weights[1] = n / (2.0 * static_cast<double>(rows - positives));
    param.nr_weight = 2;
    param.weight_label = weight_labels;
    param.weight = weights;
  }
  if (const char* error = check_parameter(&prob, &param)) {
    return InvalidArgumentError(std::string("logistic: liblinear rejected the parameters: ") +
                                error);
  }
  SilenceLiblinear();
  struct model* trained = train(&prob, &param);
  if (trained == nullptr) return InternalError("logistic: liblinear train() returned no model");
  // The model's copy of `param` points at the local weight arrays.
  trained->param.nr_weight = 0;
  trained->param.weight_label = nullptr;
  trained->param.weight = nullptr;
  trained->param.init_sol = nullptr;
  auto owned = std::make_unique<LiblinearModel>(trained);
  if (get_nr_class(trained) != 2) {
    return InternalError("logistic: liblinear returned a model with " +
                         std::to_string(get_nr_class(trained)) + " classes");
  }
  // Keep the saved label order fixed at "1 -1" (what Load accepts): an
  // equivalent model with the classes swapped has negated weights.
  int order[2];
  get_labels(trained, order);
  if (order[0] != static_cast<int>(kPositiveLabel)) {
    for (int j = 0; j <= get_nr_feature(trained); ++j) trained->w[j] = -trained->w[j];
    trained->label[0] = static_cast<int>(kPositiveLabel);
    trained->label[1] = static_cast<int>(kNegativeLabel);
  }
  return std::unique_ptr<LogisticRegression>(new LogisticRegression(options, std::move(owned)));
}

Result<std::unique_ptr<LogisticRegression>> LogisticRegression::Load(
    const std::filesystem::path& dir) {
  return Load(ModelFiles::FromDirectory(dir));
}

Result<std::unique_ptr<LogisticRegression>> LogisticRegression::Load(const ModelFiles& files) {
  CHURNML_ASSIGN_OR_RETURN(nlohmann::json hyperparameters, ReadHyperparametersFile(files, kKind));
  Result<LogisticRegressionOptions> options = LogisticRegressionOptions::FromJson(hyperparameters);
  if (!options.ok()) {
    return options.status().WithContext(files.PathOf(kHyperparametersFile).string());
  }
  const int solver_type = SolverType(*options);
  CHURNML_ASSIGN_OR_RETURN(std::string text, files.Read(kModelFile));
  CHURNML_ASSIGN_OR_RETURN(ModelText parsed,
                           ParseModelText(text, files.PathOf(kModelFile).string(), solver_type));
  struct model* built = MakeLiblinearModel(parsed, solver_type);
  if (built == nullptr) return InternalError("logistic: out of memory building the model");
  auto owned = std::make_unique<LiblinearModel>(built);
  return std::unique_ptr<LogisticRegression>(new LogisticRegression(*options, std::move(owned)));
}

nlohmann::json LogisticRegression::hyperparameters() const { return options_.ToJson(); }

Status LogisticRegression::Save(const std::filesystem::path& dir) const {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return IOError(dir.string() + ": not an existing directory");
  }
  CHURNML_RETURN_IF_ERROR(WriteHyperparametersFile(dir, kKind, hyperparameters()));
  // liblinear writes in place; write a temporary name and rename it so the
  // file is either complete or absent.
  const std::filesystem::path final_path = dir / kModelFile;
  const std::filesystem::path temp_path =
      dir / (std::string(".") + std::string(kModelFile) + ".tmp");
  int rc;
  {
    MutexLock lock(&LiblinearIoMutex());
    errno = 0;
    rc = save_model(temp_path.c_str(), model_->ptr);
  }
  if (rc != 0) {
    const int err = errno;
    std::filesystem::remove(temp_path, ec);
    return IOError(final_path.string() + ": liblinear could not write the model" +
                   (err != 0 ? std::string(": ") + ErrnoText(err) : std::string()));
  }
  std::filesystem::rename(temp_path, final_path, ec);
  if (ec) {
    std::filesystem::remove(temp_path, ec);
    return IOError(final_path.string() + ": " + ec.message());
  }
  return Status::Ok();
}

Status LogisticRegression::DoPredictProba(const FeatureMatrix& x, std::span<double> out) const {
  const size_t cols = coefficients_.size();
  const double* w = coefficients_.data();
  const double* row = x.values().data();
  for (size_t r = 0; r < x.rows(); ++r, row += cols) {
    double z = intercept_;
    for (size_t j = 0; j < cols; ++j) z += w[j] * row[j];
    out[r] = 1.0 / (1.0 + std::exp(-z));
  }
  return Status::Ok();
}

}  // namespace churnml
