// JobQueue: the job queue in the tracking store's database (schema version
// 5: jobs, job_events, job_schedules, job_queue_limits; 6: rate limits), on SQLite or
// PostgreSQL with the same SQL and the same conformance tests.
//
// Guarantees (docs/jobs.md):
// - A claim takes the first waiting job in (priority, not_before, id) order
//   with FOR UPDATE SKIP LOCKED on PostgreSQL (concurrent workers never wait
//   for each other's rows) and under BEGIN IMMEDIATE on SQLite. Every claim
//   increments the job's epoch, the fencing token.
// - Heartbeat, Complete, Fail and Release act only when the job is running
//   under the caller's epoch; otherwise they return FailedPrecondition
//   ("lease lost") and change nothing. Complete renames the job's outputs
//   from their temporary names inside that check, holding the job's row
//   lock, so a worker whose lease was rescued never publishes an output.
// - Every state change writes a job_events row in the same transaction.
//
// Thread safety: one JobQueue owns one connection; use one per thread. Any
// number of processes and machines may share the store.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "orchestration/job.h"
#include "orchestration/retry_backoff.h"
#include "tracking/tracking_store.h"

namespace churnml::orchestration {

struct QueueOptions {
  tracking::StoreOptions store;
  // Time for not-before, deadlines, leases and events (wall clock, ms since
  // the Unix epoch, from Clock::WallNow). Tests pass a ManualClock.
  const Clock* clock = &RealClock();
  // How long a claim or heartbeat keeps a job; a lease not renewed within it
  // lets any worker rescue the job.
  std::chrono::milliseconds lease{30000};
  RetryBackoffOptions backoff;
  // Attempts of one transaction on lock conflicts / serialization failures.
  int max_transaction_attempts = 30;
};

struct SubmitOutcome {
  int64_t job_id = 0;
  // False when an unfinished job with the same unique key already existed:
  // job_id is that job and nothing was added.
  bool created = true;
};

struct ClaimRequest {
  std::string worker;               // recorded on the job and its events
  std::vector<std::string> queues;  // empty: every queue
  std::vector<std::string> kinds;   // empty: every kind
};

// An output the job wrote under `temporary`, published as `final` by
// Complete only while the caller holds the current epoch.
struct FencedOutput {
  std::filesystem::path temporary;
  std::filesystem::path final;
};

// What `jobs list` filters on; empty fields match everything.
struct JobFilter {
  std::optional<JobState> state;
  std::string kind;
  std::string queue;
  std::optional<int64_t> parent_id;
  int64_t limit = 100;
};

// A recurring job (`jobs schedule add`): enqueued once per due tick of its
// cron expression (UTC). Ticks missed while no worker ran collapse into one.
struct Schedule {
  std::string name;
  std::string cron;
  std::string timezone = "UTC";
  std::string kind;
  std::vector<std::string> args;
  std::string queue = "default";
  int priority = 3;
  bool paused = false;
  std::optional<int64_t> last_tick_ms;  // the last tick enqueued
  int64_t created_ms = 0;
};

// The jobs of each queue that a claim could take now: waiting and due,
// deadline not passed, no unfinished children (concurrency and rate limits
// aside). What `churnml_jobs_queue_depth` exports.
using QueueDepths = std::map<std::string, int64_t>;

struct QueueStats {
  // queue → state name → count
  std::map<std::string, std::map<std::string, int64_t>> counts;
  // queue → age in ms of its oldest job that may start now (absent: none)
  std::map<std::string, int64_t> oldest_available_age_ms;
};

// What one maintenance pass did.
struct MaintenanceReport {
  int promoted = 0;        // scheduled/retryable → available
  int expired = 0;         // deadline passed (waiting or running)
  int rescued = 0;         // lease expired: back to available
  int failed = 0;          // lease expired on the last attempt
  int parents_failed = 0;  // a child ended failed, cancelled or expired
};

// A queue's limits across all workers (`jobs limit`). Zero: no limit.
struct QueueLimit {
  int max_running = 0;  // running jobs at once
  // At most rate_count claims per rate_period_ms, in bursts of up to
  // rate_count (GCRA: one claim every period/count once the burst is spent).
  int64_t rate_count = 0;
  int64_t rate_period_ms = 0;
};

// "10/s", "600/m", "5/h", "2/500ms" → (count, period ms); "0" or "off" →
// (0, 0). InvalidArgument naming --rate otherwise. Counts 1..1,000,000;
// periods 1 ms..1 day.
Result<std::pair<int64_t, int64_t>> ParseRate(const std::string& text);

// Whether a failure may be cured by running the job again.
enum class FailureKind { kRetryable, kPermanent };
// IOError, Unavailable and DeadlineExceeded are retryable; anything else (a
// validation error, a missing model) is permanent.
FailureKind ClassifyFailure(const Status& error);

class JobQueue {
 public:
  // Opens the store (creating or migrating it to the latest schema version).
  static Result<std::unique_ptr<JobQueue>> Open(const QueueOptions& options);

  std::string Describe() const { return store_->Describe(); }
  tracking::TrackingStore& store() { return *store_; }
  int64_t NowMs() const;

  // Adds a job (checked with ValidateSubmitRequest), or returns the
  // unfinished job with the same unique key. On PostgreSQL, notifies the
  // channel "churnml_jobs" on commit so listening workers wake.
  Result<SubmitOutcome> Submit(const SubmitRequest& request);

