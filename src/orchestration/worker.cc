#include "orchestration/worker.h"

#include <algorithm>
#include <condition_variable>
#include <list>
#include <memory>
#include <thread>

#include "common/mutex.h"
#include "orchestration/job_notifications.h"

namespace churnml::orchestration {
namespace {

using std::chrono::milliseconds;

// More children than this are not listed to a job (partitions are capped
// far below it).
constexpr int64_t kMaxChildren = 100000;

// One running job, shared by its slot thread and the heartbeat thread.
struct Running {
  Lease lease;
  std::atomic<bool> lease_lost{false};
  std::atomic<bool> done{false};
};

class WorkerRun {
 public:
  WorkerRun(const WorkerOptions& options, const JobKindRegistry& kinds,
            const std::atomic<bool>& stop)
      : options_(options), kinds_(kinds), stop_(stop) {}

  Result<WorkerReport> Run();

 private:
  void Log(const std::string& line) {
    if (options_.log) options_.log(line);
  }
  bool Stopping() const { return stop_.load() || limit_reached_.load(); }
  // Waits on wake_ (mu_ released while blocked) for a notification or
  // `deadline`; false, without waiting, once the deadline has passed. Loop
  // on it while re-checking the condition.
  bool WaitUntil(std::chrono::steady_clock::time_point deadline) CHURNML_REQUIRES(mu_) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    mu_.WaitFor(wake_, deadline - now);
    return true;
  }
  void Slot(int index, std::unique_ptr<JobQueue> queue);
  void RunOne(JobQueue& queue, Job job);
  void Heartbeats(std::unique_ptr<JobQueue> queue);
  void RefreshDepths(JobQueue& queue);
  void Listen();
  void WaitForWork();
  void CountEnded();
  // A connection that failed (the database restarted, a network cut) stays
  // broken: open a fresh one. Keeps the old one when that fails too.
  void Reconnect(std::unique_ptr<JobQueue>& queue) {
    Result<std::unique_ptr<JobQueue>> fresh = JobQueue::Open(options_.queue);
    if (!fresh.ok()) return;
    queue = std::move(fresh).value();
    Log("reconnected to the store");
  }
  void Count(const std::function<void(WorkerCounters::Snapshot&)>& change) {
    if (options_.counters != nullptr) options_.counters->Update(change);
  }

  const WorkerOptions& options_;
  const JobKindRegistry& kinds_;
  const std::atomic<bool>& stop_;
  std::vector<std::string> kind_filter_;

