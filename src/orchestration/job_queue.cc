// The queue's transactions. One file past the usual size: every statement
// on the jobs table and its fencing checks live together so the guarantees
// in job_queue.h can be read in one place.
#include "orchestration/job_queue.h"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <thread>

namespace churnml::orchestration {
namespace {

namespace fs = std::filesystem;
using tracking::AsInt;
using tracking::AsString;
using tracking::IsNull;
using tracking::SqlDialect;
using tracking::SqlRow;
using tracking::SqlRows;
using tracking::SqlValue;

constexpr char kColumns[] =
    "job_id, kind, args, queue, priority, state, not_before_ms, deadline_ms, attempt, "
    "max_attempts, epoch, lease_expires_ms, worker, unique_key, submitter, parent_id, "
    "created_ms, started_ms, finished_ms, updated_ms, last_error, result";

constexpr char kUnfinished[] = "('scheduled', 'available', 'running', 'retryable')";
// A job may start only when none of its children (partitions) is unfinished.
constexpr char kChildrenDone[] =
    " AND NOT EXISTS (SELECT 1 FROM jobs c WHERE c.parent_id = jobs.job_id AND "
    "c.state <> 'succeeded')";
// Waiting and due now, deadline not passed (two parameters: now, now).
constexpr char kReadyNow[] =
    "(state = 'available' OR (state IN ('scheduled', 'retryable') AND "
    "not_before_ms <= ?)) AND (deadline_ms IS NULL OR deadline_ms > ?)";
// At most this many rows per maintenance step, so one pass stays short.
constexpr int kMaintenanceBatch = 500;

std::optional<int64_t> OptionalInt(const SqlValue& v) {
  if (IsNull(v)) return std::nullopt;
  return AsInt(v);
}

SqlValue OrNull(const std::optional<int64_t>& v) {
  if (!v) return std::monostate{};
  return *v;
}

SqlValue OrNull(const std::string& v) {
  if (v.empty()) return std::monostate{};
  return v;
}

std::string ArgsJson(const std::vector<std::string>& args) { return nlohmann::json(args).dump(); }

std::vector<std::string> ParseArgs(const std::string& text) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  std::vector<std::string> args;
  if (!doc.is_array()) return args;
  for (const auto& a : doc) {
    if (a.is_string()) args.push_back(a.get<std::string>());
  }
  return args;
}

Result<Job> RowToJob(const SqlRow& r) {
  Job job;
  job.id = AsInt(r[0]);
  job.kind = AsString(r[1]);
  job.args = ParseArgs(AsString(r[2]));
  job.queue = AsString(r[3]);
  job.priority = static_cast<int>(AsInt(r[4]));
  CHURNML_ASSIGN_OR_RETURN(job.state, ParseJobState(AsString(r[5])));
  job.not_before_ms = AsInt(r[6]);
  job.deadline_ms = OptionalInt(r[7]);
  job.attempt = static_cast<int>(AsInt(r[8]));
  job.max_attempts = static_cast<int>(AsInt(r[9]));
  job.epoch = AsInt(r[10]);
  job.lease_expires_ms = OptionalInt(r[11]);
  job.worker = AsString(r[12]);
  job.unique_key = AsString(r[13]);
  job.submitter = AsString(r[14]);
  job.parent_id = OptionalInt(r[15]);
  job.created_ms = AsInt(r[16]);
  job.started_ms = OptionalInt(r[17]);
  job.finished_ms = OptionalInt(r[18]);
  job.updated_ms = AsInt(r[19]);
  job.last_error = AsString(r[20]);
  job.result = AsString(r[21]);
  return job;
}

std::string Placeholders(size_t n) {
  std::string out = "(";
  for (size_t i = 0; i < n; ++i) out += i == 0 ? "?" : ", ?";
  return out + ")";
}

Status LeaseLost(const Job& job, const Lease& lease) {
  return FailedPreconditionError(
      "job " + std::to_string(job.id) + ": lease lost (epoch " + std::to_string(lease.epoch) +
      " presented; the job is " + std::string(JobStateName(job.state)) + " at epoch " +
      std::to_string(job.epoch) + (job.worker.empty() ? "" : " held by " + job.worker) + ")");
}

// Renames temporary → final. A retried transaction may find it done already.
Status Publish(const FencedOutput& output) {
  std::error_code ec;
  if (!fs::exists(output.temporary, ec) && fs::exists(output.final, ec)) return Status::Ok();
  fs::rename(output.temporary, output.final, ec);
  if (ec) {
    return IOError("cannot rename " + output.temporary.string() + " to " + output.final.string() +
                   ": " + ec.message());
  }
  return Status::Ok();
}

}  // namespace

