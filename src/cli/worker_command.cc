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
#include <mutex>
#include <thread>

#include "cli/job_kinds.h"
#include "cli/jobs_command.h"
#include "common/strings.h"
#include "common/time_format.h"
#include "orchestration/worker.h"

namespace churnml::cli {
namespace {

struct WorkerFlags {
  std::vector<std::string> queues;
  std::vector<std::string> kinds;
  int concurrency = 1;
  std::string name;
  double lease_s = 30;
  double poll_s = 1;
  double grace_s = 30;
  double retry_base_s = 30;
  double retry_cap_s = 3600;
  int64_t max_jobs = 0;
  bool no_listen = false;
};

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
  std::atomic<bool> stop{false};
  std::atomic<int> got_signal{0};
  std::thread watcher([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    got_signal = sig;
    stop = true;
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
  options.drain_grace = Millis(f.grace_s);
  options.listen = !f.no_listen;
  options.max_jobs = f.max_jobs;
  std::mutex log_mu;
  options.log = [&log_mu, name = options.name](const std::string& line) {
    std::lock_guard lock(log_mu);
    std::fprintf(stderr, "%s worker %s: %s\n",
                 FormatUtcMillis(std::chrono::system_clock::now()).c_str(), name.c_str(),
                 line.c_str());
  };
  Result<orchestration::WorkerReport> report =
      registered.ok() ? orchestration::RunWorker(options, kinds, stop)
                      : Result<orchestration::WorkerReport>(registered);
  // Wake the signal watcher if no signal came (max_jobs reached, or an error).
  if (got_signal.load() == 0) pthread_kill(watcher.native_handle(), SIGTERM);
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
