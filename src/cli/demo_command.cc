// `churnml demo`: the whole path on generated data — generate, validate,
// train both model kinds, evaluate them side by side on new customers, and
// score a batch with the better one, then serve it over HTTP: until Ctrl-C
// when stdout is a terminal, else just long enough to check it answers
// (and then print the command that serves it).
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

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
#include "scaling/haproxy_config.h"
#include "scaling/local_actuator.h"
#include "serving/server.h"

namespace churnml::cli {
namespace {
namespace fs = std::filesystem;

struct DemoFlags {
  std::string workdir = "demo-out";
  int64_t rows = 20000;
  uint64_t seed = 42;
  int port = 8000;
  // > 1: that many `churnml serve` replicas behind HAProxy (when installed),
  // on replica_base_port.. (0 = port + 1 ..), HAProxy's front on `port`.
  int replicas = 1;
  int replica_base_port = 0;
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

// Waits until the signals arrive, or --serve-seconds pass (keep_serving),
// or returns at once.
void WaitWhileServing(const DemoFlags& f, const sigset_t& signals, bool keep_serving) {
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

  WaitWhileServing(f, signals, keep_serving);
  (*server)->Stop();
  (*server)->Wait();
  Say("    server stopped");
  return Status::Ok();
}

// The first `name` in $PATH that is an executable file, or "".
std::string FindInPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  for (std::string_view dir : Split(path != nullptr ? path : "", ':')) {
    if (dir.empty()) continue;
    std::string candidate = std::string(dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// --replicas N: N `churnml serve` processes behind a real HAProxy, started
// and enabled through HAProxy's runtime API by the autoscaler's local
// actuator (scaling/local_actuator.h) with a fixed count; the front URL is
// HAProxy's. Everything stops (drained first) when the demo ends.
Status ServeReplicas(const DemoFlags& f, const std::string& haproxy, const std::string& store_uri,
                     const fs::path& body_file, Steps& steps) {
  std::ifstream body_in(body_file);
  std::string customer((std::istreambuf_iterator<char>(body_in)), std::istreambuf_iterator<char>());
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  const bool keep_serving = f.serve_seconds > 0 || isatty(STDOUT_FILENO) != 0;

  const fs::path dir = fs::absolute(f.workdir);
  const int front = f.port == 0 ? 8000 : f.port;
  const int base = f.replica_base_port > 0 ? f.replica_base_port : front + 1;
  if (base + f.replicas - 1 > 65535) {
    return InvalidArgumentError("--replica-base-port " + std::to_string(base) + ": " +
                                std::to_string(f.replicas) + " replicas do not fit below 65536");
  }
  scaling::HaproxyConfigOptions config;
  config.strategy = scaling::BalanceStrategy::kLeastConn;
  for (int i = 0; i < f.replicas; ++i) {
    scaling::HaproxyReplica r;
    r.port = static_cast<uint16_t>(base + i);
    config.replicas.push_back(r);
  }
  config.bind = "127.0.0.1:" + std::to_string(front);
  config.stats_socket = (dir / "haproxy.sock").string();
  config.check_interval = std::chrono::milliseconds(1000);
  config.slow_start = std::chrono::milliseconds(0);
  CHURNML_ASSIGN_OR_RETURN(std::string cfg, scaling::RenderHaproxyConfig(config));
  const fs::path cfg_path = dir / "haproxy.cfg";
  CHURNML_RETURN_IF_ERROR(WriteFileAtomically(cfg_path, cfg));
  std::error_code ignored;
  fs::remove(config.stats_socket, ignored);

  steps.Start("serving churn@champion on " + std::to_string(f.replicas) +
              " replicas behind HAProxy (" + cfg_path.string() + ")");
  CHURNML_ASSIGN_OR_RETURN(pid_t haproxy_pid,
                           scaling::SpawnProcess({haproxy, "-db", "-f", cfg_path.string()},
                                                 (dir / "haproxy.log").string()));
  struct HaproxyStop {
    pid_t pid;
    ~HaproxyStop() { scaling::StopProcess(pid, std::chrono::milliseconds(5000)); }
  } haproxy_stop{haproxy_pid};
  for (int i = 0; i < 100 && !fs::exists(config.stats_socket); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!fs::exists(config.stats_socket)) {
    return UnavailableError("HAProxy did not start (port " + std::to_string(front) +
                            " taken?): see " + (dir / "haproxy.log").string());
  }
  // The replicas find the demo's store through the environment.
  // NOLINTNEXTLINE(concurrency-mt-unsafe): no other thread reads the environment now
  ::setenv("CHURNML_STORE", store_uri.c_str(), 1);
  scaling::LocalActuatorOptions a;
  a.haproxy_socket = config.stats_socket;
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return IOError("cannot read /proc/self/exe to start replicas");
  a.executable.assign(self, static_cast<size_t>(n));
  a.serve_args = {"--model", "churn@champion", "--access-log", "off"};
  a.log_dir = dir.string();
  a.pool.min_drain_ms = 500;
  a.pool.max_drain_ms = 10'000;
  CHURNML_ASSIGN_OR_RETURN(std::unique_ptr<scaling::LocalActuator> actuator,
                           scaling::LocalActuator::Open(a));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (actuator->serving() < f.replicas && std::chrono::steady_clock::now() < deadline) {
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
    for (const scaling::ActuatorEvent& e : actuator->Apply(f.replicas, now_ms)) {
      if (!e.status.ok()) Say("    " + e.server + ": " + e.status.message());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (actuator->serving() < f.replicas) {
    return UnavailableError(std::to_string(actuator->serving()) + " of " +
                            std::to_string(f.replicas) + " replicas ready within 60 s: see " +
                            dir.string() + "/r*.log");
  }
  const std::string url = "http://127.0.0.1:" + std::to_string(front);
  Result<monitoring::HttpResponse> answer = monitoring::Post(
      url + "/predict", "application/json", customer, std::chrono::milliseconds(5000));
  if (!answer.ok()) return answer.status();
  if (answer->status != 200) {
    return InternalError("HAProxy in front of the demo replicas answered " +
                         std::to_string(answer->status) + ": " + answer->body);
  }
  std::printf("\nServing:     %s (HAProxy, leastconn, in front of %d replicas on ports %d-%d)\n",
              url.c_str(), f.replicas, base, base + f.replicas - 1);
  std::printf(
      "Try it:      curl -s -X POST %s/predict -H 'Content-Type: application/json' -d @%s\n",
      url.c_str(), body_file.c_str());
  std::printf("Answer:      %s\n", answer->body.c_str());
  std::printf("HAProxy:     %s (runtime API: %s)\n", cfg_path.c_str(), config.stats_socket.c_str());
  std::fflush(stdout);
  WaitWhileServing(f, signals, keep_serving);
  actuator->Shutdown();
  Say("    replicas drained and stopped");
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
  if (f.replicas > 1) {
    const std::string haproxy = FindInPath("haproxy");
    if (!haproxy.empty()) {
      return ServeReplicas(f, haproxy, fs::absolute(tracking.store.uri).string(), body_file, steps);
    }
    Say("    --replicas " + std::to_string(f.replicas) +
        ": haproxy is not installed (apt-get install haproxy), so one replica serves");
  }
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
  cmd->add_option("--replicas", flags->replicas,
                  "serve on this many replicas behind HAProxy (when installed; "
                  "docs/deploy.md)")
      ->capture_default_str()
      ->check(CLI::Range(1, 16));
  cmd->add_option("--replica-base-port", flags->replica_base_port,
                  "the replicas' first port with --replicas (0 = --port + 1)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
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
