// Worker: runs jobs from the queue until told to stop. `concurrency` slots,
// each a thread with its own store connection, claim jobs of the registered
// kinds; one heartbeat thread renews every running job's lease and flags a
// job whose lease was lost (rescued elsewhere, cancelled, expired) so its
// result is not even offered; an idle slot sleeps until a PostgreSQL
// notification, the poll interval, or the stop request.
//
// Stopping (SIGTERM in `churnml worker`) drains: no new claims; running
// jobs get `drain_grace` to finish; whatever still runs then is released
// back to the queue (another worker takes it) and Run returns.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"
#include "orchestration/job_kind.h"
#include "orchestration/job_queue.h"

namespace churnml::orchestration {

// Live counters of a running worker, read by its metrics endpoint (`worker
// --metrics-port`) while the worker updates them. Thread-safe.
class WorkerCounters {
 public:
  struct Kind {
    int64_t claimed = 0;
    int64_t succeeded = 0;
    int64_t failed = 0;   // ended failed or retryable
    int64_t refused = 0;  // result refused: the lease was lost
  };
  struct Snapshot {
    std::map<std::string, Kind> by_kind;
    int64_t running = 0;
    int64_t lease_losses = 0;          // heartbeats answered "lease lost"
    int64_t lease_renew_failures = 0;  // heartbeats that could not reach the store
    // Jobs a claim could take now, per queue (JobQueue::ReadyDepths), as of
    // the last refresh: the worker's --queues (0 when empty), or every
    // queue with jobs (a queue seen once stays, at 0).
    std::map<std::string, int64_t> queue_depth;
  };

  void Update(const std::function<void(Snapshot&)>& change) CHURNML_EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    change(values_);
  }
  Snapshot Read() const CHURNML_EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    return values_;
  }

 private:
  mutable Mutex mu_;
  Snapshot values_ CHURNML_GUARDED_BY(mu_);
};

struct WorkerOptions {
  QueueOptions queue;
  std::string name;                 // recorded on claimed jobs: "host:pid" by default
  std::vector<std::string> queues;  // empty: every queue
  std::vector<std::string> kinds;   // empty: every registered kind
  int concurrency = 1;              // jobs at once
  // An idle slot looks for work at least this often (the fallback when
  // notifications are unavailable: SQLite, or a lost listen connection).
  std::chrono::milliseconds poll_interval{1000};
  // 0: a third of the lease.
  std::chrono::milliseconds heartbeat_interval{0};
  std::chrono::milliseconds drain_grace{30000};
  // How often this worker enqueues due schedule ticks (any number of workers
  // may; each tick is enqueued once). 0: never.
  std::chrono::milliseconds schedule_interval{5000};
  // Use LISTEN/NOTIFY on PostgreSQL.
  bool listen = true;
  // Stop after this many jobs ended here (0: never). For benchmarks.
  int64_t max_jobs = 0;
  // Updated as jobs start and end when set; must outlive RunWorker.
  WorkerCounters* counters = nullptr;
  // How often queue_depth in `counters` is refreshed (one query). 0: never.
  std::chrono::milliseconds depth_interval{1000};
  // Called when a job's code returned, with its kind and run time in
  // seconds (the duration histogram), from the slot's thread.
  std::function<void(const std::string& kind, double seconds)> on_job_finished;
  // Human log lines (one per job start/end, refusals, reconnects).
  std::function<void(const std::string&)> log;
};

// What the worker did (also its Prometheus-style counters).
struct WorkerReport {
  int64_t succeeded = 0;
  int64_t failed = 0;    // ended failed or retryable
  int64_t refused = 0;   // completion refused: the lease was lost
  int64_t released = 0;  // given back on drain
  int64_t lease_losses = 0;
  // True when a job's code was still running after the drain grace: the
  // caller must end the process rather than wait for it.
  bool abandoned_jobs = false;
};

// Runs until `stop` becomes true (then drains), or until max_jobs ended.
// Errors: the store cannot be opened, or no registered kind matches.
Result<WorkerReport> RunWorker(const WorkerOptions& options, const JobKindRegistry& kinds,
                               const std::atomic<bool>& stop);

}  // namespace churnml::orchestration