Result<std::pair<int64_t, int64_t>> ParseRate(const std::string& text) {
  if (text == "0" || text == "off") return std::make_pair(int64_t{0}, int64_t{0});
  const size_t slash = text.find('/');
  const auto bad = [&] {
    return InvalidArgumentError("--rate \"" + text +
                                "\" is not COUNT/PERIOD like 10/s, 600/m, 5/h or 2/500ms "
                                "(or off)");
  };
  if (slash == std::string::npos || slash == 0) return bad();
  int64_t count = 0;
  for (char c : text.substr(0, slash)) {
    if (c < '0' || c > '9' || count > 1000000) return bad();
    count = count * 10 + (c - '0');
  }
  std::string period = text.substr(slash + 1);
  int64_t scale = 0;
  for (const auto& [unit, ms] : std::initializer_list<std::pair<const char*, int64_t>>{
           {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}}) {
    const std::string u = unit;
    if (period.size() >= u.size() && period.compare(period.size() - u.size(), u.size(), u) == 0 &&
        (period.size() == u.size() ||
         std::isdigit(static_cast<unsigned char>(period[period.size() - u.size() - 1])))) {
      scale = ms;
      period.resize(period.size() - u.size());
      break;
    }
  }
  if (scale == 0) return bad();
  int64_t amount = 1;
  if (!period.empty()) {
    amount = 0;
    for (char c : period) {
      if (c < '0' || c > '9' || amount > 86400000) return bad();
      amount = amount * 10 + (c - '0');
    }
  }
  const int64_t period_ms = amount * scale;
  if (count < 1 || count > 1000000 || period_ms < 1 || period_ms > 86400000) {
    return InvalidArgumentError("--rate \"" + text +
                                "\": the count must be 1-1,000,000 and the period 1 ms-1 day");
  }
  return std::make_pair(count, period_ms);
}

FailureKind ClassifyFailure(const Status& error) {
  switch (error.code()) {
    case StatusCode::kIOError:
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
      return FailureKind::kRetryable;
    default:
      return FailureKind::kPermanent;
  }
}

Result<std::unique_ptr<JobQueue>> JobQueue::Open(const QueueOptions& options) {
  tracking::StoreOptions store_options = options.store;
  store_options.schema_version = 0;  // the queue needs the latest schema
  CHURNML_ASSIGN_OR_RETURN(std::unique_ptr<tracking::TrackingStore> store,
                           tracking::TrackingStore::Open(store_options));
  return std::unique_ptr<JobQueue>(new JobQueue(std::move(store), options));
}

JobQueue::JobQueue(std::unique_ptr<tracking::TrackingStore> store, QueueOptions options)
    : store_(std::move(store)), options_(std::move(options)), jitter_(std::random_device{}()) {
  if (options_.clock == nullptr) options_.clock = &RealClock();
  if (options_.max_transaction_attempts < 1) options_.max_transaction_attempts = 1;
}

int64_t JobQueue::NowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             options_.clock->WallNow().time_since_epoch())
      .count();
}

std::string JobQueue::LockClause() {
  return connection().dialect() == SqlDialect::kPostgres ? " FOR UPDATE" : "";
}

std::string JobQueue::SkipLockedClause() {
  return connection().dialect() == SqlDialect::kPostgres ? " FOR UPDATE SKIP LOCKED" : "";
}

Status JobQueue::InTransaction(const std::function<Status()>& body) {
  tracking::SqlConnection& c = connection();
  Status last;
  for (int attempt = 1; attempt <= options_.max_transaction_attempts; ++attempt) {
    Status s = c.Begin(tracking::TransactionMode::kWrite);
    if (s.ok()) s = body();
    if (s.ok()) s = c.Commit();
    if (s.ok()) return s;
    bool retryable = c.LastErrorRetryable();
    c.Rollback();
    if (!retryable) return s;
    last = s;
    // Full jitter on an exponential cap, as the store's own transactions.
    int cap_ms = std::min(200, 2 << std::min(attempt, 7));
    std::this_thread::sleep_for(std::chrono::milliseconds(jitter_() % (cap_ms + 1)));
  }
  return UnavailableError(last.message() + " (gave up after " +
                          std::to_string(options_.max_transaction_attempts) + " attempts)");
}

Result<std::vector<Job>> JobQueue::QueryJobs(const std::string& where_and_order,
                                             const std::vector<SqlValue>& params) {
  CHURNML_ASSIGN_OR_RETURN(SqlRows rows, connection().Query(std::string("SELECT ") + kColumns +
                                                                " FROM jobs " + where_and_order,
                                                            params));
  std::vector<Job> jobs;
  jobs.reserve(rows.size());
  for (const SqlRow& row : rows) {
    CHURNML_ASSIGN_OR_RETURN(Job job, RowToJob(row));
    jobs.push_back(std::move(job));
  }
  return jobs;
}

