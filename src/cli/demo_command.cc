// `churnml demo`: the whole path on generated data — generate, validate,
// train both model kinds, evaluate them side by side on new customers, and
// score a batch with the better one, then serve it over HTTP: until Ctrl-C
// when stdout is a terminal, else just long enough to check it answers
// (and then print the command that serves it).
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/command.h"
#include "cli/model_ref.h"
#include "common/atomic_file.h"
#include "common/json_dump.h"
#include "common/strings.h"
#include "data/csv_loader.h"
#include "data/synthetic_generator.h"
#include "eval/metrics_text.h"
#include "monitoring/alerts/http_client.h"
#include "pipeline/batch_predict.h"
#include "pipeline/evaluate.h"
#include "pipeline/tracked_train.h"
#include "pipeline/train.h"
#include "serving/server.h"

namespace churnml::cli {
namespace {
namespace fs = std::filesystem;

struct DemoFlags {
  std::string workdir = "demo-out";
  int64_t rows = 20000;
  uint64_t seed = 42;
  int port = 8000;
  // < 0: serve until Ctrl-C when stdout is a terminal, else stop after the
  // self-check; 0: do not serve; > 0: serve this many seconds.
  double serve_seconds = -1;
};

// "3/7 " — one counter, so the numbers are consecutive and the total true.
class Steps {
 public:
  explicit Steps(int total) : total_(total) {}
  void Start(const std::string& what) {
    Say(std::to_string(++done_) + "/" + std::to_string(total_) + " " + what);
  }

