// `churnml tune`: flags → TuneOptions → pipeline::Tune (random search with
// successive halving over the kind's declared hyperparameters), every trial
// a child run in the store, then the best configuration refit on the
// training split by the train use case and optionally registered.
//
// Ctrl-C (or SIGTERM) stops launching trials: the running ones finish, the
// finished ones stay recorded, the best so far is reported, nothing is
// refit or registered, and the command exits 130. A second signal exits at
// once.
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/cli_errors.h"
#include "cli/command.h"
#include "cli/model_ref.h"
#include "common/json_dump.h"
#include "common/strings.h"
#include "pipeline/tracked_train.h"
#include "pipeline/tune.h"
#include "tracking/tracking_store.h"

namespace churnml::cli {
namespace {

struct TuneFlags {
  std::string data;
  std::string schema;
  std::string model = "xgboost";
  std::string budget;  // "60s", "5m", "1h" or seconds; empty = none
  int trials = 27;
  int cv = 3;
  std::string metric = "roc_auc";
  uint64_t seed = 42;
  int eta = 3;
  int parallel = 0;
  double test_size = 0.2;
  std::string experiment = "tune";
  std::string register_model;
  std::string alias;
  bool json = false;
};

// "90", "90s", "5m", "1h" → seconds. InvalidArgument naming --budget.
Result<double> ParseBudget(const std::string& text) {
  if (text.empty()) return 0.0;
  double scale = 1;
  std::string number = text;
  switch (text.back()) {
    case 's':
      number.pop_back();
      break;
    case 'm':
      scale = 60;
      number.pop_back();
      break;
    case 'h':
      scale = 3600;
      number.pop_back();
      break;
    default:
      break;
  }
  char* end = nullptr;
  const double v = number.empty() ? -1 : std::strtod(number.c_str(), &end);
  if (number.empty() || end != number.c_str() + number.size() || !(v > 0) ||
      v * scale > 7 * 86400) {
    return InvalidArgumentError("--budget " + Abbreviate(text) +
                                ": expected a duration such as 60s, 5m or 1h (at most a week)");
  }
  return v * scale;
}

// Blocks SIGINT/SIGTERM for the threads created after it and waits for
// them on its own thread: the first sets `stop`, a second exits.
class StopOnSignal {
 public:
  StopOnSignal() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, &old_mask_);
    watcher_ = std::thread([this, set] {
      const timespec wait = {0, 200 * 1000 * 1000};
      while (!done_.load()) {
        const int sig = sigtimedwait(&set, nullptr, &wait);
        if (sig <= 0) continue;
        if (stop_.exchange(true)) std::_Exit(128 + sig);
        signal_ = sig;
        Say("stopping: the running trials finish, then the best so far is reported "
            "(press Ctrl-C again to quit at once)");
      }
    });
  }
  ~StopOnSignal() {
    done_.store(true);
    watcher_.join();
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  bool stopped() const { return stop_.load(); }
  int signal() const { return signal_.load(); }

 private:
  sigset_t old_mask_;
  std::atomic<bool> done_{false};
  std::atomic<bool> stop_{false};
  std::atomic<int> signal_{0};
  std::thread watcher_;
};

nlohmann::json TrialJson(const TrialResult& t) {
  return {{"trial", t.trial},
          {"rung", t.rung},
          {"rows", t.rows},
          {"hyperparameters", t.hyperparameters},
          {"cv_metric", t.cv_metric ? nlohmann::json(*t.cv_metric) : nlohmann::json(nullptr)},
          {"cv_metric_std", t.cv_metric_std},
          {"seconds", t.seconds},
          {"error", t.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(t.error)}};
}

std::map<std::string, std::string> ParamsOf(const nlohmann::json& hyperparameters) {
  std::map<std::string, std::string> params;
  for (const auto& [key, value] : hyperparameters.items()) {
    params[key] = value.is_string() ? value.get<std::string>() : DumpJson(value);
  }
  return params;
}

int RunTune(const TuneFlags& f, const CommandContext& ctx) {
  const std::vector<std::string> kinds = ctx.models.kinds();
  if (std::find(kinds.begin(), kinds.end(), f.model) == kinds.end()) {
    return ReportError(InvalidArgumentError("unknown model kind " + Abbreviate(f.model) +
                                            "; valid: " + Join(kinds, ", ")));
  }
  if (!f.alias.empty() && f.register_model.empty()) {
    return ReportError(InvalidArgumentError("--alias needs --register NAME"));
  }
  Result<double> budget = ParseBudget(f.budget);
  if (!budget.ok()) return ReportError(budget.status());
  TuneOptions options;
  options.data_path = f.data;
  Result<Schema> schema = LoadSchemaOption(f.schema);
  if (!schema.ok()) return ReportError(schema.status());
  options.schema = *schema;
  options.model_kind = f.model;
  options.trials = f.trials;
  options.budget_seconds = *budget;
  options.cv_folds = f.cv;
  options.metric = f.metric;
  options.seed = f.seed;
  options.eta = f.eta;
  options.parallelism = f.parallel;
  options.test_size = f.test_size;

  tracking::StoreOptions store_options;
  store_options.uri = ctx.globals.store;
  Result<std::unique_ptr<tracking::TrackingStore>> store =
      tracking::TrackingStore::Open(store_options);
  if (!store.ok()) return ReportError(store.status());
  Result<std::string> parent =
      (*store)->CreateRun(f.experiment, {{"model", f.model}, {"source", "tune"}});
  if (!parent.ok()) return ReportError(parent.status());
  (void)(*store)->LogParams(*parent, {{"model", f.model},
                                      {"data", f.data},
                                      {"trials", std::to_string(f.trials)},
                                      {"budget", f.budget.empty() ? "none" : f.budget},
                                      {"cv", std::to_string(f.cv)},
                                      {"metric", f.metric},
                                      {"seed", std::to_string(f.seed)},
                                      {"eta", std::to_string(f.eta)}});

  Status store_error = Status::Ok();
  options.on_trial = [&](const TrialResult& t) {
    if (!store_error.ok()) return;
    Result<std::string> child =
        (*store)->CreateRun(f.experiment, {{"model", f.model},
                                           {"source", "tune"},
                                           {"parent_run_id", *parent},
                                           {"trial", std::to_string(t.trial)},
                                           {"rung", std::to_string(t.rung)}});
    if (!child.ok()) {
      store_error = child.status();
      return;
    }
    std::map<std::string, std::string> params = ParamsOf(t.hyperparameters);
    params["budget_rows"] = std::to_string(t.rows);
    params["cv"] = std::to_string(f.cv);
    Status s = (*store)->LogParams(*child, params);
    if (s.ok() && t.cv_metric) {
      s = (*store)->LogMetrics(*child, {{"cv_" + f.metric + "_mean", *t.cv_metric, 0, 0},
                                        {"cv_" + f.metric + "_std", t.cv_metric_std, 0, 0},
                                        {"trial_seconds", t.seconds, 0, 0}});
    }
    if (s.ok() && !t.error.empty())
      s = (*store)->SetTags(*child, {{"error", t.error.substr(0, 500)}});
    if (s.ok()) {
      s = (*store)->FinishRun(
          *child, t.cv_metric ? tracking::RunStatus::kFinished : tracking::RunStatus::kFailed);
    }
    if (!s.ok()) store_error = s;
    if (!f.json) {
      Say("trial " + std::to_string(t.trial) + " rung " + std::to_string(t.rung) + " (" +
          FormatCount(t.rows) + " rows): " +
          (t.cv_metric ? f.metric + " " + FormatFixed(*t.cv_metric, 4) : "failed: " + t.error));
    }
  };

  TuneReport report;
  Status status;
  int signal = 0;
  {
    StopOnSignal stop;
    options.stop_requested = [&stop] { return stop.stopped(); };
    status = Tune(options, ctx.models, &report);
    signal = stop.signal();
  }
  if (status.ok() && !store_error.ok()) status = store_error;
  if (!status.ok()) {
    (void)(*store)->SetTags(*parent, {{"error", status.message().substr(0, 500)}});
    (void)(*store)->FinishRun(*parent, tracking::RunStatus::kFailed);
    return ReportError(status);
  }
  std::vector<tracking::Metric> metrics = {
      {"best_cv_" + f.metric, *report.best->cv_metric, 0, 0},
      {"trials_run", static_cast<double>(report.results.size()), 0, 0},
      {"tune_seconds", report.seconds, 0, 0}};
  if (report.baseline) {
    metrics.push_back({"default_cv_" + f.metric, *report.baseline->cv_metric, 0, 0});
  }
  (void)(*store)->LogMetrics(*parent, metrics);
  (void)(*store)->SetTags(*parent,
                          {{"best_trial", std::to_string(report.best->trial)},
                           {"best_hyperparameters", DumpJson(report.best->hyperparameters)}});

  nlohmann::json doc = {
      {"run_id", *parent},
      {"kind", f.model},
      {"metric", f.metric},
      {"train_rows", report.train_rows},
      {"rungs_planned", report.plan.size()},
      {"rungs_done", report.rungs_done},
      {"stopped", report.stopped},
      {"seconds", report.seconds},
      {"best", TrialJson(*report.best)},
      {"baseline", report.baseline ? TrialJson(*report.baseline) : nlohmann::json(nullptr)}};
  const bool interrupted = signal != 0;
  if (!f.json) {
    Say("best trial " + std::to_string(report.best->trial) + " on rung " +
        std::to_string(report.best->rung) + " (" + FormatCount(report.best->rows) + " rows): cv " +
        f.metric + " " + FormatFixed(*report.best->cv_metric, 4) +
        (report.baseline && report.baseline->rung == report.best->rung
             ? " vs defaults " + FormatFixed(*report.baseline->cv_metric, 4)
             : "") +
        " — " + DumpJson(report.best->hyperparameters));
  }
  if (interrupted) {
    (void)(*store)->FinishRun(*parent, tracking::RunStatus::kKilled);
    if (f.json) std::printf("%s\n", DumpJson(doc, 2).c_str());
    Say("interrupted: " + std::to_string(report.results.size()) +
        " finished trial(s) kept in run " + *parent + "; nothing refit or registered");
    return 128 + signal;
  }

  // Refit the best on every training row: the train use case, tracked, with
  // the same seed and split, so its test metrics are comparable.
  TrainOptions train;
  train.data_path = f.data;
  train.schema = *schema;
  train.model_kind = f.model;
  train.hyperparameters = report.best->hyperparameters;
  // The winner keeps threads = 1 as in its trials: one fit on a shared,
  // loaded machine took 58.7 s with every core (OpenMP threads competing)
  // and 3.6 s with one (docs/benchmarks.md, issue 18).
  train.seed = f.seed;
  train.test_size = f.test_size;
  TrackingOptions tracking;
  tracking.store = store_options;
  tracking.experiment = f.experiment;
  tracking.register_model = f.register_model;
  tracking.alias = f.alias;
  tracking.tags = {{"parent_run_id", *parent}, {"source", "tune"}};
  TrainReport refit;
  TrackedRun run;
  status = TrainTracked(train, tracking, ctx.models, &refit, &run);
  if (!status.ok()) {
    (void)(*store)->FinishRun(*parent, tracking::RunStatus::kFailed);
    return ReportError(status.WithContext("refitting the best configuration"));
  }
  (void)(*store)->FinishRun(*parent, tracking::RunStatus::kFinished);
  doc["refit"] = {{"run_id", run.run_id},
                  {"artifact", run.artifact_path.string()},
                  {"test_metrics", refit.ToJson(f.model)["metrics"]},
                  {"registered", run.version ? nlohmann::json{{"model", f.register_model},
                                                              {"version", *run.version},
                                                              {"alias", f.alias}}
                                             : nlohmann::json(nullptr)}};
  if (f.json) {
    std::printf("%s\n", DumpJson(doc, 2).c_str());
  } else {
    Say("refit on " + FormatCount(refit.train_rows) + " rows: run " + run.run_id +
        (refit.test_metrics.roc_auc
             ? ", test roc_auc " + FormatFixed(*refit.test_metrics.roc_auc, 4)
             : std::string()));
    if (run.version) {
      Say("registered " + f.register_model + " version " + std::to_string(*run.version) +
          (f.alias.empty() ? "" : " as @" + f.alias));
    }
  }
  return kExitOk;
}

}  // namespace

