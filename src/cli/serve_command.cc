// `churnml serve`: the prediction server (docs/serving.md). Flags map onto
// serving::ServeOptions; SIGHUP checks the registry for a moved alias now
// and reloads serve.variant / serve.shadow from the config file, SIGTERM
// and SIGINT drain in-flight requests and exit 0.
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cli/command.h"
#include "cli/yaml_config.h"
#include "common/build_info.h"
#include "common/strings.h"
#include "common/suggest.h"
#include "monitoring/alerts/alert_expr.h"
#include "serving/agent_check.h"
#include "serving/grpc/grpc_frontend.h"
#include "serving/server.h"

namespace churnml::cli {
namespace {

struct ServeFlags {
  std::string model;
  std::string model_name = "churn";
  std::string host = "127.0.0.1";
  int port = 8000;
  int threads = 0;
  std::string api_key_file;
  bool api_key_file_given = false;  // set even when the value is ""
  bool allow_unauthenticated = false;
  std::vector<std::string> unknown_environment;  // CHURNML_SERVE_* names no option has
  double rate_limit = 0;
  double rate_burst = 0;
  size_t max_body_bytes = 1 << 20;
  size_t max_header_bytes = 16 * 1024;
  size_t max_batch = 1000;
  double reload_interval = 10;
  bool protect_health = false;
  double header_timeout = 10;
  double read_timeout = 30;
  double write_timeout = 30;
  double idle_timeout = 60;
  size_t max_connections = 10000;
  double drain_timeout = 30;
  double model_deadline_ms = 0;
  bool no_fallback = false;
  std::string alerts;
  std::string drift_window = "1h";
  int64_t drift_min_rows = 1000;
  std::string access_log = "-";
  std::string instrumentation = "on";
  bool fault_injection = false;
  std::vector<std::string> variants;  // NAME=MODELREF:WEIGHT
  std::string prediction_log;         // directory; "" = off
  double prediction_log_max_mb = 64;
  size_t prediction_log_files = 8;
  std::string shadow;  // model reference; "" = off
  size_t shadow_queue = 1000;
  size_t shadow_window = 1000;
  bool log_features = false;
  std::string config_file;  // the root --config (read again on SIGHUP)
  int grpc_port =
      -1;  // --grpc-port: the gRPC Open Inference Protocol (-1 = off, 0 = any free port)
  int agent_port = 0;              // HAProxy agent-check (0 = off)
  double agent_drain_delay = 2;    // seconds "drain" is answered before stopping
  double agent_max_in_flight = 0;  // 0 = 4 x io threads
};

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

extern "C" char** environ;

// CHURNML_SERVE_* variables that name no serve option: a misspelt one
// (CHURNML_SERVE_API_KEYS_FILE) would otherwise be ignored without a word,
// and a server meant to require keys would start open. Each entry is the
// message for one variable.
std::vector<std::string> UnknownServeVariables(const CLI::App& cmd) {
  std::set<std::string> known;
  for (const CLI::Option* option : cmd.get_options()) {
    if (!option->get_envname().empty()) known.insert(option->get_envname());
  }
  std::vector<std::string> unknown;
  constexpr std::string_view kPrefix = "CHURNML_SERVE_";
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const std::string name(text.substr(0, text.find('=')));
    if (name.compare(0, kPrefix.size(), kPrefix) != 0 || known.count(name) > 0) continue;
    std::string message = "environment variable " + name + " is not a serve option";
    std::string best;
    size_t best_distance = 4;
    for (const std::string& candidate : known) {
      const size_t distance = EditDistance(name, candidate);
      if (distance < best_distance) {
        best_distance = distance;
        best = candidate;
      }
    }
    message += best.empty() ? " (docs/serving.md lists the names)" : "; did you mean " + best + "?";
    unknown.push_back(std::move(message));
  }
  return unknown;
}

// An API key source that is given but empty is a mistake (an unset
// deployment variable, a typo), never a request for "no keys".
Status CheckKeySources(const ServeFlags& f) {
  if (!f.unknown_environment.empty()) return InvalidArgumentError(f.unknown_environment.front());
  if (f.api_key_file_given && f.api_key_file.empty()) {
    return InvalidArgumentError(
        "--api-key-file is empty: give the path of a key file, or leave the flag out");
  }
  if (const char* file = std::getenv("CHURNML_SERVE_API_KEY_FILE");
      file != nullptr && *file == '\0' && !f.api_key_file_given) {
    return InvalidArgumentError(
        "CHURNML_SERVE_API_KEY_FILE is set but empty: give the path of a key file, or unset it");
  }
  if (const char* keys = std::getenv("CHURNML_API_KEYS"); keys != nullptr && *keys == '\0') {
    return InvalidArgumentError("CHURNML_API_KEYS is set but empty: give keys, or unset it");
  }
  return Status::Ok();
}

// `--agent-port`: HAProxy's agent-check answered from the server's own
// /health (serving/agent_check.h); nullptr when the flag is 0.
Result<std::unique_ptr<serving::AgentCheck>> StartAgent(const ServeFlags& f, uint16_t http_port) {
  if (f.agent_port == 0) return std::unique_ptr<serving::AgentCheck>();
  serving::AgentCheckOptions agent;
  agent.host = f.host;
  agent.port = static_cast<uint16_t>(f.agent_port);
  const unsigned threads = f.threads > 0 ? static_cast<unsigned>(f.threads)
                                         : std::max(1u, std::thread::hardware_concurrency());
  agent.policy.max_in_flight = f.agent_max_in_flight > 0 ? f.agent_max_in_flight : 4.0 * threads;
  const bool any = f.host == "0.0.0.0" || f.host == "::" || f.host.empty();
  const std::string url = "http://" + (any ? std::string("127.0.0.1") : f.host) + ":" +
                          std::to_string(http_port) + "/health";
  auto probe = std::make_shared<serving::OwnHealthProbe>(
      url,
      std::chrono::duration_cast<std::chrono::milliseconds>(reliability::HealthConfig{}.interval),
      std::chrono::milliseconds(500));
  return serving::AgentCheck::Start(agent, [probe] { return probe->Sample(); });
}

// SIGHUP: serve.variant and serve.shadow from the config file, applied
// as a whole or not at all (serving::Experiments::Apply).
void ReloadExperiments(const ServeFlags& f, serving::Server& server) {
  std::error_code ec;
  if (f.config_file.empty() || !std::filesystem::exists(f.config_file, ec)) {
    Say("SIGHUP: no configuration file " + f.config_file + "; variants and shadow unchanged");
    return;
  }
  Result<ServeReloadKeys> keys = ReadServeReloadKeys(f.config_file);
  if (!keys.ok()) {
    spdlog::error("SIGHUP: configuration not reloaded: {}", keys.status().message());
    return;
  }
  serving::ExperimentConfig config;
  if (keys->has_variants) {
    std::vector<serving::VariantSpec> specs;
    for (const std::string& text : keys->variants) {
      Result<serving::VariantSpec> spec = serving::ParseVariantSpec(text);
      if (!spec.ok()) {
        spdlog::error("SIGHUP: configuration not reloaded: {}: serve.variant: {}", f.config_file,
                      spec.status().message());
        return;
      }
      specs.push_back(*spec);
    }
    config.variants = std::move(specs);
  }
  if (keys->has_shadow) config.shadow = keys->shadow;
  const std::string change = server.experiments().Describe(config);
  if (Status applied = server.ApplyExperiments(config); !applied.ok()) {
    spdlog::error("SIGHUP: configuration not reloaded ({}): {}", f.config_file, applied.message());
    return;
  }
  Say("SIGHUP: " + f.config_file + ": " + (change.empty() ? "experiments unchanged" : change));
}

int RunServe(const ServeFlags& f, const CommandContext& ctx) {
  auto started = std::chrono::steady_clock::now();
  // A server's operational events (swaps, breaker and health changes) are
  // info lines: shown unless --log-level was set to something else.
  if (ctx.globals.log_level == GlobalOptions{}.log_level) spdlog::set_level(spdlog::level::info);
  if (f.port < 0 || f.port > 65535) {
    return ReportError(
        InvalidArgumentError("--port " + std::to_string(f.port) + " is not a TCP port (0-65535)"));
  }
  if (Status keys = CheckKeySources(f); !keys.ok()) return ReportError(keys);
  if (f.agent_port < 0 || f.agent_port > 65535 || (f.agent_port != 0 && f.agent_port == f.port)) {
    return ReportError(InvalidArgumentError("--agent-port " + std::to_string(f.agent_port) +
                                            " is not a free TCP port (1-65535, 0 = off)"));
  }
  if (f.agent_port != 0 && f.protect_health) {
    return ReportError(InvalidArgumentError(
        "--agent-port reads the server's own /health, which --protect-health closes: use one"));
  }
  if (!(f.agent_drain_delay >= 0 && f.agent_drain_delay <= 300)) {
    return ReportError(InvalidArgumentError("--agent-drain-delay must be in 0..300 seconds"));
  }
  if (f.instrumentation != "on" && f.instrumentation != "off") {
    return ReportError(InvalidArgumentError("--instrumentation must be on or off, not \"" +
                                            f.instrumentation + "\""));
  }
  serving::ServeOptions options;
  options.model.ref = f.model;
  options.model.store_uri = ctx.globals.store;
  options.model.default_name = f.model_name;
  options.model.interval = Millis(f.reload_interval);
  options.http.host = f.host;
  options.http.port = static_cast<uint16_t>(f.port);
  options.http.threads = f.threads;
  options.http.max_body_bytes = f.max_body_bytes;
  options.http.max_header_bytes = f.max_header_bytes;
  options.http.header_timeout = Millis(f.header_timeout);
  options.http.read_timeout = Millis(f.read_timeout);
  options.http.write_timeout = Millis(f.write_timeout);
  options.http.idle_timeout = Millis(f.idle_timeout);
  options.http.max_connections = f.max_connections;
  options.http.drain_timeout = Millis(f.drain_timeout);
  options.prediction.max_batch = f.max_batch;
  options.scoring.model_deadline =
      std::chrono::microseconds(static_cast<int64_t>(f.model_deadline_ms * 1000));
  options.scoring.fallback = !f.no_fallback;
  options.fault_injection = f.fault_injection;
  options.server_version = kVersion;
  for (const std::string& text : f.variants) {
    Result<serving::VariantSpec> spec = serving::ParseVariantSpec(text);
    if (!spec.ok()) return ReportError(spec.status());
    options.variants.push_back(*spec);
  }
  options.shadow = f.shadow == "off" ? std::string() : f.shadow;
  if (f.shadow_queue < 1 || f.shadow_queue > 1'000'000 || f.shadow_window < 2 ||
      f.shadow_window > 1'000'000) {
    return ReportError(InvalidArgumentError(
        "--shadow-queue must be in [1, 1000000] and --shadow-window in [2, 1000000]"));
  }
  options.shadow_options.queue_requests = f.shadow_queue;
  options.shadow_options.window_pairs = f.shadow_window;
  if (f.log_features && f.prediction_log.empty()) {
    return ReportError(InvalidArgumentError("--log-features needs --prediction-log DIR"));
  }
  options.prediction_log.log_features = f.log_features;
  if (!f.prediction_log.empty()) {
    if (!(f.prediction_log_max_mb >= 0.01 && f.prediction_log_max_mb <= 4096) ||
        f.prediction_log_files < 1 || f.prediction_log_files > 1000) {
      return ReportError(InvalidArgumentError(
          "--prediction-log-max-mb must be in [0.01, 4096] and --prediction-log-files in "
          "[1, 1000]"));
    }
    options.prediction_log.dir = f.prediction_log;
    options.prediction_log.max_file_bytes =
        static_cast<size_t>(f.prediction_log_max_mb * 1024 * 1024);
    options.prediction_log.max_files = f.prediction_log_files;
  }
  options.gate.protect_health = f.protect_health;
  options.keys.file = f.api_key_file;
  if (const char* keys = std::getenv("CHURNML_API_KEYS")) options.keys.keys = keys;
  options.allow_unauthenticated = f.allow_unauthenticated;
  options.rate_limit = f.rate_limit;
  options.rate_burst = f.rate_burst;
  options.instrumentation = f.instrumentation == "on";
  options.access_log = f.access_log;
  options.alerts_file = f.alerts;
  if (f.grpc_port > 65535 || (f.grpc_port != -1 && f.grpc_port < 0) ||
      (f.grpc_port > 0 && f.grpc_port == f.port)) {
    return ReportError(InvalidArgumentError("--grpc-port " + std::to_string(f.grpc_port) +
                                            " is not a free TCP port (0-65535, not --port)"));
  }
  if (f.grpc_port >= 0) {
    options.frontends.push_back(serving::GrpcFrontendFactory(
        {.host = f.host, .port = static_cast<uint16_t>(f.grpc_port), .max_threads = 0}));
  }
  if (f.drift_window != "0") {
    Result<Clock::Duration> window = monitoring::ParseDuration(f.drift_window);
    if (!window.ok() || *window < std::chrono::seconds(1)) {
      return ReportError(InvalidArgumentError("--drift-window: \"" + f.drift_window +
                                              "\" is not a duration of at least 1s (e.g. 1h, "
                                              "15m) or 0 (off)"));
    }
    options.drift.window = std::chrono::duration_cast<std::chrono::seconds>(*window);
  } else {
    options.drift.window = std::chrono::seconds(0);
  }
  options.drift.min_rows = f.drift_min_rows;
  if (Status drift = serving::ValidateLiveDriftOptions(options.drift); !drift.ok()) {
    return ReportError(drift);
  }

  // Signals go to this thread only: block them before any server thread
  // starts (threads inherit the mask), then wait for them synchronously.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Result<std::unique_ptr<serving::Server>> server = serving::Server::Start(options, ctx.models);
  if (!server.ok()) return ReportError(server.status());
  for (const std::string& frontend : (*server)->FrontendDescriptions()) {
    Say(frontend.rfind("gRPC on ", 0) == 0
            ? "gRPC (inference.GRPCInferenceService) on " + frontend.substr(8)
            : frontend);
  }
  double ready_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  Say("serving " + (*server)->Describe() + " on http://" + f.host + ":" +
      std::to_string((*server)->port()) + " (ready in " + FormatFixed(ready_ms, 1) + " ms)");
  Result<std::unique_ptr<serving::AgentCheck>> agent = StartAgent(f, (*server)->port());
  if (!agent.ok()) return ReportError(agent.status());
  if (*agent) Say("agent-check on " + f.host + ":" + std::to_string((*agent)->port()));

  while (true) {
    int signal = 0;
    if (sigwait(&signals, &signal) != 0) continue;
    if (signal == SIGHUP) {
      Say("SIGHUP: checking the registry for a new model version");
      (*server)->Reload();
      ReloadExperiments(f, **server);
      continue;
    }
    Say(std::string(signal == SIGTERM ? "SIGTERM" : "SIGINT") +
        ": draining in-flight requests, then exiting");
    if (*agent) {
      // HAProxy reads "drain" at its next agent check and sends nothing new;
      // a second signal skips the wait.
      (*agent)->SetDraining();
      const timespec wait{static_cast<time_t>(f.agent_drain_delay),
                          static_cast<long>(std::fmod(f.agent_drain_delay, 1.0) * 1e9)};
      sigtimedwait(&signals, nullptr, &wait);
    }
    (*server)->Stop();
    (*server)->Wait();
    if (*agent) (*agent)->Stop();
    Say("stopped");
    return kExitOk;
  }
}

}  // namespace

