// `churnml train`: flags → TrainOptions → pipeline::Train → summary.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/cli_errors.h"
#include "cli/command.h"
#include "cli/interrupt_guard.h"
#include "cli/model_ref.h"
#include "common/errno_text.h"
#include "common/json_dump.h"
#include "common/progress.h"
#include "common/strings.h"
#include "common/suggest.h"
#include "eval/metrics_text.h"
#include "models/calibration.h"
#include "models/ensemble.h"
#include "models/hyperparameters.h"
#include "pipeline/ensemble_train.h"
#include "pipeline/threshold_choice.h"
#include "pipeline/tracked_train.h"
#include "pipeline/train.h"

namespace churnml::cli {
namespace {

struct TrainFlags {
  std::string data;
  std::string schema;
  std::string model = "logistic";
  std::string out;
  double test_size = 0.2;
  uint64_t seed = 42;
  int cv = 0;
  double threshold = 0.5;
  bool drop_invalid = false;
  bool force = false;
  std::string unknown_category = "ignore";
  bool json = false;
  // tracking
  std::string experiment = "default";
  std::string register_model;
  std::string alias;
  bool no_track = false;
  double validation_fraction = 0.1;
  std::string threshold_for;
  std::string calibrate;
  // --model ensemble
  std::string members;  // comma-separated model references
  std::string weights;  // comma-separated numbers
  std::string method = "average";
  int stacking_folds = 5;
  // Hyperparameter flags as given (flag → text); built from the model
  // kinds' declarations (ModelRegistry::Hyperparameters).
  std::map<std::string, std::string> hyper_text;
};

// Every hyperparameter flag the registered kinds declare: flag → (kind →
// declaration). One flag serves every kind that declares the same name.
using DeclaredFlags = std::map<std::string, std::map<std::string, const HyperparameterSpec*>>;

DeclaredFlags CollectDeclaredFlags(const ModelRegistry& models) {
  DeclaredFlags out;
  for (const std::string& kind : models.kinds()) {
    Result<const HyperparameterSpace*> space = models.Hyperparameters(kind);
    if (!space.ok()) continue;
    for (const HyperparameterSpec& spec : **space) {
      const std::string flag = HyperparameterFlag(spec);
      if (!flag.empty()) out[flag][kind] = &spec;
    }
  }
  return out;
}

// The hyperparameters the user set, as the model kind's JSON object (unset
// ones take the kind's defaults), each checked against the kind's
// declaration; a flag the kind does not declare is an error.
Result<nlohmann::json> HyperparametersFromFlags(const CLI::App& cmd, const TrainFlags& f,
                                                const ModelRegistry& models) {
  nlohmann::json h = nlohmann::json::object();
  for (const auto& [flag, by_kind] : CollectDeclaredFlags(models)) {
    const CLI::Option* option = cmd.get_option_no_throw(flag);
    if (option == nullptr || option->count() == 0) continue;
    auto it = by_kind.find(f.model);
    if (it == by_kind.end()) {
      std::vector<std::string> kinds;
      for (const auto& [kind, spec] : by_kind) kinds.push_back(kind);
      return InvalidArgumentError(flag + " applies to --model " + Join(kinds, ", ") +
                                  ", not --model " + f.model);
    }
    const std::string& text = f.hyper_text.at(flag);
    CHURNML_ASSIGN_OR_RETURN(h[it->second->name],
                             ParseHyperparameterValue(*it->second, text, flag));
  }
  Result<const HyperparameterSpace*> space = models.Hyperparameters(f.model);
  if (space.ok() && FindHyperparameter(**space, "seed") != nullptr) h["seed"] = f.seed;
  return h;
}

// Whether `path` names a file this process can open for reading ("-" is
// stdin). The message says what is wrong and with which flag.
Status CheckReadableFile(const std::string& flag, const std::string& path) {
  if (path == "-") return Status::Ok();
  std::error_code ec;
  const std::filesystem::file_status st = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(st)) {
    return NotFoundError(flag + " " + Abbreviate(path) + ": no such file");
  }
  if (std::filesystem::is_directory(st)) {
    return InvalidArgumentError(flag + " " + Abbreviate(path) + " is a directory; give a CSV file");
  }
  if (::access(path.c_str(), R_OK) != 0) {
    return IOError(flag + " " + Abbreviate(path) + ": " + ErrnoText(errno));
  }
  return Status::Ok();
}

// Everything about the flags that can be checked without reading the data
// or opening the store, so a usage mistake never leaves a run behind.
Status CheckTrainFlags(const TrainFlags& f, const CommandContext& ctx) {
  const std::vector<std::string> kinds = ctx.models.kinds();
  if (std::find(kinds.begin(), kinds.end(), f.model) == kinds.end()) {
    return InvalidArgumentError(
        "unknown model kind " + Abbreviate(f.model) + "; valid: " + Join(kinds, ", ") +
        (ClosestMatch(f.model, kinds) ? "; did you mean " + *ClosestMatch(f.model, kinds) + "?"
                                      : ""));
  }
  CHURNML_RETURN_IF_ERROR(CheckReadableFile("--data", f.data));
  if (!f.schema.empty()) CHURNML_RETURN_IF_ERROR(CheckReadableFile("--schema", f.schema));
  if (!f.out.empty() && !f.force) {
    std::error_code ec;
    if (std::filesystem::exists(std::filesystem::symlink_status(f.out, ec))) {
      return AlreadyExistsError("--out " + Abbreviate(f.out) +
                                " already exists; choose another directory or add --force to "
                                "replace a model there");
    }
  }
  if (!(f.test_size > 0 && f.test_size < 1)) {
    return InvalidArgumentError("--test-size must be between 0 and 1 (exclusive), got " +
                                FormatDouble(f.test_size));
  }
  if (f.cv < 0 || f.cv == 1) {
    return InvalidArgumentError("--cv must be 0 (off) or at least 2 folds, got " +
                                std::to_string(f.cv));
  }
  if (!(f.threshold >= 0 && f.threshold <= 1)) {
    return InvalidArgumentError("--threshold must be between 0 and 1, got " +
                                FormatDouble(f.threshold));
  }
  if (!f.alias.empty() && f.register_model.empty()) {
    return InvalidArgumentError("--alias needs --register NAME (the model the alias belongs to)");
  }
  if (!(f.validation_fraction > 0 && f.validation_fraction < 1)) {
    return InvalidArgumentError("--validation-fraction must be between 0 and 1 (exclusive), got " +
                                FormatDouble(f.validation_fraction));
  }
  if (!f.threshold_for.empty())
    CHURNML_RETURN_IF_ERROR(ThresholdGoal::Parse(f.threshold_for).status());
  if (!f.calibrate.empty()) {
    Result<CalibrationMethod> method = ParseCalibrationMethod(f.calibrate);
    if (!method.ok()) return method.status().WithContext("--calibrate");
  }
  return Status::Ok();
}

void PrintIssues(const IssueList& issues) {
  for (const ValidationIssue& issue : issues.issues()) Say("  " + issue.message);
  if (issues.truncated()) {
    Say("  ... and " + FormatCount(issues.count() - static_cast<int64_t>(issues.issues().size())) +
        " more");
  }
}

// "a,b , c" → {"a", "b", "c"}; empty parts are kept (and refused by the caller).
std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    std::string part = text.substr(start, comma == std::string::npos ? comma : comma - start);
    const size_t b = part.find_first_not_of(" \t");
    const size_t e = part.find_last_not_of(" \t");
    out.push_back(b == std::string::npos ? std::string() : part.substr(b, e - b + 1));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

Result<std::vector<double>> ParseWeights(const std::string& text) {
  std::vector<double> out;
  if (text.empty()) return out;
  for (const std::string& part : SplitList(text)) {
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(part.c_str(), &end);
    if (part.empty() || end != part.c_str() + part.size() || errno == ERANGE) {
      return InvalidArgumentError("--weights: \"" + Abbreviate(part) +
                                  "\" is not a number (give one number per member, e.g. "
                                  "--weights 0.7,0.3)");
    }
    out.push_back(v);
  }
  return out;
}

// Flags of `train` that an ensemble does not take: its members carry their
// own preprocessing, calibration and hyperparameters.
Status CheckEnsembleFlags(const CLI::App& cmd, const TrainFlags& f, const CommandContext& ctx) {
  for (const char* flag :
       {"--cv", "--calibrate", "--threshold-for", "--validation-fraction", "--unknown-category"}) {
    if (cmd.get_option(flag)->count() > 0) {
      return InvalidArgumentError(std::string(flag) +
                                  " does not apply to --model ensemble (each member keeps its "
                                  "own; train the members with it)");
    }
  }
  CHURNML_RETURN_IF_ERROR(HyperparametersFromFlags(cmd, f, ctx.models).status());
  if (f.members.empty()) {
    return InvalidArgumentError(
        "--model ensemble needs --members, e.g. --members churn/3,churn@challenger");
  }
  CHURNML_RETURN_IF_ERROR(CheckReadableFile("--data", f.data));
  if (!f.schema.empty()) CHURNML_RETURN_IF_ERROR(CheckReadableFile("--schema", f.schema));
  if (!f.out.empty() && !f.force) {
    std::error_code ec;
    if (std::filesystem::exists(std::filesystem::symlink_status(f.out, ec))) {
      return AlreadyExistsError("--out " + Abbreviate(f.out) +
                                " already exists; choose another directory or add --force");
    }
  }
  if (!f.alias.empty() && f.register_model.empty()) {
    return InvalidArgumentError("--alias needs --register NAME (the model the alias belongs to)");
  }
  if (f.no_track && (!f.register_model.empty() || !f.alias.empty())) {
    return InvalidArgumentError("--register and --alias need the store; drop --no-track");
  }
  if (f.no_track && f.out.empty()) {
    return InvalidArgumentError("--out is required with --no-track");
  }
  return Status::Ok();
}

Result<EnsembleTrainOptions> EnsembleOptionsFromFlags(const CLI::App& cmd, const TrainFlags& f,
                                                      const CommandContext& ctx) {
  CHURNML_RETURN_IF_ERROR(CheckEnsembleFlags(cmd, f, ctx));
  EnsembleTrainOptions options;
  options.data_path = f.data;
  CHURNML_ASSIGN_OR_RETURN(options.schema, LoadSchemaOption(f.schema));
  Result<EnsembleMethod> method = ParseEnsembleMethod(f.method);
  if (!method.ok()) return method.status().WithContext("--method");
  options.method = *method;
  CHURNML_ASSIGN_OR_RETURN(options.weights, ParseWeights(f.weights));
  if (cmd.get_option("--stacking-folds")->count() > 0 &&
      options.method != EnsembleMethod::kStacking) {
    return InvalidArgumentError("--stacking-folds applies to --method stacking");
  }
  const std::vector<std::string> refs = SplitList(f.members);
  if (refs.size() < 2 || refs.size() > kMaxEnsembleMembers) {
    return InvalidArgumentError("--members names " + std::to_string(refs.size()) +
                                " model(s); an ensemble has 2 to " +
                                std::to_string(kMaxEnsembleMembers));
  }
  if (options.method == EnsembleMethod::kAverage) {
    // Checked before the members are loaded: a typo costs nothing.
    CHURNML_RETURN_IF_ERROR(NormalizeEnsembleWeights(options.weights, refs.size()).status());
  }
  for (size_t k = 0; k < refs.size(); ++k) {
    if (refs[k].empty()) {
      return InvalidArgumentError("--members: member " + std::to_string(k + 1) + " is empty");
    }
    Result<EnsembleMember> member = LoadEnsembleMemberRef(refs[k], ctx);
    if (!member.ok()) {
      return member.status().WithContext("--members: member " + std::to_string(k + 1) + " (" +
                                         Abbreviate(refs[k]) + ")");
    }
    options.members.push_back(std::move(*member));
  }
  options.stacking_folds = f.stacking_folds;
  options.test_size = f.test_size;
  options.seed = f.seed;
  options.threshold = f.threshold;
  options.invalid_rows = f.drop_invalid ? InvalidRowPolicy::kDrop : InvalidRowPolicy::kFail;
  options.out_dir = f.out;
  options.existing = f.force ? ExistingPolicy::kReplace : ExistingPolicy::kFail;
  return options;
}

int RunTrainEnsemble(const CLI::App& cmd, const TrainFlags& f, const CommandContext& ctx) {
  Result<EnsembleTrainOptions> options = EnsembleOptionsFromFlags(cmd, f, ctx);
  if (!options.ok()) return ReportError(options.status());
  ProgressBar progress("train", 0);
  progress.SetStage(options->method == EnsembleMethod::kStacking
                        ? "ensemble: refit members on " + std::to_string(f.stacking_folds) +
                              " folds for out-of-fold scores, fit the meta-model"
                        : "ensemble: score the test split");
  EnsembleTrainReport report;
  TrackedRun run;
  Status status;
  if (f.no_track) {
    InterruptGuard guard;
    status = TrainEnsemble(*options, ctx.models, &report);
  } else {
    TrackingOptions tracking;
    tracking.store.uri = ctx.globals.store;
    tracking.experiment = f.experiment;
    tracking.register_model = f.register_model;
    tracking.alias = f.alias;
    InterruptGuard guard(tracking.store);
    tracking.on_run_created = [&guard](const std::string& id) { guard.SetRun(id); };
    status = TrainEnsembleTracked(*options, tracking, ctx.models, &report, &run);
  }
  progress.Finish();
  if (!status.ok()) {
    if (report.issues.count() > 0) {
      Say("validation problems in " + f.data + ":");
      PrintIssues(report.issues);
    }
    return ReportError(status);
  }
  for (const std::string& warning : report.warnings) Say("warning: " + warning);
  if (f.json) {
    nlohmann::json doc = report.ToJson();
    if (!f.no_track) {
      doc["run_id"] = run.run_id;
      doc["store"] = run.store;
      doc["artifact"] = run.artifact_path.string();
      doc["registered"] = run.version
                              ? nlohmann::json{{"model", f.register_model},
                                               {"version", *run.version},
                                               {"alias", f.alias.empty() ? nlohmann::json(nullptr)
                                                                         : nlohmann::json(f.alias)}}
                              : nlohmann::json(nullptr);
    }
    std::printf("%s\n", DumpJson(doc, 2).c_str());
    return kExitOk;
  }
  Say("trained a " + std::string(EnsembleMethodName(report.method)) + " ensemble of " +
      std::to_string(report.member_sources.size()) + " members, tested on " +
      FormatCount(report.test_rows) + " rows (" + FormatFixed(report.seconds, 2) + " s)");
  for (size_t k = 0; k < report.member_sources.size(); ++k) {
    const std::optional<double>& auc = report.member_metrics[k].roc_auc;
    Say("  member " + std::to_string(k + 1) + " " + report.member_sources[k] + " (" +
        report.member_kinds[k] + "): weight " + FormatFixed(report.weights[k], 4) +
        ", test ROC AUC " + (auc ? FormatFixed(*auc, 4) : std::string("n/a")));
  }
  if (report.method == EnsembleMethod::kStacking) {
    Say("  meta-model bias " + FormatFixed(report.bias, 4) + " (log-odds)");
  }
  std::printf("%s", FormatMetrics(report.test_metrics).c_str());
  if (!f.out.empty()) Say("model written to " + f.out);
  if (!f.no_track) {
    Say("run " + run.run_id + " recorded in " + run.store + " (artifact " +
        run.artifact_path.string() + ")");
    if (run.version) {
      Say("registered " + f.register_model + " version " + std::to_string(*run.version) +
          (f.alias.empty() ? "" : " as @" + f.alias));
    }
  }
  return kExitOk;
}

int RunTrain(const CLI::App& cmd, const TrainFlags& f, const CommandContext& ctx) {
  if (f.model == kEnsembleKind) return RunTrainEnsemble(cmd, f, ctx);
  for (const char* flag : {"--members", "--weights", "--method", "--stacking-folds"}) {
    if (cmd.get_option(flag)->count() > 0) {
      return ReportError(InvalidArgumentError(std::string(flag) + " applies to --model ensemble"));
    }
  }
  if (Status s = CheckTrainFlags(f, ctx); !s.ok()) return ReportError(s);
  TrainOptions options;
  options.data_path = f.data;
  Result<Schema> schema = LoadSchemaOption(f.schema);
  if (!schema.ok()) return ReportError(schema.status());
  options.schema = std::move(*schema);
  options.model_kind = f.model;
  if (!f.threshold_for.empty() && cmd.get_option("--threshold")->count() > 0) {
    return ReportError(InvalidArgumentError(
        "--threshold and --threshold-for both set the threshold; give one of them"));
  }
  Result<nlohmann::json> hyper = HyperparametersFromFlags(cmd, f, ctx.models);
  if (!hyper.ok()) return ReportError(hyper.status());
  options.hyperparameters = std::move(*hyper);
  Result<UnknownCategoryPolicy> policy = ParseUnknownCategoryPolicy(f.unknown_category);
  if (!policy.ok()) return ReportError(policy.status());
  options.preprocessing.unknown_category = *policy;
  options.test_size = f.test_size;
  options.seed = f.seed;
  options.cv_folds = f.cv;
  options.threshold = f.threshold;
  options.validation_fraction = f.validation_fraction;
  if (!f.threshold_for.empty()) options.threshold_for = *ThresholdGoal::Parse(f.threshold_for);
  if (!f.calibrate.empty()) options.calibrate = *ParseCalibrationMethod(f.calibrate);
  options.invalid_rows = f.drop_invalid ? InvalidRowPolicy::kDrop : InvalidRowPolicy::kFail;
  options.out_dir = f.out;
  options.existing = f.force ? ExistingPolicy::kReplace : ExistingPolicy::kFail;

  if (f.no_track && (!f.register_model.empty() || !f.alias.empty())) {
    return ReportError(
        InvalidArgumentError("--register and --alias need the store; drop --no-track"));
  }
  if (f.no_track && f.out.empty()) {
    return ReportError(InvalidArgumentError("--out is required with --no-track"));
  }

  // The stage and its elapsed time, with a spinner (a fit reports nothing
  // until it ends); on stderr, only when it is a terminal.
  ProgressBar progress("train", 0);
  const std::string cv_stage = "cross-validation, " + std::to_string(f.cv) + " folds (4/5)";
  progress.SetStage("load " + Abbreviate(f.data, 40) + " (1/5)");
  std::string stage;  // the current stage, for the per-round text
  auto set_stage = [&progress, &stage](std::string text) {
    stage = std::move(text);
    progress.SetStage(stage);
  };
  options.on_progress = [&set_stage, &f, &cv_stage](int done) {
    switch (done) {
      case 1:
        set_stage("preprocess and fit " + f.model + " (2/5)");
        break;
      case 2:
        set_stage("evaluate on the test split (3/5)");
        break;
      case 3:
        set_stage(f.cv > 0 ? cv_stage : "save (5/5)");
        break;
      case 4:
        set_stage("save (5/5)");
        break;
      default:
        break;
    }
  };
  // XGBoost reports each boosting round with its log loss on the held-out
  // rows: "round 37/400, test logloss 0.4123, ETA 3 s" (the ETA from this
  // fit's rounds so far; each CV fold is a fit of its own, evaluated on the
  // fold's held-out part). Only when the line is drawn, and at most every
  // 0.2 s, as often as the line is redrawn: an evaluation predicts every
  // held-out row, which on every round would cost about a third of the fit.
  std::chrono::steady_clock::time_point fit_start;
  std::string metric_text;  // the fit's latest evaluation
  if (::isatty(STDERR_FILENO) == 1) {
    options.fit_eval_interval_seconds = 0.2;
    options.on_fit_round = [&progress, &stage, &fit_start, &cv_stage,
                            &metric_text](const FitRound& r) {
      const auto now = std::chrono::steady_clock::now();
      if (r.done == 1) {
        fit_start = now;
        metric_text.clear();
      }
      if (!r.metric.empty()) {
        metric_text = (stage == cv_stage ? ", held-out fold " : ", test ") + r.metric + " " +
                      FormatFixed(r.value, 4);
      }
      std::string text =
          stage + ", round " + std::to_string(r.done) + "/" + std::to_string(r.total) + metric_text;
      if (r.done > 1) {
        const double per_round = std::chrono::duration<double>(now - fit_start).count() /
                                 static_cast<double>(r.done - 1);
        text += ", ETA " + FormatEta(per_round * static_cast<double>(r.total - r.done));
      }
      progress.SetStageText(text);
    };
  }
  TrainReport report;
  TrackedRun run;
  Status status;
  if (f.no_track) {
    InterruptGuard guard;  // SIGINT/SIGTERM: remove the staging folder, then exit
    status = Train(options, ctx.models, &report);
  } else {
    TrackingOptions tracking;
    tracking.store.uri = ctx.globals.store;
    tracking.experiment = f.experiment;
    tracking.register_model = f.register_model;
    tracking.alias = f.alias;
    InterruptGuard guard(tracking.store);
    tracking.on_run_created = [&guard](const std::string& id) { guard.SetRun(id); };
    status = TrainTracked(options, tracking, ctx.models, &report, &run);
  }
  progress.Finish();
  if (!status.ok()) {
    if (report.issues.count() > 0) {
      Say("validation problems in " + f.data + ":");
      PrintIssues(report.issues);
    }
    int code = ReportError(status);
    return status.code() == StatusCode::kFailedPrecondition && report.issues.count() > 0
               ? kExitFindings
               : code;
  }
  if (report.rows_dropped > 0) {
    Say("dropped " + FormatCount(report.rows_dropped) + " invalid row(s) of " +
        FormatCount(report.rows_read) + ":");
    PrintIssues(report.issues);
  }
  if (f.json) {
    nlohmann::json doc = report.ToJson(f.model);
    if (!f.no_track) {
      doc["run_id"] = run.run_id;
      doc["store"] = run.store;
      doc["artifact"] = run.artifact_path.string();
      doc["registered"] = run.version
                              ? nlohmann::json{{"model", f.register_model},
                                               {"version", *run.version},
                                               {"alias", f.alias.empty() ? nlohmann::json(nullptr)
                                                                         : nlohmann::json(f.alias)}}
                              : nlohmann::json(nullptr);
    }
    std::printf("%s\n", DumpJson(doc, 2).c_str());
  } else {
    Say("trained " + f.model + " on " + FormatCount(report.train_rows) + " rows, tested on " +
        FormatCount(report.test_rows) + " rows (" + FormatFixed(report.timings.total, 2) + " s)");
    std::printf("%s", FormatMetrics(report.test_metrics).c_str());
    if (report.cv) std::printf("%s", FormatFoldSummary(*report.cv).c_str());
    if (report.validation_rows > 0) {
      Say("validation rows: " + FormatCount(report.validation_rows) +
          " (carved from the training split, never fitted on)");
    }
    if (!report.fit.validation_curve.empty()) {
      Say("early stopping: kept " + std::to_string(report.fit.best_rounds) + " of " +
          std::to_string(report.fit.rounds) + " rounds (validation " + report.fit.metric + " " +
          FormatFixed(report.fit.validation_curve[static_cast<size_t>(report.fit.best_rounds - 1)],
                      4) +
          (report.fit.stopped_early ? ", stopped early)" : ")"));
    }
    if (report.threshold_choice) {
      const ThresholdChoice& c = *report.threshold_choice;
      Say("threshold " + FormatFixed(c.threshold, 4) + " chosen for " + f.threshold_for +
          " on the validation rows (precision " + FormatFixed(c.precision, 3) + ", recall " +
          FormatFixed(c.recall, 3) + ")");
    }
    if (report.test_calibrated) {
      Say(f.calibrate + " calibration: test ECE " + FormatFixed(report.test_uncalibrated->ece, 4) +
          " before, " + FormatFixed(report.test_calibrated->ece, 4) + " after");
    }
    if (!f.out.empty()) Say("model written to " + f.out);
    if (!f.no_track) {
      Say("run " + run.run_id + " recorded in " + run.store + " (artifact " +
          run.artifact_path.string() + ")");
      if (run.version) {
        Say("registered " + f.register_model + " version " + std::to_string(*run.version) +
            (f.alias.empty() ? "" : " as @" + f.alias));
      }
    }
  }
  return kExitOk;
}

}  // namespace

