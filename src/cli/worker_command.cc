// `churnml worker`: runs queued jobs until SIGTERM/SIGINT, then drains.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>

#include "cli/job_kinds.h"
#include "cli/jobs_command.h"
#include "common/mutex.h"
#include "common/strings.h"
#include "common/time_format.h"
#include "monitoring/metrics_registry.h"
#include "orchestration/worker.h"
#include "serving/http/http_server.h"

namespace churnml::cli {
namespace {

struct WorkerFlags {
  std::vector<std::string> queues;
  std::vector<std::string> kinds;
  int concurrency = 1;
  std::string name;
  double lease_s = 30;
  double poll_s = 1;
  double schedule_s = 5;
  double grace_s = 30;
  double retry_base_s = 30;
  double retry_cap_s = 3600;
  int64_t max_jobs = 0;
  bool no_listen = false;
  int metrics_port = -1;  // -1: no metrics endpoint
  std::string metrics_host = "127.0.0.1";
};

// The worker's Prometheus families, read from its live counters.
void CollectWorkerMetrics(const orchestration::WorkerCounters& counters,
                          monitoring::CollectorSink& sink) {
  const orchestration::WorkerCounters::Snapshot c = counters.Read();
  for (const auto& [kind, k] : c.by_kind) {
    monitoring::LabelPairs labels = {{"kind", kind}};
    sink.AddCounter("churnml_worker_jobs_claimed_total", "Jobs this worker claimed", labels,
                    static_cast<double>(k.claimed));
    sink.AddCounter("churnml_worker_jobs_succeeded_total", "Jobs this worker completed", labels,
                    static_cast<double>(k.succeeded));
    sink.AddCounter("churnml_worker_jobs_failed_total",
                    "Jobs that failed here (retryable or for good)", labels,
                    static_cast<double>(k.failed));
    sink.AddCounter("churnml_worker_jobs_refused_total",
                    "Results refused because the lease was lost", labels,
                    static_cast<double>(k.refused));
  }
  sink.AddGauge("churnml_worker_jobs_running", "Jobs running on this worker now", {},
                static_cast<double>(c.running));
  sink.AddCounter("churnml_worker_lease_losses_total",
                  "Heartbeats answered lease lost (rescued, cancelled, expired)", {},
                  static_cast<double>(c.lease_losses));
  sink.AddCounter("churnml_worker_lease_renew_failures_total",
                  "Heartbeats that could not reach the store", {},
                  static_cast<double>(c.lease_renew_failures));
  for (const auto& [queue, depth] : c.queue_depth) {
    sink.AddGauge("churnml_jobs_queue_depth",
                  "Jobs of the queue that could start now (waiting, due, not blocked by "
                  "unfinished children), as this worker last read the store",
                  {{"queue", queue}}, static_cast<double>(depth));
  }
}

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(seconds * 1000)));
}

std::string DefaultName() {
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  return std::string(host) + ":" + std::to_string(::getpid());
}