  Mutex mu_;
  std::condition_variable wake_;
  uint64_t wake_generation_ CHURNML_GUARDED_BY(mu_) = 0;
  std::list<std::shared_ptr<Running>> running_ CHURNML_GUARDED_BY(mu_);
  WorkerReport report_ CHURNML_GUARDED_BY(mu_);
  std::atomic<bool> limit_reached_{false};
  std::atomic<bool> finished_{false};  // slots ended: helper threads stop
  std::atomic<int64_t> ended_{0};
};

void WorkerRun::CountEnded() {
  int64_t n = ++ended_;
  if (options_.max_jobs > 0 && n >= options_.max_jobs) {
    limit_reached_ = true;
    wake_.notify_all();
  }
}

void WorkerRun::WaitForWork() {
  MutexLock lock(&mu_);
  const uint64_t seen = wake_generation_;
  const auto deadline = std::chrono::steady_clock::now() + options_.poll_interval;
  while (!Stopping() && wake_generation_ == seen && WaitUntil(deadline)) {
  }
}

void WorkerRun::Listen() {
  if (!options_.listen || options_.queue.store.uri.rfind("postgres", 0) != 0) return;
  std::unique_ptr<JobNotifications> listener;
  while (!finished_.load() && !Stopping()) {
    if (!listener) {
      auto opened = ListenForJobs(options_.queue.store.uri, options_.queue.store.connect_timeout);
      if (!opened.ok()) {
        Log("cannot listen for job notifications, polling: " + opened.status().message());
        std::this_thread::sleep_for(std::chrono::seconds(2));
        continue;
      }
      listener = std::move(opened).value();
    }
    Result<bool> got = listener->Wait(milliseconds(250));
    if (!got.ok()) {
      Log(got.status().message() + "; reconnecting (polling meanwhile)");
      listener.reset();
      continue;
    }
    if (*got) {
      MutexLock lock(&mu_);
      ++wake_generation_;
      wake_.notify_all();
    }
  }
}

void WorkerRun::RefreshDepths(JobQueue& queue) {
  Result<QueueDepths> depths = queue.ReadyDepths();
  if (!depths.ok()) return;  // keep the last values; heartbeats log store trouble
  Count([&](WorkerCounters::Snapshot& c) {
    for (auto& [name, depth] : c.queue_depth) depth = 0;
    for (const std::string& name : options_.queues) c.queue_depth[name] = 0;
    for (const auto& [name, depth] : *depths) {
      if (options_.queues.empty() || std::find(options_.queues.begin(), options_.queues.end(),
                                               name) != options_.queues.end()) {
        c.queue_depth[name] = depth;
      }
    }
  });
}

void WorkerRun::Heartbeats(std::unique_ptr<JobQueue> queue) {
  milliseconds interval = options_.heartbeat_interval.count() > 0
                              ? options_.heartbeat_interval
                              : std::max(milliseconds(50), options_.queue.lease / 3);
  // Schedules ride on this thread: it is the one that never runs a job.
  const milliseconds schedule_every = options_.schedule_interval;
  milliseconds tick = schedule_every.count() > 0 ? std::min(interval, schedule_every) : interval;
  if (options_.counters != nullptr && options_.depth_interval.count() > 0) {
    tick = std::min(tick, options_.depth_interval);
  }
  auto next_heartbeat = std::chrono::steady_clock::now() + interval;
  auto next_schedule = std::chrono::steady_clock::now();
  auto next_depth = std::chrono::steady_clock::now();
  const bool track_depth = options_.counters != nullptr && options_.depth_interval.count() > 0;
  while (!finished_.load()) {
    if (track_depth && std::chrono::steady_clock::now() >= next_depth) {
      next_depth = std::chrono::steady_clock::now() + options_.depth_interval;
      RefreshDepths(*queue);
    }
    if (schedule_every.count() > 0 && !Stopping() &&
        std::chrono::steady_clock::now() >= next_schedule) {
      next_schedule = std::chrono::steady_clock::now() + schedule_every;
      Result<std::vector<int64_t>> added = queue->EnqueueDueSchedules(options_.name);
      if (!added.ok()) {
        Log("cannot enqueue scheduled jobs: " + added.status().message());
        if (added.status().code() == StatusCode::kUnavailable) Reconnect(queue);
      } else if (!added->empty()) {
        for (int64_t id : *added) Log("schedule tick enqueued as job " + std::to_string(id));
        MutexLock lock(&mu_);
        ++wake_generation_;
        wake_.notify_all();
      }
    }
    std::vector<std::shared_ptr<Running>> jobs;
    {
      MutexLock lock(&mu_);
      const auto deadline = std::chrono::steady_clock::now() + tick;
      while (!finished_.load() && WaitUntil(deadline)) {
      }
      if (std::chrono::steady_clock::now() < next_heartbeat) continue;
      next_heartbeat = std::chrono::steady_clock::now() + interval;
      jobs.assign(running_.begin(), running_.end());
    }
    for (const auto& r : jobs) {
      if (r->done.load() || r->lease_lost.load()) continue;
      Status s = queue->Heartbeat(r->lease);
      if (s.code() == StatusCode::kFailedPrecondition ||
          s.code() == StatusCode::kDeadlineExceeded || s.code() == StatusCode::kNotFound) {
        r->lease_lost = true;
        MutexLock lock(&mu_);
        ++report_.lease_losses;
        Count([](WorkerCounters::Snapshot& c) { ++c.lease_losses; });
        Log("job " + std::to_string(r->lease.job_id) + ": " + s.message());
      } else if (!s.ok()) {
        // The store is unreachable: keep trying; the lease may still hold.
        Count([](WorkerCounters::Snapshot& c) { ++c.lease_renew_failures; });
        Log("heartbeat of job " + std::to_string(r->lease.job_id) + " failed: " + s.message());
        if (s.code() == StatusCode::kUnavailable) {
          Reconnect(queue);
          break;  // the next round renews the rest on the new connection
        }
      }
    }
  }
}

void WorkerRun::RunOne(JobQueue& queue, Job job) {
  auto running = std::make_shared<Running>();
  running->lease = {job.id, job.epoch};
  {
    MutexLock lock(&mu_);
    running_.push_back(running);
  }
  Count([&](WorkerCounters::Snapshot& c) {
    ++c.by_kind[job.kind].claimed;
    ++c.running;
  });
  Log("job " + std::to_string(job.id) + " (" + job.kind + ") started: attempt " +
      std::to_string(job.attempt) + " of " + std::to_string(job.max_attempts) + ", epoch " +
      std::to_string(job.epoch));
  auto started = std::chrono::steady_clock::now();
  const JobKind* kind = kinds_.Find(job.kind);
  JobContext context(job, options_.name, &running->lease_lost);
  context.SetChildrenSource([&queue, id = job.id]() -> Result<std::vector<Job>> {
    JobFilter filter;
    filter.parent_id = id;
    filter.limit = kMaxChildren;
    CHURNML_ASSIGN_OR_RETURN(std::vector<Job> children, queue.List(filter));
    std::reverse(children.begin(), children.end());  // List is newest first
    return children;
  });
  Status outcome = kind != nullptr ? kind->run(context)
                                   : InvalidArgumentError("no kind \"" + job.kind + "\" here");
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (options_.on_job_finished) options_.on_job_finished(job.kind, seconds);
  std::string tag = "job " + std::to_string(job.id) + " (" + job.kind + ")";
  auto drop_outputs = [&] {
    for (const FencedOutput& o : context.outputs()) {
      std::error_code ec;
      std::filesystem::remove_all(o.temporary, ec);
    }
  };
  Status recorded;
  bool released = false;
  {
    MutexLock lock(&mu_);
    released = running->done.load();  // the drain released it already
  }
  if (released) {
    drop_outputs();
  } else if (outcome.ok()) {
    recorded = queue.Complete(running->lease, context.outputs(), context.result());
    if (recorded.ok()) {
      for (const std::filesystem::path& path : context.cleanup()) {
        std::error_code ec;
        std::filesystem::remove(path, ec);
      }
      Log(tag + " succeeded in " + std::to_string(seconds) + " s");
      MutexLock lock(&mu_);
      ++report_.succeeded;
      Count([&](WorkerCounters::Snapshot& c) { ++c.by_kind[job.kind].succeeded; });
    }
  } else {
    Result<JobState> state = queue.Fail(running->lease, outcome, ClassifyFailure(outcome));
    recorded = state.status();
    if (state.ok()) {
      Log(tag + " " + std::string(JobStateName(*state)) + ": " + outcome.ToString());
      MutexLock lock(&mu_);
      ++report_.failed;
      Count([&](WorkerCounters::Snapshot& c) { ++c.by_kind[job.kind].failed; });
    }
  }
  if (!released && !recorded.ok()) {
    drop_outputs();
    if (recorded.code() == StatusCode::kFailedPrecondition ||
        recorded.code() == StatusCode::kNotFound) {
      Log(tag + ": result refused: " + recorded.message());
      MutexLock lock(&mu_);
      ++report_.refused;
      Count([&](WorkerCounters::Snapshot& c) { ++c.by_kind[job.kind].refused; });
    } else {
      // The store is unreachable: the lease runs out and another worker
      // rescues the job.
      Log(tag + ": cannot record the result: " + recorded.message());
    }
  }
  {
    MutexLock lock(&mu_);
    running->done = true;
    running_.remove(running);
    Count([](WorkerCounters::Snapshot& c) { --c.running; });
  }
  wake_.notify_all();
  CountEnded();
}

void WorkerRun::Slot(int index, std::unique_ptr<JobQueue> queue) {
  ClaimRequest request{
      options_.name + (options_.concurrency > 1 ? "#" + std::to_string(index) : ""),
      options_.queues, kind_filter_};
  while (!Stopping()) {
    Result<std::optional<Job>> claimed = queue->Claim(request);
    if (!claimed.ok()) {
      Log("claim failed: " + claimed.status().message() + "; retrying");
      WaitForWork();
      if (claimed.status().code() == StatusCode::kUnavailable) Reconnect(queue);
      continue;
    }
    if (!claimed->has_value()) {
      WaitForWork();
      continue;
    }
    RunOne(*queue, std::move(**claimed));
  }
}

Result<WorkerReport> WorkerRun::Run() {
  kind_filter_ = options_.kinds.empty() ? kinds_.Names() : options_.kinds;
  for (const std::string& k : kind_filter_) {
    if (kinds_.Find(k) == nullptr) {
      return kinds_.Prepare(k, {}).status();
    }
  }
  int slots = std::clamp(options_.concurrency, 1, 256);
  std::vector<std::unique_ptr<JobQueue>> queues;
  queues.reserve(static_cast<size_t>(slots) + 1);
  for (int i = 0; i <= slots; ++i) {
    CHURNML_ASSIGN_OR_RETURN(std::unique_ptr<JobQueue> q, JobQueue::Open(options_.queue));
    queues.push_back(std::move(q));
  }
  std::thread heartbeat(
      [this, q = std::move(queues.back())]() mutable { Heartbeats(std::move(q)); });
  std::thread listener([this] { Listen(); });
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(slots));
  for (int i = 0; i < slots; ++i) {
    threads.emplace_back([this, i, q = std::move(queues[i])]() mutable { Slot(i, std::move(q)); });
  }
  // Wait for a stop, then give running jobs the grace period.
  {
    MutexLock lock(&mu_);
    // `stop` is set from a signal-watching thread that cannot notify us.
    while (!Stopping()) mu_.WaitFor(wake_, milliseconds(100));
    if (stop_.load() && !running_.empty()) {
      Log("draining: " + std::to_string(running_.size()) + " job(s) running, grace " +
          std::to_string(options_.drain_grace.count()) + " ms");
    }
    const auto deadline = std::chrono::steady_clock::now() + options_.drain_grace;
    while (!running_.empty() && WaitUntil(deadline)) {
    }
  }
  std::vector<std::shared_ptr<Running>> left;
  {
    MutexLock lock(&mu_);
    left.assign(running_.begin(), running_.end());
  }
  if (!left.empty()) {
    auto releaser = JobQueue::Open(options_.queue);
    for (const auto& r : left) {
      {
        MutexLock lock(&mu_);
        if (r->done.load()) continue;
        r->done = true;
        r->lease_lost = true;
      }
      Status s = releaser.ok() ? (*releaser)->Release(
                                     r->lease, "released: worker " + options_.name + " stopped")
                               : releaser.status();
      Log("job " + std::to_string(r->lease.job_id) +
          (s.ok() ? " released to the queue" : " not released: " + s.message()));
      MutexLock lock(&mu_);
      if (s.ok()) ++report_.released;
    }
  }
  bool abandoned = false;
  {
    // Released jobs see their lease lost; give their code a moment to
    // return before calling it abandoned.
    MutexLock lock(&mu_);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!running_.empty() && WaitUntil(deadline)) {
    }
    abandoned = !running_.empty();
  }
  finished_ = true;
  wake_.notify_all();
  heartbeat.join();
  listener.join();
  for (auto& t : threads) {
    if (abandoned) {
      t.detach();  // its job's code is still running; the process ends it
    } else {
      t.join();
    }
  }
  MutexLock lock(&mu_);
  report_.abandoned_jobs = abandoned;
  return report_;
}

}  // namespace

Result<WorkerReport> RunWorker(const WorkerOptions& options, const JobKindRegistry& kinds,
                               const std::atomic<bool>& stop) {
  auto run = std::make_unique<WorkerRun>(options, kinds, stop);
  Result<WorkerReport> report = run->Run();
  // Threads still running a job's code use `run`: keep it alive; the
  // caller ends the process.
  if (report.ok() && report->abandoned_jobs) static_cast<void>(run.release());
  return report;
}

}  // namespace churnml::orchestration