 private:
  int total_;
  int done_ = 0;
};

// The first customer of `csv` as a /predict body: numbers for numeric
// columns, strings for the rest, no target.
Result<std::string> FirstCustomerJson(const std::string& csv) {
  std::ifstream in(csv);
  std::string header, row;
  if (!std::getline(in, header) || !std::getline(in, row)) {
    return IOError("cannot read a customer from " + csv);
  }
  std::vector<std::string_view> names = Split(header, ',');
  std::vector<std::string_view> values = Split(row, ',');
  if (names.size() != values.size()) return InvalidArgumentError(csv + " row 1 is not plain CSV");
  nlohmann::ordered_json customer;
  const Schema& schema = Schema::Telco();
  for (size_t i = 0; i < names.size(); ++i) {
    std::optional<size_t> c = schema.IndexOf(names[i]);
    if (!c || schema.column(*c).role == ColumnRole::kTarget) continue;
    const ColumnType type = schema.column(*c).type;
    std::optional<int64_t> integer = ParseInt(values[i]);
    std::optional<double> number = ParseDouble(values[i]);
    if (type == ColumnType::kInteger && integer) {
      customer[std::string(names[i])] = *integer;  // 6, not 6.0
    } else if (type == ColumnType::kNumeric && number) {
      customer[std::string(names[i])] = *number;
    } else {
      customer[std::string(names[i])] = std::string(values[i]);
    }
  }
  return DumpJson(customer);
}

// Serves churn@champion and checks it answers. Keeps serving (and says so)
// until Ctrl-C when stdout is a terminal or for --serve-seconds; otherwise
// stops after the check and prints the command that serves it, so the curl
// line it shows never points at a server that is gone.
Status ServeChampion(const DemoFlags& f, const std::string& store_uri, const fs::path& body_file,
                     const ModelRegistry& models, Steps& steps) {
  std::ifstream body_in(body_file);
  std::string customer((std::istreambuf_iterator<char>(body_in)), std::istreambuf_iterator<char>());
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const bool keep_serving = f.serve_seconds > 0 || isatty(STDOUT_FILENO) != 0;
  serving::ServeOptions options;
  options.model.ref = "churn@champion";
  options.model.store_uri = store_uri;
  options.http.port = static_cast<uint16_t>(f.port);
  options.access_log = "off";
  Result<std::unique_ptr<serving::Server>> server = serving::Server::Start(options, models);
  if (!server.ok() && f.port != 0 && server.status().code() == StatusCode::kIOError) {
    Say("    port " + std::to_string(f.port) + " is taken; using a free one");
    options.http.port = 0;
    server = serving::Server::Start(options, models);
  }
  if (!server.ok()) return server.status();
  const int port = (*server)->port();
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  steps.Start(
      (keep_serving ? "serving churn@champion (" : "checking that churn@champion serves (") +
      (*server)->Describe() + ") on " + url);
  Result<monitoring::HttpResponse> answer = monitoring::Post(
      url + "/predict", "application/json", customer, std::chrono::milliseconds(5000));
  if (!answer.ok()) return answer.status();
  if (answer->status != 200) {
    return InternalError("the demo server answered " + std::to_string(answer->status) + ": " +
                         answer->body);
  }
  const std::string curl = "curl -s -X POST " + url +
                           "/predict -H 'Content-Type: application/json' -d @" + body_file.string();
  if (keep_serving) {
    std::printf("\nServing:     %s (health: %s/health, metrics: %s/metrics)\n", url.c_str(),
                url.c_str(), url.c_str());
    std::printf("Try it:      %s\n", curl.c_str());
    std::printf("Answer:      %s\n", answer->body.c_str());
  } else {
    std::printf("\nSelf-check:  POST /predict answered %s\n", answer->body.c_str());
    std::printf("Serve it:    churnml --store %s serve --model churn@champion --port %d\n",
                store_uri.c_str(), f.port == 0 ? 8000 : f.port);
    std::printf(
        "then:        curl -s -X POST http://127.0.0.1:%d/predict -H "
        "'Content-Type: application/json' -d @%s\n",
        f.port == 0 ? 8000 : f.port, body_file.c_str());
  }
  std::fflush(stdout);

  if (f.serve_seconds > 0) {
    Say("    serving for " + FormatDouble(f.serve_seconds) + " s (Ctrl-C stops it sooner)");
    timespec wait{
        static_cast<time_t>(f.serve_seconds),
        static_cast<long>((f.serve_seconds - static_cast<time_t>(f.serve_seconds)) * 1e9)};
    sigtimedwait(&signals, nullptr, &wait);
  } else if (keep_serving) {
    Say("    serving until Ctrl-C");
    int signal = 0;
    sigwait(&signals, &signal);
  }
  (*server)->Stop();
  (*server)->Wait();
  Say("    server stopped");
  return Status::Ok();
}

Status RunDemoSteps(const DemoFlags& f, const ModelRegistry& models) {
  fs::path dir = f.workdir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return IOError("cannot create " + dir.string() + ": " + ec.message());
  const std::string train_csv = (dir / "customers.csv").string();
  const std::string new_csv = (dir / "new_customers.csv").string();
  Steps steps(f.serve_seconds == 0 ? 6 : 7);

  steps.Start("generating " + FormatCount(f.rows) + " customers → " + train_csv);
  CHURNML_RETURN_IF_ERROR(GenerateCsv(train_csv, {.rows = f.rows, .seed = f.seed}));
  CHURNML_RETURN_IF_ERROR(
      GenerateCsv(new_csv, {.rows = std::max<int64_t>(f.rows / 4, 100), .seed = f.seed + 1}));

  steps.Start("validating " + train_csv);
  LoadOptions validate;
  validate.storage = RowStorage::kDiscard;
  CHURNML_ASSIGN_OR_RETURN(LoadResult checked, LoadCsv(train_csv, Schema::Telco(), validate));
  Say("    " + FormatCount(checked.rows_kept) + " rows valid");

  // Both models are tracked runs in the demo's own store, registered as
  // versions of "churn"; the better one becomes churn@champion. A second
  // demo in the same folder adds runs and versions to the same store.
  TrackingOptions tracking;
  tracking.store.uri = (dir / "mlruns").string();
  tracking.experiment = "demo";
  tracking.register_model = "churn";
  std::vector<TrackedRun> runs;
  const std::vector<std::string> kinds = {"logistic", "xgboost"};
  for (const std::string& kind : kinds) {
    steps.Start("training " + kind + " on " + train_csv);
    TrainOptions options;
    options.data_path = train_csv;
    options.model_kind = kind;
    options.seed = f.seed;
    if (kind == "xgboost") {
      // Shallower trees and a smaller step than XGBoost's defaults: the
      // defaults overfit a table this small.
      options.hyperparameters = {{"n_estimators", 150}, {"max_depth", 4}, {"learning_rate", 0.1}};
    }
    TrainReport report;
    TrackedRun run;
    CHURNML_RETURN_IF_ERROR(TrainTracked(options, tracking, models, &report, &run));
    Say("    test-split roc_auc " + FormatFixed(*report.test_metrics.roc_auc, 4) + " in " +
        FormatFixed(report.timings.total, 2) + " s; run " + run.run_id + ", churn/" +
        std::to_string(*run.version));
    runs.push_back(std::move(run));
  }

  steps.Start("evaluating both on " + new_csv + " (customers not seen in training)");
  std::vector<NamedMetrics> holdout;
  for (size_t i = 0; i < kinds.size(); ++i) {
    CHURNML_ASSIGN_OR_RETURN(auto artifact, ModelArtifact::Load(runs[i].artifact_path, models));
    EvaluateOptions eval_options;
    eval_options.data_path = new_csv;
    EvaluateReport eval;
    CHURNML_RETURN_IF_ERROR(Evaluate(*artifact, eval_options, &eval));
    holdout.push_back({kinds[i], eval.metrics});
  }
  const size_t best_index = *holdout[1].metrics.roc_auc > *holdout[0].metrics.roc_auc ? 1 : 0;
  const NamedMetrics& best = holdout[best_index];
  const int64_t champion_version = *runs[best_index].version;
  CHURNML_ASSIGN_OR_RETURN(auto store, tracking::TrackingStore::Open(tracking.store));
  CHURNML_RETURN_IF_ERROR(store->SetAlias("churn", "champion", champion_version));
  Say("    churn@champion → churn/" + std::to_string(champion_version) + " (" + best.name +
      ", the higher roc_auc)");
  CHURNML_ASSIGN_OR_RETURN(fs::path champion, store->ResolveModelUri("churn@champion"));

  fs::path scored = dir / "predictions.csv";
  steps.Start("scoring " + new_csv + " with churn@champion → " + scored.string());
  CHURNML_ASSIGN_OR_RETURN(auto artifact, ModelArtifact::Load(champion, models));
  PredictOptions predict;
  predict.input_path = new_csv;
  predict.output_path = scored;
  PredictReport report;
  CHURNML_RETURN_IF_ERROR(PredictBatch(*artifact, predict, &report));

  // One customer as a /predict body, for the curl line.
  const fs::path body_file = dir / "customer.json";
  CHURNML_ASSIGN_OR_RETURN(std::string customer, FirstCustomerJson(new_csv));
  CHURNML_RETURN_IF_ERROR(WriteFileAtomically(body_file, customer + "\n"));

  std::printf("\nMetrics on %s new customers (not seen in training):\n%s\n",
              FormatCount(holdout[0].metrics.rows).c_str(),
              FormatMetricsSideBySide(holdout).c_str());
  const std::string store_flag = "--store " + tracking.store.uri;
  std::printf("Store:       %s (runs, registered models churn/%lld and churn/%lld)\n",
              store->Describe().c_str(), static_cast<long long>(*runs[0].version),
              static_cast<long long>(*runs[1].version));
  std::printf("Champion:    churn@champion = churn/%lld (%s)\n",
              static_cast<long long>(champion_version), best.name.c_str());
  std::printf("Predictions: %s (%s rows)\n", scored.c_str(),
              FormatCount(report.rows_scored).c_str());
  std::printf("Customer:    %s (a /predict body)\n", body_file.c_str());
  std::printf("Next:        churnml %s runs list\n", store_flag.c_str());
  std::printf(
      "             churnml %s predict --model churn@champion --data YOUR.csv --out "
      "scored.csv\n",
      store_flag.c_str());
  std::fflush(stdout);
  if (f.serve_seconds == 0) return Status::Ok();
  return ServeChampion(f, tracking.store.uri, body_file, models, steps);
}

}  // namespace

void RegisterDemoCommand(CLI::App& app, CommandContext& ctx) {
  auto flags = std::make_shared<DemoFlags>();
  CLI::App* cmd = app.add_subcommand(
      "demo", "Run the whole path on generated data: generate, validate, train, evaluate, predict");
  cmd->footer(
      "Examples:\n  churnml demo --workdir demo-out\n  churnml demo --workdir demo-out "
      "--serve-seconds 0");
  cmd->add_option("--workdir", flags->workdir, "folder for data, models and predictions")
      ->capture_default_str();
  cmd->add_option("--rows", flags->rows, "customers to generate for training")
      ->capture_default_str();
  cmd->add_option("--seed", flags->seed, "seed for data, split and models")->capture_default_str();
  cmd->add_option("--port", flags->port, "port to serve the champion on (a free one if taken)")
      ->capture_default_str();
  cmd->add_option("--serve-seconds", flags->serve_seconds,
                  "how long to serve the champion: 0 = not at all, < 0 = until Ctrl-C when "
                  "stdout is a terminal (else just a self-check, then the command that serves it)")
      ->capture_default_str();
  cmd->callback([flags, &ctx] {
    Status s = RunDemoSteps(*flags, ctx.models);
    ctx.exit_code = s.ok() ? kExitOk : ReportError(s);
  });
}

}  // namespace churnml::cli