int RunWorkerCommand(const WorkerFlags& f, const CommandContext& ctx) {
  // Block SIGTERM/SIGINT in every thread (created after this) and wait for
  // them in one: stopping is a flag, never work in a signal handler.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // The metrics endpoint (threads created now inherit the blocked signals).
  orchestration::WorkerCounters counters;
  monitoring::MetricsRegistry metrics;
  metrics.AddCollector(
      [&counters](monitoring::CollectorSink& sink) { CollectWorkerMetrics(counters, sink); });
  Result<monitoring::HistogramFamily*> durations = metrics.AddHistogram(
      "churnml_worker_job_duration_seconds",
      "Run time of the jobs this worker ran (the job's code, until it returned)", {"kind"},
      {0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600});
  if (!durations.ok()) return ReportError(durations.status());
  std::unique_ptr<serving::HttpServer> metrics_server;
  if (f.metrics_port >= 0) {
    serving::HttpServerOptions http;
    http.host = f.metrics_host;
    http.port = static_cast<uint16_t>(f.metrics_port);
    http.threads = 1;
    auto started = serving::HttpServer::Start(
        http, [&metrics](serving::HttpRequest& request, serving::HttpResponse& response) {
          if (request.path != "/metrics") {
            response.status = 404;
            response.body = "{\"error\":\"not found: the worker serves /metrics\"}";
            return;
          }
          response.content_type = "text/plain; version=0.0.4; charset=utf-8";
          response.body = metrics.RenderText();
        });
    if (!started.ok()) return ReportError(started.status().WithContext("--metrics-port"));
    metrics_server = std::move(started).value();
  }
  std::atomic<bool> stop{false};
  std::atomic<int> got_signal{0};
  std::atomic<bool> watcher_done{false};
  // Waits for SIGTERM/SIGINT in short slices, so that it can also be told to
  // end (the worker stopped by itself: --max-jobs, an error) without a
  // signal sent to the thread: a SIGTERM aimed at it would also be recorded
  // as the signal that stopped the worker.
  std::thread watcher([&] {
    const timespec slice{0, 100 * 1000 * 1000};
    while (!watcher_done.load()) {
      int sig = sigtimedwait(&signals, nullptr, &slice);
      if (sig > 0) {
        got_signal = sig;
        stop = true;
        return;
      }
    }
  });

  orchestration::JobKindRegistry kinds;
  Status registered = RegisterJobKinds(kinds, ctx.globals);
  orchestration::WorkerOptions options;
  options.queue = JobQueueOptions(ctx.globals);
  options.queue.lease = Millis(f.lease_s);
  options.queue.backoff.base = Millis(f.retry_base_s);
  options.queue.backoff.cap = Millis(f.retry_cap_s);
  options.name = f.name.empty() ? DefaultName() : f.name;
  options.queues = f.queues;
  options.kinds = f.kinds;
  options.concurrency = f.concurrency;
  options.poll_interval = Millis(f.poll_s);
  options.schedule_interval = Millis(f.schedule_s);
  options.drain_grace = Millis(f.grace_s);
  options.listen = !f.no_listen;
  options.max_jobs = f.max_jobs;
  options.counters = &counters;
  options.on_job_finished = [family = *durations](const std::string& kind, double seconds) {
    family->WithLabels({kind}).Observe(seconds);
  };
  Mutex log_mu;  // one line at a time on stderr
  options.log = [&log_mu, name = options.name](const std::string& line) {
    MutexLock lock(&log_mu);
    std::fprintf(stderr, "%s worker %s: %s\n",
                 FormatUtcMillis(std::chrono::system_clock::now()).c_str(), name.c_str(),
                 line.c_str());
  };
  if (metrics_server) {
    options.log("metrics on http://" + f.metrics_host + ":" +
                std::to_string(metrics_server->port()) + "/metrics");
  }
  Result<orchestration::WorkerReport> report =
      registered.ok() ? orchestration::RunWorker(options, kinds, stop)
                      : Result<orchestration::WorkerReport>(registered);
  // End the signal watcher if no signal came (max_jobs reached, or an error).
  watcher_done = true;
  watcher.join();
  if (!report.ok()) return ReportError(report.status());
  options.log("stopped: " + std::to_string(report->succeeded) + " succeeded, " +
              std::to_string(report->failed) + " failed, " + std::to_string(report->refused) +
              " refused (lease lost), " + std::to_string(report->released) + " released");
  if (report->abandoned_jobs) {
    // A job's code did not return within the grace; its lease was released.
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(got_signal.load() != 0 ? 128 + got_signal.load() : kExitError);
  }
  return kExitOk;
}

}  // namespace

void RegisterWorkerCommand(CLI::App& app, CommandContext& ctx) {
  auto f = std::make_shared<WorkerFlags>();
  CLI::App* cmd =
      app.add_subcommand("worker", "Run queued jobs (any number of workers, any machine)");
  cmd->add_option("--queues", f->queues, "only these queues (comma-separated; default: all)")
      ->delimiter(',');
  cmd->add_option("--kinds", f->kinds, "only these kinds (comma-separated; default: all)")
      ->delimiter(',');
  cmd->add_option("--concurrency", f->concurrency, "jobs at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cmd->add_option("--name", f->name, "worker name on jobs and events (default: host:pid)");
  cmd->add_option("--lease", f->lease_s, "seconds a claim holds a job without a heartbeat")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 86400.0));
  cmd->add_option("--poll", f->poll_s, "seconds between looks for work when idle")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 3600.0));
  cmd->add_option("--schedule-interval", f->schedule_s,
                  "seconds between looks for due schedule ticks (0 = never)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  cmd->add_option("--metrics-port", f->metrics_port,
                  "serve Prometheus metrics on this port at /metrics (0: any free port)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--metrics-host", f->metrics_host, "address the metrics endpoint binds")
      ->capture_default_str();
  cmd->add_option("--grace", f->grace_s, "seconds running jobs get to finish on SIGTERM")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 86400.0));
  cmd->add_option("--retry-base", f->retry_base_s, "seconds before the first retry (doubles)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 86400.0));
  cmd->add_option("--retry-cap", f->retry_cap_s, "longest wait between retries, seconds")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 604800.0));
  cmd->add_option("--max-jobs", f->max_jobs, "exit after this many jobs (0 = run until SIGTERM)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--no-listen", f->no_listen, "poll only, no PostgreSQL LISTEN/NOTIFY");
  cmd->footer(
      "Examples:\n"
      "  churnml --store postgresql://ml@db/churn?artifact_root=/shared/mlruns worker "
      "--concurrency 2\n"
      "  churnml worker --queues batch --kinds predict --lease 60");
  cmd->callback([f, &ctx] { ctx.exit_code = RunWorkerCommand(*f, ctx); });
}

}  // namespace churnml::cli