Status JobQueue::Move(const Job& job, JobState to, const std::string& worker,
                      const std::string& message, const std::string& extra_set,
                      const std::vector<SqlValue>& extra) {
  int64_t now = NowMs();
  std::vector<SqlValue> params = {std::string(JobStateName(to)), now};
  params.insert(params.end(), extra.begin(), extra.end());
  params.push_back(job.id);
  CHURNML_RETURN_IF_ERROR(connection().Query("UPDATE jobs SET state = ?, updated_ms = ?" +
                                                 (extra_set.empty() ? "" : ", " + extra_set) +
                                                 " WHERE job_id = ?",
                                             params));
  return connection()
      .Query(
          "INSERT INTO job_events (job_id, at_ms, from_state, to_state, attempt, epoch, worker, "
          "message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          {job.id, now, std::string(JobStateName(job.state)), std::string(JobStateName(to)),
           int64_t{job.attempt}, job.epoch, OrNull(worker), OrNull(message)})
      .status();
}

Result<std::optional<Job>> JobQueue::LockJob(int64_t job_id) {
  CHURNML_ASSIGN_OR_RETURN(std::vector<Job> jobs,
                           QueryJobs("WHERE job_id = ?" + LockClause(), {job_id}));
  if (jobs.empty()) return std::optional<Job>();
  return std::optional<Job>(std::move(jobs[0]));
}

Result<Job> JobQueue::LockLeased(const Lease& lease) {
  CHURNML_ASSIGN_OR_RETURN(std::optional<Job> job, LockJob(lease.job_id));
  if (!job) return NotFoundError("job " + std::to_string(lease.job_id) + " does not exist");
  if (job->state != JobState::kRunning || job->epoch != lease.epoch) return LeaseLost(*job, lease);
  return *std::move(job);
}