void RegisterTuneCommand(CLI::App& app, CommandContext& ctx) {
  auto flags = std::make_shared<TuneFlags>();
  CLI::App* cmd = app.add_subcommand(
      "tune", "Search a model kind's hyperparameters (random search + successive halving)");
  cmd->add_option("--data", flags->data, "training CSV (raw schema, with the target)")->required();
  cmd->add_option("--model", flags->model, "model kind: logistic or xgboost")
      ->capture_default_str();
  cmd->add_option("--schema", flags->schema, "YAML schema file")->default_str("built-in Telco");
  cmd->add_option("--trials", flags->trials,
                  "configurations sampled for the first rung (trial 0 is the defaults)")
      ->capture_default_str();
  cmd->add_option("--budget", flags->budget,
                  "wall-clock budget such as 60s, 5m or 1h: no trial starts after it (the best "
                  "so far is refit)");
  cmd->add_option("--cv", flags->cv, "cross-validation folds per trial")->capture_default_str();
  cmd->add_option("--metric", flags->metric, "metric to optimise (e.g. roc_auc, log_loss)")
      ->capture_default_str();
  cmd->add_option("--seed", flags->seed, "seed for sampling, row subsets, folds and the split")
      ->capture_default_str();
  cmd->add_option("--eta", flags->eta, "halving factor: keep 1/eta, give them eta times the rows")
      ->capture_default_str();
  AddFlagAlias(cmd, "--jobs,-j",
               cmd->add_option("--parallel", flags->parallel, "trials at once (0 = every core)")
                   ->capture_default_str());
  cmd->add_option("--test-size", flags->test_size,
                  "share of rows held out (never seen by the search)")
      ->capture_default_str();
  cmd->add_option("--experiment", flags->experiment, "experiment for the trial runs")
      ->capture_default_str();
  cmd->add_option("--register", flags->register_model,
                  "register the refit best model as the next version of this name");
  cmd->add_option("--alias", flags->alias, "point this alias (e.g. challenger) at it");
  cmd->add_flag("--json", flags->json, "print the result as JSON on stdout");
  cmd->footer(
      "Examples:\n"
      "  churnml tune --data customers.csv --model xgboost --budget 60s\n"
      "  churnml tune --data customers.csv --model logistic --trials 9 --cv 5\n"
      "  churnml tune --data customers.csv --register churn --alias challenger");
  cmd->callback([flags, &ctx] { ctx.exit_code = RunTune(*flags, ctx); });
}

}  // namespace churnml::cli