void RegisterServeCommand(CLI::App& app, CommandContext& ctx) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* cmd = app.add_subcommand("serve", "serve predictions over HTTP (docs/api.md)");
  cmd->footer(
      "Examples:\n  churnml serve --model churn@champion --port 8000 --api-key-file keys.txt\n  "
      "churnml serve --model models/xgb --host 127.0.0.1 --port 8000 --alerts "
      "deploy/alerts/rules.yaml");
  cmd->add_option("--model", flags->model,
                  "NAME@ALIAS (watched for moves), NAME/VERSION, or a model directory")
      ->required();
  cmd->add_option("--model-name", flags->model_name,
                  "name a model served from a directory answers as")
      ->capture_default_str();
  cmd->add_option("--host", flags->host, "address to listen on")->capture_default_str();
  cmd->add_option("--port", flags->port, "TCP port (0 = any free port)")->capture_default_str();
  cmd->add_option("--grpc-port", flags->grpc_port,
                  "also serve the Open Inference Protocol over gRPC on this port (0 = any free "
                  "port; off when not given)");
  cmd->add_option("--threads", flags->threads, "io threads (0 = one per core)")
      ->capture_default_str();
  CLI::Option* key_file =
      cmd->add_option("--api-key-file", flags->api_key_file,
                      "file of API keys, one per line (>= 32 characters); CHURNML_API_KEYS adds "
                      "comma-separated keys");
  cmd->add_flag("--allow-unauthenticated", flags->allow_unauthenticated,
                "serve without API keys on an address other than loopback (refused otherwise)");
  cmd->add_option("--rate-limit", flags->rate_limit,
                  "requests per second per API key (or client host); 0 = no limit")
      ->capture_default_str();
  cmd->add_option("--rate-burst", flags->rate_burst,
                  "requests a key may send at once (0 = the rate, at least 1)")
      ->capture_default_str();
  cmd->add_option("--max-body-bytes", flags->max_body_bytes, "request body limit (413 above)")
      ->capture_default_str();
  cmd->add_option("--max-header-bytes", flags->max_header_bytes,
                  "request line + header limit, also for trailers and chunk lines (431 above)")
      ->capture_default_str();
  cmd->add_option("--max-batch", flags->max_batch, "customers per batch or infer request")
      ->capture_default_str();
  cmd->add_option("--reload-interval", flags->reload_interval,
                  "seconds between registry checks for a moved alias (0 = only on SIGHUP)")
      ->capture_default_str();
  cmd->add_flag("--protect-health", flags->protect_health,
                "require an API key on /health, /ready, /metrics and /v2/health/*");
  cmd->add_option("--header-timeout", flags->header_timeout,
                  "seconds to receive a request's header")
      ->capture_default_str();
  cmd->add_option("--read-timeout", flags->read_timeout, "seconds to receive a request's body")
      ->capture_default_str();
  cmd->add_option("--write-timeout", flags->write_timeout,
                  "seconds a client has to read a response before it is closed")
      ->capture_default_str();
  cmd->add_option("--idle-timeout", flags->idle_timeout, "seconds a keep-alive connection may idle")
      ->capture_default_str();
  cmd->add_option("--max-connections", flags->max_connections, "open connections at most")
      ->capture_default_str();
  cmd->add_option("--drain-timeout", flags->drain_timeout,
                  "seconds SIGTERM waits for in-flight requests")
      ->capture_default_str();
  cmd->add_option("--model-deadline-ms", flags->model_deadline_ms,
                  "a model call slower than this is answered by the fallback chain (0 = none)")
      ->capture_default_str();
  cmd->add_flag("--no-fallback", flags->no_fallback,
                "answer 503 instead of falling back when the model fails");
  cmd->add_option("--alerts", flags->alerts, "alert rules file (YAML, docs/alerts.md)");
  cmd->add_option("--drift-window", flags->drift_window,
                  "live drift window over scored customers (e.g. 1h, 15m; 0 = off)")
      ->capture_default_str();
  cmd->add_option("--drift-min-rows", flags->drift_min_rows,
                  "rows the live drift window needs before PSI is reported")
      ->capture_default_str();
  cmd->add_option("--access-log", flags->access_log, "JSON access log: - (stderr), off, or a file")
      ->capture_default_str();
  cmd->add_option("--instrumentation", flags->instrumentation,
                  "on or off: metrics, stage profiler and health tracking")
      ->capture_default_str();
  cmd->add_option("--variant", flags->variants,
                  "A/B variant NAME=MODELREF:WEIGHT (percent of customers, sticky by customerID; "
                  "repeatable; the --model takes the rest)");
  cmd->add_option("--shadow", flags->shadow,
                  "shadow model NAME@ALIAS, NAME/VERSION or directory: scores every request off "
                  "the request path and is compared with the answers, never returned "
                  "(docs/serving.md)");
  cmd->add_option("--shadow-queue", flags->shadow_queue,
                  "requests waiting for the shadow at most; more are dropped and counted")
      ->capture_default_str();
  cmd->add_option("--shadow-window", flags->shadow_window,
                  "customers in the shadow comparison's sliding window")
      ->capture_default_str();
  cmd->add_flag("--log-features", flags->log_features,
                "also write each customer's raw features to the prediction log (customer data: "
                "off by default)");
  cmd->add_option("--prediction-log", flags->prediction_log,
                  "directory for the prediction log (one JSON line per answered customer, "
                  "rotating; docs/serving.md)");
  cmd->add_option("--prediction-log-max-mb", flags->prediction_log_max_mb,
                  "size of one prediction-log file before it rotates, in MiB")
      ->capture_default_str();
  cmd->add_option("--prediction-log-files", flags->prediction_log_files,
                  "prediction-log files kept, the current one included")
      ->capture_default_str();
  cmd->add_flag("--enable-fault-injection", flags->fault_injection,
                "expose POST /admin/faults (delay or fail model calls; for drills and tests)");
  cmd->add_option("--agent-port", flags->agent_port,
                  "answer HAProxy's agent-check on this port with a weight from health and load "
                  "(0 = off; docs/deploy.md)")
      ->capture_default_str();
  cmd->add_option("--agent-drain-delay", flags->agent_drain_delay,
                  "seconds the agent answers drain after SIGTERM before the server stops")
      ->capture_default_str();
  cmd->add_option("--agent-max-in-flight", flags->agent_max_in_flight,
                  "requests in flight above which the agent lowers the weight (0 = 4 x threads)")
      ->capture_default_str();
  cmd->callback([flags, cmd, key_file, &ctx, &app] {
    if (const CLI::Option* config = app.get_config_ptr(); config != nullptr) {
      flags->config_file =
          config->results().empty() ? config->get_default_str() : config->results().back();
    }
    flags->api_key_file_given = key_file->count() > 0;
    flags->unknown_environment = UnknownServeVariables(*cmd);
    ctx.exit_code = RunServe(*flags, ctx);
  });
}

}  // namespace churnml::cli