Result<SubmitOutcome> JobQueue::Submit(const SubmitRequest& request) {
  CHURNML_RETURN_IF_ERROR(ValidateSubmitRequest(request));
  SubmitOutcome outcome;
  Status s = InTransaction([&]() -> Status {
    CHURNML_ASSIGN_OR_RETURN(outcome, SubmitInTransaction(request));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return outcome;
}

Result<SubmitOutcome> JobQueue::SubmitWithChildren(const SubmitRequest& parent,
                                                   const std::vector<SubmitRequest>& children) {
  CHURNML_RETURN_IF_ERROR(ValidateSubmitRequest(parent));
  for (const SubmitRequest& child : children) CHURNML_RETURN_IF_ERROR(ValidateSubmitRequest(child));
  SubmitOutcome outcome;
  Status s = InTransaction([&]() -> Status {
    CHURNML_ASSIGN_OR_RETURN(outcome, SubmitInTransaction(parent));
    if (!outcome.created) return Status::Ok();
    for (SubmitRequest child : children) {
      child.parent_id = outcome.job_id;
      CHURNML_ASSIGN_OR_RETURN(SubmitOutcome added, SubmitInTransaction(child));
      if (!added.created) {
        return AlreadyExistsError("child job's unique key \"" + child.unique_key +
                                  "\" is held by unfinished job " + std::to_string(added.job_id));
      }
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return outcome;
}

Result<SubmitOutcome> JobQueue::SubmitInTransaction(const SubmitRequest& request) {
  SubmitOutcome outcome;
  {
    int64_t now = NowMs();
    int64_t not_before = request.not_before_ms > 0 ? request.not_before_ms : now;
    if (request.deadline_ms && *request.deadline_ms <= not_before) {
      return InvalidArgumentError("--deadline has passed already");
    }
    JobState state = not_before > now ? JobState::kScheduled : JobState::kAvailable;
    if (!request.unique_key.empty()) {
      CHURNML_ASSIGN_OR_RETURN(
          SqlRows existing,
          connection().Query(
              std::string("SELECT job_id FROM jobs WHERE unique_key = ? AND state IN ") +
                  kUnfinished,
              {request.unique_key}));
      if (!existing.empty()) {
        return SubmitOutcome{AsInt(existing[0][0]), false};
      }
    }
    // ON CONFLICT DO NOTHING: a concurrent submission with the same unique
    // key committed first (the partial unique index); return that job.
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows inserted,
        connection().Query(
            "INSERT INTO jobs (kind, args, queue, priority, state, not_before_ms, deadline_ms, "
            "max_attempts, unique_key, submitter, parent_id, created_ms, updated_ms) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING "
            "job_id",
            {request.kind, ArgsJson(request.args), request.queue, int64_t{request.priority},
             std::string(JobStateName(state)), not_before, OrNull(request.deadline_ms),
             int64_t{request.max_attempts}, OrNull(request.unique_key), request.submitter,
             OrNull(request.parent_id), now, now}));
    if (inserted.empty()) {
      CHURNML_ASSIGN_OR_RETURN(
          SqlRows existing,
          connection().Query(
              std::string("SELECT job_id FROM jobs WHERE unique_key = ? AND state IN ") +
                  kUnfinished,
              {request.unique_key}));
      if (existing.empty()) return UnavailableError("unique key conflict; submit again");
      return SubmitOutcome{AsInt(existing[0][0]), false};
    }
    outcome.job_id = AsInt(inserted[0][0]);
    CHURNML_RETURN_IF_ERROR(connection().Query(
        "INSERT INTO job_events (job_id, at_ms, from_state, to_state, attempt, epoch, worker, "
        "message) VALUES (?, ?, ?, ?, 0, 0, NULL, ?)",
        {outcome.job_id, now, std::string(JobStateName(state)), std::string(JobStateName(state)),
         "submitted" + (request.submitter.empty() ? "" : " by " + request.submitter)}));
    if (connection().dialect() == SqlDialect::kPostgres) {
      CHURNML_RETURN_IF_ERROR(
          connection().Query("SELECT pg_notify('churnml_jobs', ?)", {request.queue}));
    }
  }
  return outcome;
}

Result<std::optional<Job>> JobQueue::Claim(const ClaimRequest& request) {
  std::optional<Job> claimed;
  Status s = InTransaction([&]() -> Status {
    claimed.reset();
    CHURNML_RETURN_IF_ERROR(MaintainInTransaction(request.worker).status());
    int64_t now = NowMs();
    std::vector<SqlValue> params = {now, now};
    std::string where = std::string("WHERE ") + kReadyNow + kChildrenDone;
    if (!request.queues.empty()) {
      where += " AND queue IN " + Placeholders(request.queues.size());
      params.insert(params.end(), request.queues.begin(), request.queues.end());
    }
    if (!request.kinds.empty()) {
      where += " AND kind IN " + Placeholders(request.kinds.size());
      params.insert(params.end(), request.kinds.begin(), request.kinds.end());
    }
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows limits,
        connection().Query("SELECT queue, max_running, rate_count, rate_period_ms, rate_tat_us "
                           "FROM job_queue_limits" +
                               LockClause(),
                           {}));
    // The limit rows stay locked until COMMIT, so claims on limited queues
    // take turns: the running count below is exact, and so is the rate.
    bool capped = false;
    std::vector<std::string> rate_blocked;
    std::map<std::string, std::pair<int64_t, int64_t>> rate_tat;  // queue → (tat µs, interval µs)
    const int64_t now_us = now * 1000;
    for (const SqlRow& r : limits) {
      if (AsInt(r[1]) > 0) capped = true;
      const int64_t count = AsInt(r[2]), period_ms = AsInt(r[3]);
      if (count <= 0 || period_ms <= 0) continue;
      // GCRA: a claim conforms when the theoretical arrival time is at most
      // the burst tolerance ahead of now.
      const int64_t interval_us = std::max<int64_t>(1, period_ms * 1000 / count);
      const int64_t tat = std::max(AsInt(r[4]), now_us);
      if (tat - now_us > (count - 1) * interval_us) {
        rate_blocked.push_back(AsString(r[0]));
      } else {
        rate_tat[AsString(r[0])] = {tat, interval_us};
      }
    }
    if (capped) {
      where +=
          " AND (queue NOT IN (SELECT queue FROM job_queue_limits WHERE max_running > 0) OR "
          "(SELECT COUNT(*) FROM jobs r WHERE r.queue = jobs.queue AND r.state = 'running') < "
          "(SELECT l.max_running FROM job_queue_limits l WHERE l.queue = jobs.queue))";
    }
    if (!rate_blocked.empty()) {
      where += " AND queue NOT IN " + Placeholders(rate_blocked.size());
      params.insert(params.end(), rate_blocked.begin(), rate_blocked.end());
    }
    CHURNML_ASSIGN_OR_RETURN(
        std::vector<Job> jobs,
        QueryJobs(where + " ORDER BY priority, not_before_ms, job_id LIMIT 1" + SkipLockedClause(),
                  params));
    if (jobs.empty()) return Status::Ok();
    Job job = std::move(jobs[0]);
    Job next = job;
    next.attempt = job.attempt + 1;
    next.epoch = job.epoch + 1;
    next.worker = request.worker;
    next.lease_expires_ms = now + options_.lease.count();
    next.started_ms = now;
    Job for_event = next;
    for_event.state = job.state;
    CHURNML_RETURN_IF_ERROR(
        Move(for_event, JobState::kRunning, request.worker,
             "attempt " + std::to_string(next.attempt) + " of " + std::to_string(job.max_attempts),
             "attempt = ?, epoch = ?, worker = ?, lease_expires_ms = ?, started_ms = ?",
             {int64_t{next.attempt}, next.epoch, request.worker, *next.lease_expires_ms, now}));
    if (auto rate = rate_tat.find(job.queue); rate != rate_tat.end()) {
      CHURNML_RETURN_IF_ERROR(
          connection()
              .Query("UPDATE job_queue_limits SET rate_tat_us = ? WHERE queue = ?",
                     {rate->second.first + rate->second.second, job.queue})
              .status());
    }
    next.state = JobState::kRunning;
    claimed = std::move(next);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return claimed;
}

Status JobQueue::Heartbeat(const Lease& lease) {
  int64_t now = NowMs();
  CHURNML_ASSIGN_OR_RETURN(
      SqlRows renewed,
      connection().Query("UPDATE jobs SET lease_expires_ms = ?, updated_ms = ? WHERE job_id = ? "
                         "AND epoch = ? AND state = 'running' AND "
                         "(deadline_ms IS NULL OR deadline_ms > ?) RETURNING job_id",
                         {now + options_.lease.count(), now, lease.job_id, lease.epoch, now}));
  if (!renewed.empty()) return Status::Ok();
  // Not renewed: find out why, and expire a job whose deadline passed.
  bool expired = false;
  Status s = InTransaction([&]() -> Status {
    expired = false;
    CHURNML_ASSIGN_OR_RETURN(Job job, LockLeased(lease));
    if (job.deadline_ms && *job.deadline_ms <= NowMs()) {
      expired = true;
      return Move(job, JobState::kExpired, job.worker, "deadline passed while running: cancelled",
                  "finished_ms = ?, last_error = ?",
                  {NowMs(), std::string("deadline passed while running")});
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  if (expired) {
    return DeadlineExceededError("job " + std::to_string(lease.job_id) +
                                 ": deadline passed while running; the job is expired");
  }
  return Status::Ok();
}

Status JobQueue::Complete(const Lease& lease, const std::vector<FencedOutput>& outputs,
                          const std::string& result_json) {
  return InTransaction([&]() -> Status {
    CHURNML_ASSIGN_OR_RETURN(Job job, LockLeased(lease));
    // The row is locked (PostgreSQL) or the database is (SQLite): no rescue
    // can move the epoch until COMMIT, so these renames are the current
    // holder's.
    for (const FencedOutput& output : outputs) CHURNML_RETURN_IF_ERROR(Publish(output));
    return Move(job, JobState::kSucceeded, job.worker, "succeeded",
                "finished_ms = ?, lease_expires_ms = NULL, result = ?",
                {NowMs(), OrNull(result_json)});
  });
}

Result<JobState> JobQueue::Fail(const Lease& lease, const Status& error, FailureKind kind) {
  JobState to = JobState::kFailed;
  Status s = InTransaction([&]() -> Status {
    CHURNML_ASSIGN_OR_RETURN(Job job, LockLeased(lease));
    std::string message = "attempt " + std::to_string(job.attempt) + " of " +
                          std::to_string(job.max_attempts) + ": " + error.ToString();
    int64_t now = NowMs();
    if (kind == FailureKind::kRetryable && job.attempt < job.max_attempts) {
      to = JobState::kRetryable;
      std::uniform_real_distribution<double> unit(0.0, 1.0);
      int64_t wait = RetryDelay(options_.backoff, job.attempt, unit(jitter_)).count();
      return Move(job, to, job.worker, message + " (retry in " + std::to_string(wait) + " ms)",
                  "not_before_ms = ?, lease_expires_ms = NULL, last_error = ?",
                  {now + wait, error.ToString()});
    }
    to = JobState::kFailed;
    if (kind == FailureKind::kPermanent) message += " (not retryable)";
    return Move(job, to, job.worker, message,
                "finished_ms = ?, lease_expires_ms = NULL, last_error = ?",
                {now, error.ToString()});
  });
  if (!s.ok()) return s;
  return to;
}

Status JobQueue::Release(const Lease& lease, const std::string& reason) {
  return InTransaction([&]() -> Status {
    CHURNML_ASSIGN_OR_RETURN(Job job, LockLeased(lease));
    return Move(job, JobState::kAvailable, job.worker, reason,
                "attempt = ?, lease_expires_ms = NULL, not_before_ms = ?",
                {int64_t{std::max(0, job.attempt - 1)}, NowMs()});
  });
}

Status JobQueue::Cancel(int64_t job_id, const std::string& by) {
  return InTransaction([&]() -> Status {
    CHURNML_ASSIGN_OR_RETURN(std::optional<Job> job, LockJob(job_id));
    if (!job) return NotFoundError("job " + std::to_string(job_id) + " does not exist");
    if (IsFinished(job->state)) {
      return FailedPreconditionError("job " + std::to_string(job_id) + " is already " +
                                     std::string(JobStateName(job->state)));
    }
    CHURNML_RETURN_IF_ERROR(Move(*job, JobState::kCancelled, by, "cancelled by " + by,
                                 "finished_ms = ?, lease_expires_ms = NULL", {NowMs()}));
    CHURNML_ASSIGN_OR_RETURN(std::vector<Job> children,
                             QueryJobs(std::string("WHERE parent_id = ? AND state IN ") +
                                           kUnfinished + " ORDER BY job_id" + LockClause(),
                                       {job_id}));
    for (const Job& child : children) {
      CHURNML_RETURN_IF_ERROR(Move(child, JobState::kCancelled, by,
                                   "parent job " + std::to_string(job_id) + " cancelled by " + by,
                                   "finished_ms = ?, lease_expires_ms = NULL", {NowMs()}));
    }
    return Status::Ok();
  });
}

Status JobQueue::Retry(int64_t job_id, const std::string& by) {
  return InTransaction([&]() -> Status {
    CHURNML_ASSIGN_OR_RETURN(std::optional<Job> job, LockJob(job_id));
    if (!job) return NotFoundError("job " + std::to_string(job_id) + " does not exist");
    if (job->state != JobState::kFailed && job->state != JobState::kCancelled &&
        job->state != JobState::kExpired) {
      return FailedPreconditionError("job " + std::to_string(job_id) + " is " +
                                     std::string(JobStateName(job->state)) +
                                     "; only failed, cancelled or expired jobs can be retried");
    }
    // One more attempt; the deadline goes (it passed, or would fail again).
    CHURNML_RETURN_IF_ERROR(
        Move(*job, JobState::kAvailable, by, "retried by " + by,
             "max_attempts = ?, not_before_ms = ?, deadline_ms = NULL, finished_ms = NULL",
             {int64_t{job->attempt + 1}, NowMs()}));
    // Children that ended without success run again too (the parent waits).
    CHURNML_ASSIGN_OR_RETURN(
        std::vector<Job> children,
        QueryJobs("WHERE parent_id = ? AND state IN ('failed', 'cancelled', 'expired') ORDER BY "
                  "job_id" +
                      LockClause(),
                  {job_id}));
    for (const Job& child : children) {
      CHURNML_RETURN_IF_ERROR(
          Move(child, JobState::kAvailable, by, "parent job " + std::to_string(job_id) + " retried",
               "max_attempts = ?, not_before_ms = ?, deadline_ms = NULL, finished_ms = NULL",
               {int64_t{child.attempt + 1}, NowMs()}));
    }
    return Status::Ok();
  });
}

Result<MaintenanceReport> JobQueue::MaintainInTransaction(const std::string& by) {
  MaintenanceReport report;
  int64_t now = NowMs();
  std::string batch = " LIMIT " + std::to_string(kMaintenanceBatch) + SkipLockedClause();
  CHURNML_ASSIGN_OR_RETURN(
      std::vector<Job> overdue,
      QueryJobs("WHERE state IN ('scheduled', 'available', 'retryable', 'running') AND "
                "deadline_ms IS NOT NULL AND deadline_ms <= ? ORDER BY job_id" +
                    batch,
                {now}));
  for (const Job& job : overdue) {
    bool running = job.state == JobState::kRunning;
    std::string why = running ? "deadline passed while running: cancelled"
                              : "deadline passed before it could start";
    CHURNML_RETURN_IF_ERROR(Move(job, JobState::kExpired, by, why,
                                 "finished_ms = ?, lease_expires_ms = NULL, last_error = ?",
                                 {now, why}));
    ++report.expired;
  }
  CHURNML_ASSIGN_OR_RETURN(
      std::vector<Job> due,
      QueryJobs("WHERE state IN ('scheduled', 'retryable') AND not_before_ms <= ? ORDER BY job_id" +
                    batch,
                {now}));
  for (const Job& job : due) {
    CHURNML_RETURN_IF_ERROR(Move(job, JobState::kAvailable, by, "due"));
    ++report.promoted;
  }
  CHURNML_ASSIGN_OR_RETURN(
      std::vector<Job> lost,
      QueryJobs("WHERE state = 'running' AND lease_expires_ms < ? ORDER BY job_id" + batch, {now}));
  for (const Job& job : lost) {
    std::string why = "lease of " + job.worker + " expired (epoch " + std::to_string(job.epoch) +
                      ", attempt " + std::to_string(job.attempt) + " of " +
                      std::to_string(job.max_attempts) + ")";
    if (job.attempt >= job.max_attempts) {
      CHURNML_RETURN_IF_ERROR(Move(job, JobState::kFailed, by, why + ": no attempts left",
                                   "finished_ms = ?, lease_expires_ms = NULL, last_error = ?",
                                   {now, why}));
      ++report.failed;
    } else {
      CHURNML_RETURN_IF_ERROR(Move(job, JobState::kAvailable, by, why + ": rescued",
                                   "lease_expires_ms = NULL, last_error = ?", {why}));
      ++report.rescued;
    }
  }
  // A parent one of whose children ended without success can never start:
  // fail it, and cancel its other children (their work would be wasted).
  CHURNML_ASSIGN_OR_RETURN(
      std::vector<Job> orphaned,
      QueryJobs("WHERE state IN ('scheduled', 'available', 'retryable') AND EXISTS (SELECT 1 "
                "FROM jobs c WHERE c.parent_id = jobs.job_id AND c.state IN ('failed', "
                "'cancelled', 'expired')) ORDER BY job_id" +
                    batch,
                {}));
  for (const Job& parent : orphaned) {
    CHURNML_ASSIGN_OR_RETURN(
        std::vector<Job> children,
        QueryJobs(std::string("WHERE parent_id = ? AND state IN ('failed', 'cancelled', "
                              "'expired', 'scheduled', 'available', 'running', 'retryable') "
                              "ORDER BY job_id") +
                      LockClause(),
                  {parent.id}));
    std::string why;
    for (const Job& child : children) {
      if (IsFinished(child.state) && why.empty()) {
        why = "child job " + std::to_string(child.id) + " ended " +
              std::string(JobStateName(child.state)) +
              (child.last_error.empty() ? "" : ": " + child.last_error);
      }
    }
    if (why.empty()) continue;
    for (const Job& child : children) {
      if (IsFinished(child.state)) continue;
      CHURNML_RETURN_IF_ERROR(Move(child, JobState::kCancelled, by,
                                   "parent job " + std::to_string(parent.id) + " failed: " + why,
                                   "finished_ms = ?, lease_expires_ms = NULL", {now}));
    }
    CHURNML_RETURN_IF_ERROR(Move(parent, JobState::kFailed, by, why,
                                 "finished_ms = ?, lease_expires_ms = NULL, last_error = ?",
                                 {now, why}));
    ++report.parents_failed;
  }
  return report;
}

Result<MaintenanceReport> JobQueue::Maintain(const std::string& by) {
  MaintenanceReport report;
  Status s = InTransaction([&]() -> Status {
    CHURNML_ASSIGN_OR_RETURN(report, MaintainInTransaction(by));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return report;
}

Status JobQueue::UpdateQueueLimit(const std::string& queue,
                                  const std::function<void(QueueLimit&)>& change) {
  if (queue.empty() || queue.size() > kMaxNameBytes) {
    return InvalidArgumentError("queue name is empty or longer than " +
                                std::to_string(kMaxNameBytes) + " bytes");
  }
  return InTransaction([&]() -> Status {
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows rows, connection().Query("SELECT max_running, rate_count, rate_period_ms FROM "
                                         "job_queue_limits WHERE queue = ?" +
                                             LockClause(),
                                         {queue}));
    QueueLimit limit;
    if (!rows.empty()) {
      limit.max_running = static_cast<int>(AsInt(rows[0][0]));
      limit.rate_count = AsInt(rows[0][1]);
      limit.rate_period_ms = AsInt(rows[0][2]);
    }
    const QueueLimit before = limit;
    change(limit);
    if (limit.max_running == 0 && limit.rate_count == 0) {
      return connection().Query("DELETE FROM job_queue_limits WHERE queue = ?", {queue}).status();
    }
    if (!rows.empty()) {
      // A changed rate starts again with a full burst; an unchanged one
      // keeps its state.
      const bool same_rate =
          before.rate_count == limit.rate_count && before.rate_period_ms == limit.rate_period_ms;
      return connection()
          .Query(
              std::string("UPDATE job_queue_limits SET max_running = ?, rate_count = ?, "
                          "rate_period_ms = ?, updated_ms = ?") +
                  (same_rate ? "" : ", rate_tat_us = 0") + " WHERE queue = ?",
              {int64_t{limit.max_running}, limit.rate_count, limit.rate_period_ms, NowMs(), queue})
          .status();
    }
    return connection()
        .Query(
            "INSERT INTO job_queue_limits (queue, max_running, rate_count, rate_period_ms, "
            "rate_tat_us, updated_ms) VALUES (?, ?, ?, ?, 0, ?)",
            {queue, int64_t{limit.max_running}, limit.rate_count, limit.rate_period_ms, NowMs()})
        .status();
  });
}

Status JobQueue::SetQueueLimit(const std::string& queue, int max_running) {
  if (max_running < 0) {
    return InvalidArgumentError("--max-running " + std::to_string(max_running) + " is negative");
  }
  return UpdateQueueLimit(queue, [&](QueueLimit& l) { l.max_running = max_running; });
}

Status JobQueue::SetQueueRate(const std::string& queue, int64_t count,
                              std::chrono::milliseconds period) {
  if (count < 0 || (count > 0 && period.count() <= 0)) {
    return InvalidArgumentError("--rate: " + std::to_string(count) + " per " +
                                std::to_string(period.count()) + " ms is not a rate");
  }
  return UpdateQueueLimit(queue, [&](QueueLimit& l) {
    l.rate_count = count;
    l.rate_period_ms = count == 0 ? 0 : period.count();
  });
}

Result<std::map<std::string, QueueLimit>> JobQueue::QueueLimits() {
  CHURNML_ASSIGN_OR_RETURN(
      SqlRows rows,
      connection().Query(
          "SELECT queue, max_running, rate_count, rate_period_ms FROM job_queue_limits", {}));
  std::map<std::string, QueueLimit> limits;
  for (const SqlRow& r : rows) {
    limits[AsString(r[0])] = {static_cast<int>(AsInt(r[1])), AsInt(r[2]), AsInt(r[3])};
  }
  return limits;
}

Result<Job> JobQueue::Get(int64_t job_id) {
  CHURNML_ASSIGN_OR_RETURN(std::vector<Job> jobs, QueryJobs("WHERE job_id = ?", {job_id}));
  if (jobs.empty()) return NotFoundError("job " + std::to_string(job_id) + " does not exist");
  return std::move(jobs[0]);
}

Result<std::vector<Job>> JobQueue::List(const JobFilter& filter) {
  std::string where = "WHERE 1 = 1";
  std::vector<SqlValue> params;
  if (filter.state) {
    where += " AND state = ?";
    params.emplace_back(std::string(JobStateName(*filter.state)));
  }
  if (!filter.kind.empty()) {
    where += " AND kind = ?";
    params.emplace_back(filter.kind);
  }
  if (!filter.queue.empty()) {
    where += " AND queue = ?";
    params.emplace_back(filter.queue);
  }
  if (filter.parent_id) {
    where += " AND parent_id = ?";
    params.emplace_back(*filter.parent_id);
  }
  int64_t limit = std::clamp<int64_t>(filter.limit, 1, 100000);
  return QueryJobs(where + " ORDER BY job_id DESC LIMIT " + std::to_string(limit), params);
}

Result<std::vector<JobEvent>> JobQueue::Events(int64_t job_id) {
  CHURNML_ASSIGN_OR_RETURN(
      SqlRows rows,
      connection().Query("SELECT event_id, job_id, at_ms, from_state, to_state, attempt, epoch, "
                         "worker, message FROM job_events WHERE job_id = ? ORDER BY event_id",
                         {job_id}));
  std::vector<JobEvent> events;
  for (const SqlRow& r : rows) {
    JobEvent e;
    e.id = AsInt(r[0]);
    e.job_id = AsInt(r[1]);
    e.at_ms = AsInt(r[2]);
    CHURNML_ASSIGN_OR_RETURN(e.from, ParseJobState(AsString(r[3])));
    CHURNML_ASSIGN_OR_RETURN(e.to, ParseJobState(AsString(r[4])));
    e.attempt = static_cast<int>(AsInt(r[5]));
    e.epoch = AsInt(r[6]);
    e.worker = AsString(r[7]);
    e.message = AsString(r[8]);
    events.push_back(std::move(e));
  }
  return events;
}

Result<QueueStats> JobQueue::Stats() {
  QueueStats stats;
  CHURNML_ASSIGN_OR_RETURN(
      SqlRows rows,
      connection().Query("SELECT queue, state, COUNT(*) FROM jobs GROUP BY queue, state", {}));
  for (const SqlRow& r : rows) stats.counts[AsString(r[0])][AsString(r[1])] = AsInt(r[2]);
  int64_t now = NowMs();
  CHURNML_ASSIGN_OR_RETURN(SqlRows oldest,
                           connection().Query(std::string("SELECT queue, MIN(not_before_ms) FROM "
                                                          "jobs WHERE ") +
                                                  kReadyNow + kChildrenDone + " GROUP BY queue",
                                              {now, now}));
  for (const SqlRow& r : oldest) {
    stats.oldest_available_age_ms[AsString(r[0])] = std::max<int64_t>(0, now - AsInt(r[1]));
  }
  return stats;
}

Result<QueueDepths> JobQueue::ReadyDepths() {
  const int64_t now = NowMs();
  CHURNML_ASSIGN_OR_RETURN(
      SqlRows rows, connection().Query(std::string("SELECT queue, COUNT(*) FROM jobs WHERE ") +
                                           kReadyNow + kChildrenDone + " GROUP BY queue",
                                       {now, now}));
  QueueDepths depths;
  for (const SqlRow& r : rows) depths[AsString(r[0])] = AsInt(r[1]);
  return depths;
}

}  // namespace churnml::orchestration