  // Adds `parent` and `children` (each child's parent_id becomes the
  // parent's id) in one transaction: all of them or none. A job with
  // children is not claimed until every child succeeded (the partitions of
  // `predict --partitions` run first, their merge last); a child that ends
  // failed, cancelled or expired fails the parent at the next maintenance
  // pass, which cancels the other children. When the parent's unique key
  // matches an unfinished job, returns that job and adds nothing.
  Result<SubmitOutcome> SubmitWithChildren(const SubmitRequest& parent,
                                           const std::vector<SubmitRequest>& children);

  // Runs a maintenance pass first (promotions, deadlines, rescues), then
  // claims the first job that may start, honouring per-queue running
  // limits. nullopt when none. The returned job carries the new epoch.
  Result<std::optional<Job>> Claim(const ClaimRequest& request);

  // Extends the lease by QueueOptions::lease. FailedPrecondition when the
  // lease was lost (rescued, cancelled, expired); DeadlineExceeded when the
  // job's deadline passed (the job is then `expired`).
  Status Heartbeat(const Lease& lease);

  // running → succeeded with `result_json` (lineage) after renaming each
  // output to its final name. FailedPrecondition when the lease was lost:
  // nothing is renamed or recorded. IOError when a rename fails (the job
  // stays running; the caller reports it with Fail).
  Status Complete(const Lease& lease, const std::vector<FencedOutput>& outputs,
                  const std::string& result_json);

  // running → retryable (after the backoff) when `kind` is retryable and
  // attempts remain, else → failed. The error is the event's message.
  // Returns the new state. FailedPrecondition when the lease was lost.
  Result<JobState> Fail(const Lease& lease, const Status& error, FailureKind kind);

  // running → available without using up the attempt (a draining worker
  // gives its job back). FailedPrecondition when the lease was lost.
  Status Release(const Lease& lease, const std::string& reason);

  // A waiting or running job → cancelled (a running job's worker notices at
  // its next heartbeat), with its unfinished children. FailedPrecondition
  // when the job already finished.
  Status Cancel(int64_t job_id, const std::string& by);
  // failed, cancelled or expired → available with one more attempt; so do
  // its children in those states. FailedPrecondition from any other state.
  Status Retry(int64_t job_id, const std::string& by);

  // Promotes due jobs, expires jobs past their deadline and rescues running
  // jobs whose lease expired. Safe to run from any number of processes.
  Result<MaintenanceReport> Maintain(const std::string& by);

  // Per-queue limit on running jobs across all workers; 0 removes it. The
  // queue's rate limit stays.
  Status SetQueueLimit(const std::string& queue, int max_running);
  // Per-queue rate of claims across all workers: at most `count` per
  // `period`; count 0 removes it. The running cap stays.
  Status SetQueueRate(const std::string& queue, int64_t count, std::chrono::milliseconds period);
  Result<std::map<std::string, QueueLimit>> QueueLimits();

  // --- schedules (job_schedules.cc) ---------------------------------------
  // Adds a schedule; its first tick is the first after now. InvalidArgument
  // for a bad name, cron or timezone (only UTC); AlreadyExists for a name in use.
  Status AddSchedule(const Schedule& schedule);
  // NotFound for an unknown name.
  Status RemoveSchedule(const std::string& name);
  Status PauseSchedule(const std::string& name, bool paused);
  Result<std::vector<Schedule>> ListSchedules();
  // For each unpaused schedule with a tick due (≤ now) after its last one:
  // enqueues one job for the latest due tick (missed ticks collapse into
  // one) with unique key "schedule:NAME:TICK_MS", and moves last_tick_ms to
  // that tick — a compare-and-set in the same transaction, under the
  // schedule row's lock (FOR UPDATE SKIP LOCKED on PostgreSQL), so any number
  // of workers calling this at once enqueue each tick exactly once. Returns
  // the ids of the jobs added.
  Result<std::vector<int64_t>> EnqueueDueSchedules(const std::string& by);

  Result<Job> Get(int64_t job_id);
  Result<std::vector<Job>> List(const JobFilter& filter);
  Result<std::vector<JobEvent>> Events(int64_t job_id);
  Result<QueueStats> Stats();
  Result<QueueDepths> ReadyDepths();

  // Runs `body` in a write transaction on the store's connection, retried
  // on lock conflicts (schedules use it too).
  Status InTransaction(const std::function<Status()>& body);
  tracking::SqlConnection& connection() { return store_->connection(); }

 private:
  JobQueue(std::unique_ptr<tracking::TrackingStore> store, QueueOptions options);

  // The row of `lease.job_id` locked for the rest of the transaction, if it
  // is running under lease.epoch; else FailedPrecondition "lease lost".
  Result<Job> LockLeased(const Lease& lease);
  // Submit's body, inside the caller's write transaction.
  Result<SubmitOutcome> SubmitInTransaction(const SubmitRequest& request);
  Result<std::optional<Job>> LockJob(int64_t job_id);
  Status Move(const Job& job, JobState to, const std::string& worker, const std::string& message,
              const std::string& extra_set = "", const std::vector<tracking::SqlValue>& extra = {});
  Result<std::vector<Job>> QueryJobs(const std::string& where_and_order,
                                     const std::vector<tracking::SqlValue>& params);
  std::string LockClause();  // " FOR UPDATE" on PostgreSQL
  std::string SkipLockedClause();
  Result<MaintenanceReport> MaintainInTransaction(const std::string& by);
  // Upserts a queue's limits row with `change` applied; deletes a row left
  // with no limit.
  Status UpdateQueueLimit(const std::string& queue, const std::function<void(QueueLimit&)>& change);

  std::unique_ptr<tracking::TrackingStore> store_;
  QueueOptions options_;
  std::mt19937_64 jitter_;
};

}  // namespace churnml::orchestration