void RegisterTrainCommands(CLI::App& app, CommandContext& ctx) {
  auto flags = std::make_shared<TrainFlags>();
  CLI::App* cmd = app.add_subcommand("train", "Train a model on a labelled CSV and save it");
  cmd->add_option("--data", flags->data, "training CSV (raw schema, with the target)")->required();
  cmd->add_option("--model", flags->model, "model kind: logistic, xgboost or ensemble")
      ->capture_default_str();
  AddFlagAlias(cmd, "--output",
               cmd->add_option("--out", flags->out,
                               "also write the model to this directory (must not exist unless "
                               "--force)"));
  cmd->add_option("--schema", flags->schema, "YAML schema file")->default_str("built-in Telco");
  cmd->add_option("--test-size", flags->test_size, "share of rows held out for testing")
      ->capture_default_str();
  cmd->add_option("--seed", flags->seed, "seed for the split, folds and XGBoost")
      ->capture_default_str();
  cmd->add_option("--cv", flags->cv,
                  "stratified k-fold cross-validation on the training split (0 = off)")
      ->capture_default_str();
  cmd->add_option("--threshold", flags->threshold,
                  "probability at or above which churn is predicted")
      ->capture_default_str();
  cmd->add_flag("--drop-invalid", flags->drop_invalid, "train without invalid rows (counted)");
  cmd->add_flag("--force", flags->force, "replace an existing --out directory");
  cmd->add_option("--unknown-category", flags->unknown_category,
                  "categories unseen in training at predict time: ignore or error")
      ->capture_default_str();
  cmd->add_flag("--json", flags->json, "print the result as JSON on stdout");
  auto* tr = "Tracking (the store is --store, default ./mlruns)";
  cmd->add_option("--experiment", flags->experiment, "experiment to record the run in")
      ->capture_default_str()
      ->group(tr);
  cmd->add_option("--register", flags->register_model,
                  "register the model as the next version of this name")
      ->group(tr);
  cmd->add_option("--alias", flags->alias, "point this alias (e.g. champion) at the new version")
      ->group(tr);
  cmd->add_flag("--no-track", flags->no_track, "do not record a run (needs --out)")->group(tr);
  auto* tune = "Validation rows, early stopping, class imbalance, calibration";
  cmd->add_option("--validation-fraction", flags->validation_fraction,
                  "share of the training split held out as validation rows for early stopping, "
                  "--threshold-for and --calibrate (stratified, seeded; never the test split)")
      ->capture_default_str()
      ->group(tune);
  cmd->add_option("--threshold-for", flags->threshold_for,
                  "choose the threshold on the validation rows: f1, precision=P, recall=R or "
                  "cost=FN:FP (instead of --threshold)")
      ->group(tune);
  cmd->add_option("--calibrate", flags->calibrate,
                  "fit platt or isotonic calibration on the validation rows; predict and serve "
                  "return calibrated probabilities")
      ->group(tune);
  auto* ens = "Ensembles (--model ensemble)";
  cmd->add_option("--members", flags->members,
                  "comma-separated member models: NAME@ALIAS, NAME/VERSION or a directory "
                  "(2 to 16; copied into the ensemble)")
      ->group(ens);
  cmd->add_option("--weights", flags->weights,
                  "soft-voting weights, one per member, > 0 (normalised; default equal)")
      ->group(ens);
  cmd->add_option("--method", flags->method,
                  "average (weighted mean of the members' log-odds) or stacking (logistic "
                  "meta-model on out-of-fold scores)")
      ->capture_default_str()
      ->group(ens);
  cmd->add_option("--stacking-folds", flags->stacking_folds,
                  "folds of the out-of-fold member refits for stacking")
      ->capture_default_str()
      ->group(ens);
  // Every hyperparameter flag comes from the kinds' declarations.
  for (const auto& [flag, by_kind] : CollectDeclaredFlags(ctx.models)) {
    std::vector<std::string> kinds;
    for (const auto& [kind, spec] : by_kind) kinds.push_back(kind);
    const HyperparameterSpec& spec = *by_kind.begin()->second;
    std::string help = spec.help + " (" + DescribeRange(spec) + ")";
    const std::string default_text = spec.default_value.is_string()
                                         ? spec.default_value.get<std::string>()
                                         : spec.default_value.dump();
    CLI::Option* option = cmd->add_option(flag, flags->hyper_text[flag], help)
                              ->default_str(default_text)
                              ->type_name(spec.type == HyperparameterType::kInt      ? "INT"
                                          : spec.type == HyperparameterType::kDouble ? "NUMBER"
                                                                                     : "CHOICE")
                              ->group("Hyperparameters of --model " + Join(kinds, ", "));
    if (flag == "--threads") AddFlagAlias(cmd, "--jobs,-j", option);
  }
  cmd->footer(
      "Examples:\n"
      "  churnml train --data customers.csv\n"
      "  churnml train --data customers.csv --model xgboost --n-estimators 300 --cv 5\n"
      "  churnml train --data customers.csv --model xgboost --register churn --alias champion\n"
      "  churnml train --data customers.csv --no-track --out models/logistic\n"
      "  churnml train --data customers.csv --model ensemble --members churn/3,churn/5 "
      "--weights 0.7,0.3");
  cmd->callback([cmd, flags, &ctx] { ctx.exit_code = RunTrain(*cmd, *flags, ctx); });
}

}  // namespace churnml::cli
