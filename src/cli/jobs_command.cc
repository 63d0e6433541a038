// `churnml jobs …`: submit work to the queue and look after it.
#include "cli/jobs_command.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/job_kinds.h"
#include "cli/model_ref.h"
#include "cli/tracking_command.h"
#include "common/json_dump.h"
#include "common/time_format.h"

namespace churnml::cli {
namespace {

using orchestration::Job;
using orchestration::JobEvent;
using orchestration::JobQueue;
using orchestration::JobState;
using orchestration::JobStateName;

std::string Time(int64_t ms) {
  return FormatUtcSeconds(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
}

std::string Submitter() {
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  const char* user = std::getenv("USER");
  return std::string(user != nullptr ? user : "unknown") + "@" + host;
}

nlohmann::json JobJson(const Job& job) {
  auto opt = [](const std::optional<int64_t>& v) -> nlohmann::json {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  };
  nlohmann::json result = nullptr;
  if (!job.result.empty()) {
    result = nlohmann::json::parse(job.result, nullptr, false);
    if (result.is_discarded()) result = job.result;
  }
  return {{"id", job.id},
          {"kind", job.kind},
          {"args", job.args},
          {"queue", job.queue},
          {"priority", job.priority},
          {"state", JobStateName(job.state)},
          {"attempt", job.attempt},
          {"max_attempts", job.max_attempts},
          {"epoch", job.epoch},
          {"worker", job.worker},
          {"unique_key", job.unique_key},
          {"submitter", job.submitter},
          {"parent_id", opt(job.parent_id)},
          {"created_ms", job.created_ms},
          {"not_before_ms", job.not_before_ms},
          {"deadline_ms", opt(job.deadline_ms)},
          {"started_ms", opt(job.started_ms)},
          {"finished_ms", opt(job.finished_ms)},
          {"lease_expires_ms", opt(job.lease_expires_ms)},
          {"last_error", job.last_error},
          {"result", result}};
}

nlohmann::json EventJson(const JobEvent& e) {
  return {{"at_ms", e.at_ms},         {"from", JobStateName(e.from)},
          {"to", JobStateName(e.to)}, {"attempt", e.attempt},
          {"epoch", e.epoch},         {"worker", e.worker},
          {"message", e.message}};
}

Result<std::unique_ptr<JobQueue>> OpenQueue(const GlobalOptions& globals) {
  CHURNML_RETURN_IF_ERROR(RequireExistingStore(globals.store));
  return JobQueue::Open(JobQueueOptions(globals));
}

struct SubmitFlags {
  std::string kind;
  int priority = 3;
  std::string deadline;
  std::string not_before;
  std::string unique_key;
  std::string queue = "default";
  int max_attempts = 3;
  bool json = false;
};

// Moves submit's own flags found among the command's arguments into `f`.
Status TakeSubmitFlags(std::vector<std::string>& args, SubmitFlags& f) {
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i], value;
    bool inline_value = false;
    if (size_t eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      inline_value = true;
    }
    if (flag == "--json") {
      f.json = true;
      continue;
    }
    static const char* kValued[] = {"--priority",   "--deadline", "--not-before",
                                    "--unique-key", "--queue",    "--max-attempts"};
    bool known = false;
    for (const char* k : kValued) known = known || flag == k;
    if (!known) {
      rest.push_back(args[i]);
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= args.size()) return InvalidArgumentError(flag + " needs a value");
      value = args[++i];
    }
    try {
      if (flag == "--priority") f.priority = std::stoi(value);
      if (flag == "--max-attempts") f.max_attempts = std::stoi(value);
    } catch (const std::exception&) {
      return InvalidArgumentError(flag + " \"" + value + "\" is not a whole number");
    }
    if (flag == "--deadline") f.deadline = value;
    if (flag == "--not-before") f.not_before = value;
    if (flag == "--unique-key") f.unique_key = value;
    if (flag == "--queue") f.queue = value;
  }
  args = std::move(rest);
  return Status::Ok();
}

int RunSubmit(SubmitFlags f, std::vector<std::string> args, const CommandContext& ctx) {
  if (Status s = TakeSubmitFlags(args, f); !s.ok()) return ReportError(s);
  orchestration::JobKindRegistry kinds;
  if (Status s = RegisterJobKinds(kinds, ctx.globals); !s.ok()) return ReportError(s);
  std::optional<PartitionedSubmission> partitioned;
  if (f.kind == "predict") {
    auto plan = PlanPredictPartitions(args, ctx.globals);
    if (!plan.ok()) return ReportError(plan.status());
    partitioned = std::move(plan).value();
  }
  Result<std::vector<std::string>> prepared =
      partitioned ? Result<std::vector<std::string>>(partitioned->parent_args)
                  : kinds.Prepare(f.kind, args);
  if (!prepared.ok()) return ReportError(prepared.status());
  // The store is created on first use by a submission (a worker may start later).
  auto queue = JobQueue::Open(JobQueueOptions(ctx.globals));
  if (!queue.ok()) return ReportError(queue.status());
  orchestration::SubmitRequest request;
  request.kind = f.kind;
  request.args = *prepared;
  request.queue = f.queue;
  request.priority = f.priority;
  request.max_attempts = f.max_attempts;
  request.unique_key = f.unique_key;
  request.submitter = Submitter();
  int64_t now = (*queue)->NowMs();
  if (!f.not_before.empty()) {
    auto t = orchestration::ParseJobTime(f.not_before, now, "--not-before");
    if (!t.ok()) return ReportError(t.status());
    request.not_before_ms = *t;
  }
  if (!f.deadline.empty()) {
    auto t = orchestration::ParseJobTime(f.deadline, now, "--deadline");
    if (!t.ok()) return ReportError(t.status());
    request.deadline_ms = *t;
  }
  std::vector<orchestration::SubmitRequest> children;
  if (partitioned) {
    for (const std::vector<std::string>& child_args : partitioned->children_args) {
      orchestration::SubmitRequest child = request;
      child.kind = "predict-partition";
      child.args = child_args;
      child.unique_key.clear();
      children.push_back(std::move(child));
    }
  }
  auto outcome =
      partitioned ? (*queue)->SubmitWithChildren(request, children) : (*queue)->Submit(request);
  if (!outcome.ok()) return ReportError(outcome.status());
  if (partitioned && outcome->created) {
    Say("job " + std::to_string(outcome->job_id) + ": " + std::to_string(children.size()) +
        " partition job(s) with model " + partitioned->model + "; it merges them when all succeed");
  }
  if (f.json) {
    std::printf("%s\n",
                DumpJson({{"id", outcome->job_id}, {"created", outcome->created}}, 2).c_str());
  } else {
    std::printf("%lld\n", static_cast<long long>(outcome->job_id));
    if (!outcome->created) {
      Say("an unfinished job with unique key \"" + f.unique_key + "\" exists: job " +
          std::to_string(outcome->job_id));
    }
  }
  return kExitOk;
}

void AddSubmit(CLI::App* jobs, CommandContext& ctx) {
  auto f = std::make_shared<SubmitFlags>();
  CLI::App* cmd = jobs->add_subcommand(
      "submit", "Queue a job: KIND then that command's own flags (checked now)");
  cmd->add_option("kind", f->kind, "train, predict, evaluate, drift, retrain, report or noop")
      ->required();
  cmd->add_option("--priority", f->priority, "1 (first) to 5")->capture_default_str();
  cmd->add_option("--deadline", f->deadline,
                  "give up unless finished by then: +30m, +2h, 2026-12-03T15:00:00Z");
  cmd->add_option("--not-before", f->not_before, "do not start before: +10m or a UTC time");
  cmd->add_option("--unique-key", f->unique_key,
                  "while a job with this key is unfinished, return it instead of adding one");
  cmd->add_option("--queue", f->queue, "queue name")->capture_default_str();
  cmd->add_option("--max-attempts", f->max_attempts, "attempts for retryable errors (1-100)")
      ->capture_default_str();
  cmd->add_flag("--json", f->json, "print {\"id\", \"created\"} as JSON");
  // Everything from the first flag submit does not know belongs to the
  // job's command; submit's own flags may still appear among them
  // (TakeSubmitFlags picks them out).
  cmd->prefix_command();
  cmd->fallthrough(false);
  cmd->footer(
      "Examples:\n"
      "  churnml jobs submit predict --model churn@champion --data big.csv --out scored.csv\n"
      "  churnml jobs submit predict --model churn@champion --data big.csv --out scored.csv "
      "--partitions 16\n"
      "  churnml jobs submit evaluate --model churn/3 --data holdout.csv --out m.json "
      "--priority 1\n"
      "  churnml jobs submit noop --ms 100 --unique-key smoke --deadline +5m");
  cmd->callback([f, cmd, &ctx] { ctx.exit_code = RunSubmit(*f, cmd->remaining(), ctx); });
}

struct ScheduleFlags {
  std::string name;
  std::string cron;
  std::string timezone = "UTC";
  std::string kind;
  std::string queue = "default";
  int priority = 3;
};

int RunScheduleAdd(const ScheduleFlags& f, const std::vector<std::string>& args,
                   const CommandContext& ctx) {
  orchestration::JobKindRegistry kinds;
  if (Status s = RegisterJobKinds(kinds, ctx.globals); !s.ok()) return ReportError(s);
  Result<std::vector<std::string>> prepared = kinds.Prepare(f.kind, args);
  if (!prepared.ok()) return ReportError(prepared.status());
  auto queue = JobQueue::Open(JobQueueOptions(ctx.globals));
  if (!queue.ok()) return ReportError(queue.status());
  orchestration::Schedule schedule;
  schedule.name = f.name;
  schedule.cron = f.cron;
  schedule.timezone = f.timezone;
  schedule.kind = f.kind;
  schedule.args = *prepared;
  schedule.queue = f.queue;
  schedule.priority = f.priority;
  if (Status s = (*queue)->AddSchedule(schedule); !s.ok()) return ReportError(s);
  Say("schedule " + f.name + " added: " + f.kind + " at \"" + f.cron + "\" (UTC)");
  return kExitOk;
}

int RunScheduleList(bool json, const CommandContext& ctx) {
  auto queue = OpenQueue(ctx.globals);
  if (!queue.ok()) return ReportError(queue.status());
  auto schedules = (*queue)->ListSchedules();
  if (!schedules.ok()) return ReportError(schedules.status());
  nlohmann::json doc = nlohmann::json::array();
  for (const orchestration::Schedule& s : *schedules) {
    nlohmann::json last = s.last_tick_ms ? nlohmann::json(*s.last_tick_ms) : nlohmann::json();
    doc.push_back({{"name", s.name},
                   {"cron", s.cron},
                   {"timezone", s.timezone},
                   {"kind", s.kind},
                   {"args", s.args},
                   {"queue", s.queue},
                   {"priority", s.priority},
                   {"paused", s.paused},
                   {"last_tick_ms", last}});
    if (!json) {
      std::printf("%-20s %-16s %-9s %-8s %s%s\n", s.name.c_str(), s.cron.c_str(), s.kind.c_str(),
                  s.queue.c_str(),
                  s.last_tick_ms ? ("last tick " + Time(*s.last_tick_ms)).c_str() : "no tick yet",
                  s.paused ? " (paused)" : "");
    }
  }
  if (json) std::printf("%s\n", DumpJson(doc, 2).c_str());
  return kExitOk;
}

void AddSchedule(CLI::App* jobs, CommandContext& ctx) {
  CLI::App* schedule = jobs->add_subcommand(
      "schedule", "Recurring jobs on a cron expression (UTC), enqueued once per tick");
  schedule->require_subcommand(1);
  auto f = std::make_shared<ScheduleFlags>();
  CLI::App* add = schedule->add_subcommand(
      "add", "NAME --cron EXPR KIND [KIND's flags]: checked now, as jobs submit checks them");
  add->add_option("name", f->name, "schedule name (letters, digits, - _ .)")->required();
  add->add_option("--cron", f->cron, "five fields, UTC: minute hour day-of-month month day-of-week")
      ->required();
  add->add_option("--timezone", f->timezone, "the cron's timezone (only UTC)")
      ->capture_default_str();
  add->add_option("--queue", f->queue, "queue of the jobs")->capture_default_str();
  add->add_option("--priority", f->priority, "priority of the jobs, 1 to 5")->capture_default_str();
  add->add_option("kind", f->kind, "the job kind")->required();
  add->prefix_command();
  add->fallthrough(false);
  add->footer(
      "Examples:\n"
      "  churnml jobs schedule add nightly-drift --cron \"0 3 * * *\" drift --model "
      "churn@champion --data /shared/today.csv --html /shared/drift.html\n"
      "  churnml jobs schedule add smoke --cron \"*/5 * * * *\" noop --ms 10");
  add->callback([f, add, &ctx] { ctx.exit_code = RunScheduleAdd(*f, add->remaining(), ctx); });

  auto list_json = std::make_shared<bool>(false);
  CLI::App* list = schedule->add_subcommand("list", "Schedules with their last enqueued tick");
  list->add_flag("--json", *list_json, "print as JSON");
  list->callback([=, &ctx] { ctx.exit_code = RunScheduleList(*list_json, ctx); });

  for (const char* verb : {"remove", "pause", "resume"}) {
    auto name = std::make_shared<std::string>();
    const std::string v = verb;
    CLI::App* cmd = schedule->add_subcommand(
        verb, v == "remove"  ? "Delete a schedule (jobs it enqueued stay)"
              : v == "pause" ? "Stop enqueueing a schedule's ticks"
                             : "Enqueue again from the next tick (missed ticks are skipped)");
    cmd->add_option("name", *name, "schedule name")->required();
    cmd->callback([=, &ctx] {
      auto queue = OpenQueue(ctx.globals);
      Status s = !queue.ok()     ? queue.status()
                 : v == "remove" ? (*queue)->RemoveSchedule(*name)
                                 : (*queue)->PauseSchedule(*name, v == "pause");
      ctx.exit_code = s.ok() ? kExitOk : ReportError(s);
    });
  }
}

int RunList(const orchestration::JobFilter& filter, const std::string& state, bool json,
            const CommandContext& ctx) {
  orchestration::JobFilter query = filter;
  if (!state.empty()) {
    auto parsed = orchestration::ParseJobState(state);
    if (!parsed.ok()) return ReportError(parsed.status().WithContext("--state"));
    query.state = *parsed;
  }
  auto queue = OpenQueue(ctx.globals);
  if (!queue.ok()) return ReportError(queue.status());
  auto jobs = (*queue)->List(query);
  if (!jobs.ok()) return ReportError(jobs.status());
  if (json) {
    nlohmann::json doc = nlohmann::json::array();
    for (const Job& job : *jobs) doc.push_back(JobJson(job));
    std::printf("%s\n", DumpJson(doc, 2).c_str());
    return kExitOk;
  }
  std::printf("%-8s %-10s %-10s %-9s %3s %-7s %-20s %s\n", "ID", "KIND", "QUEUE", "STATE", "PRI",
              "ATTEMPT", "CREATED", "LAST ERROR");
  for (const Job& job : *jobs) {
    std::string attempt = std::to_string(job.attempt) + "/" + std::to_string(job.max_attempts);
    std::printf("%-8lld %-10s %-10s %-9s %3d %-7s %-20s %s\n", static_cast<long long>(job.id),
                job.kind.c_str(), job.queue.c_str(), std::string(JobStateName(job.state)).c_str(),
                job.priority, attempt.c_str(), Time(job.created_ms).c_str(),
                job.last_error.substr(0, 80).c_str());
  }
  return kExitOk;
}

int RunShow(int64_t id, bool json, const CommandContext& ctx) {
  auto queue = OpenQueue(ctx.globals);
  if (!queue.ok()) return ReportError(queue.status());
  auto job = (*queue)->Get(id);
  if (!job.ok()) return ReportError(job.status());
  auto events = (*queue)->Events(id);
  if (!events.ok()) return ReportError(events.status());
  if (json) {
    nlohmann::json doc = JobJson(*job);
    doc["events"] = nlohmann::json::array();
    for (const JobEvent& e : *events) doc["events"].push_back(EventJson(e));
    std::printf("%s\n", DumpJson(doc, 2).c_str());
    return kExitOk;
  }
  std::string args;
  for (const std::string& a : job->args) args += " " + a;
  std::printf("job %lld: %s%s\n", static_cast<long long>(job->id), job->kind.c_str(), args.c_str());
  std::printf("state %s, attempt %d of %d, epoch %lld, queue %s, priority %d\n",
              std::string(JobStateName(job->state)).c_str(), job->attempt, job->max_attempts,
              static_cast<long long>(job->epoch), job->queue.c_str(), job->priority);
  if (!job->last_error.empty()) std::printf("last error: %s\n", job->last_error.c_str());
  if (!job->result.empty()) std::printf("result: %s\n", job->result.c_str());
  std::printf("events:\n");
  for (const JobEvent& e : *events) {
    std::printf("  %s  %-9s → %-9s attempt %d epoch %lld %s%s\n", Time(e.at_ms).c_str(),
                std::string(JobStateName(e.from)).c_str(), std::string(JobStateName(e.to)).c_str(),
                e.attempt, static_cast<long long>(e.epoch),
                e.worker.empty() ? "" : ("[" + e.worker + "] ").c_str(), e.message.c_str());
  }
  return kExitOk;
}

int RunWait(int64_t id, double timeout_s, const CommandContext& ctx) {
  auto queue = OpenQueue(ctx.globals);
  if (!queue.ok()) return ReportError(queue.status());
  auto start = std::chrono::steady_clock::now();
  for (;;) {
    auto job = (*queue)->Get(id);
    if (!job.ok()) return ReportError(job.status());
    if (orchestration::IsFinished(job->state)) {
      if (job->state == JobState::kSucceeded) {
        Say("job " + std::to_string(id) + " succeeded");
        return kExitOk;
      }
      return ReportError(FailedPreconditionError(
          "job " + std::to_string(id) + " " + std::string(JobStateName(job->state)) +
          (job->last_error.empty() ? "" : ": " + job->last_error)));
    }
    double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (timeout_s > 0 && waited >= timeout_s) {
      return ReportError(DeadlineExceededError(
          "job " + std::to_string(id) + " is still " + std::string(JobStateName(job->state)) +
          " after --timeout " + std::to_string(static_cast<int64_t>(timeout_s)) + " s"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

int RunStats(bool json, const CommandContext& ctx) {
  auto queue = OpenQueue(ctx.globals);
  if (!queue.ok()) return ReportError(queue.status());
  auto stats = (*queue)->Stats();
  if (!stats.ok()) return ReportError(stats.status());
  auto limits = (*queue)->QueueLimits();
  if (!limits.ok()) return ReportError(limits.status());
  if (json) {
    nlohmann::json doc = nlohmann::json::object();
    for (const auto& [q, counts] : stats->counts) {
      doc[q]["counts"] = counts;
      auto age = stats->oldest_available_age_ms.find(q);
      doc[q]["oldest_available_age_ms"] = age == stats->oldest_available_age_ms.end()
                                              ? nlohmann::json(nullptr)
                                              : nlohmann::json(age->second);
      auto limit = limits->find(q);
      const bool capped = limit != limits->end() && limit->second.max_running > 0;
      const bool rated = limit != limits->end() && limit->second.rate_count > 0;
      doc[q]["max_running"] =
          capped ? nlohmann::json(limit->second.max_running) : nlohmann::json(nullptr);
      doc[q]["rate"] = rated ? nlohmann::json{{"count", limit->second.rate_count},
                                              {"period_ms", limit->second.rate_period_ms}}
                             : nlohmann::json(nullptr);
    }
    std::printf("%s\n", DumpJson(doc, 2).c_str());
    return kExitOk;
  }
  for (const auto& [q, counts] : stats->counts) {
    std::string line = q + ":";
    for (const auto& [state, n] : counts) line += " " + state + " " + std::to_string(n);
    auto age = stats->oldest_available_age_ms.find(q);
    if (age != stats->oldest_available_age_ms.end()) {
      line += "; oldest available " + std::to_string(age->second / 1000) + " s";
    }
    auto limit = limits->find(q);
    if (limit != limits->end() && limit->second.max_running > 0) {
      line += "; max running " + std::to_string(limit->second.max_running);
    }
    if (limit != limits->end() && limit->second.rate_count > 0) {
      line += "; rate " + std::to_string(limit->second.rate_count) + " per " +
              std::to_string(limit->second.rate_period_ms) + " ms";
    }
    std::printf("%s\n", line.c_str());
  }
  return kExitOk;
}

int RunRescue(const CommandContext& ctx) {
  auto queue = OpenQueue(ctx.globals);
  if (!queue.ok()) return ReportError(queue.status());
  auto report = (*queue)->Maintain("jobs rescue (" + Submitter() + ")");
  if (!report.ok()) return ReportError(report.status());
  std::printf("rescued %d, failed %d (lease expired on the last attempt), expired %d, due %d\n",
              report->rescued, report->failed, report->expired, report->promoted);
  return kExitOk;
}

}  // namespace

orchestration::QueueOptions JobQueueOptions(const GlobalOptions& globals) {
  orchestration::QueueOptions options;
  options.store = TrackingStoreOptions(globals);
  return options;
}

void RegisterJobsCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* jobs = app.add_subcommand("jobs", "The job queue: submit, watch and manage jobs");
  jobs->require_subcommand(1);
  AddSubmit(jobs, ctx);

  auto filter = std::make_shared<orchestration::JobFilter>();
  auto state = std::make_shared<std::string>();
  auto list_json = std::make_shared<bool>(false);
  CLI::App* list = jobs->add_subcommand("list", "List jobs, newest first");
  list->add_option("--state", *state,
                   "scheduled, available, running, succeeded, retryable, "
                   "failed, cancelled or expired");
  list->add_option("--kind", filter->kind, "only this kind");
  list->add_option("--queue", filter->queue, "only this queue");
  list->add_option("--limit", filter->limit, "at most this many")->capture_default_str();
  list->add_flag("--json", *list_json, "print the jobs as JSON");
  list->callback([=, &ctx] { ctx.exit_code = RunList(*filter, *state, *list_json, ctx); });

  auto id = std::make_shared<int64_t>(0);
  auto json = std::make_shared<bool>(false);
  CLI::App* show = jobs->add_subcommand("show", "A job with its event log");
  show->add_option("id", *id, "job id")->required();
  show->add_flag("--json", *json, "print the job and its events as JSON");
  show->callback([=, &ctx] { ctx.exit_code = RunShow(*id, *json, ctx); });

  CLI::App* cancel = jobs->add_subcommand("cancel", "Cancel a waiting or running job");
  cancel->add_option("id", *id, "job id")->required();
  cancel->callback([=, &ctx] {
    auto queue = OpenQueue(ctx.globals);
    Status s = queue.ok() ? (*queue)->Cancel(*id, Submitter()) : queue.status();
    ctx.exit_code = s.ok() ? kExitOk : ReportError(s);
    if (s.ok()) Say("job " + std::to_string(*id) + " cancelled");
  });

  CLI::App* retry =
      jobs->add_subcommand("retry", "Give a failed, cancelled or expired job one more attempt");
  retry->add_option("id", *id, "job id")->required();
  retry->callback([=, &ctx] {
    auto queue = OpenQueue(ctx.globals);
    Status s = queue.ok() ? (*queue)->Retry(*id, Submitter()) : queue.status();
    ctx.exit_code = s.ok() ? kExitOk : ReportError(s);
    if (s.ok()) Say("job " + std::to_string(*id) + " is available again");
  });

  auto timeout = std::make_shared<double>(0);
  CLI::App* wait =
      jobs->add_subcommand("wait", "Wait for a job to finish; exit 0 if it succeeded, 2 otherwise");
  wait->add_option("id", *id, "job id")->required();
  wait->add_option("--timeout", *timeout, "give up after this many seconds (0 = never)")
      ->check(CLI::NonNegativeNumber);
  wait->callback([=, &ctx] { ctx.exit_code = RunWait(*id, *timeout, ctx); });

  CLI::App* stats =
      jobs->add_subcommand("stats", "Jobs by queue and state, oldest available job's age");
  stats->add_flag("--json", *json, "print as JSON");
  stats->callback([=, &ctx] { ctx.exit_code = RunStats(*json, ctx); });

  AddSchedule(jobs, ctx);

  CLI::App* rescue = jobs->add_subcommand(
      "rescue", "Return jobs whose worker's lease expired to the queue; expire overdue jobs");
  rescue->callback([&ctx] { ctx.exit_code = RunRescue(ctx); });

  auto limit_queue = std::make_shared<std::string>();
  auto max_running = std::make_shared<int>(-1);
  auto rate = std::make_shared<std::string>();
  CLI::App* limit = jobs->add_subcommand(
      "limit", "Cap a queue's running jobs and its rate of starts, across all workers");
  limit->add_option("queue", *limit_queue, "queue name")->required();
  limit->add_option("--max-running", *max_running, "at most this many at once (0 removes the cap)")
      ->check(CLI::NonNegativeNumber);
  limit->add_option("--rate", *rate,
                    "at most COUNT starts per PERIOD, in bursts of up to COUNT: 10/s, 600/m, "
                    "5/h, 2/500ms (0 or off removes it)");
  limit->footer(
      "Examples:\n"
      "  churnml jobs limit batch --max-running 4\n"
      "  churnml jobs limit batch --rate 10/s\n"
      "  churnml jobs limit batch --rate off");
  limit->callback([=, &ctx] {
    if (*max_running < 0 && rate->empty()) {
      ctx.exit_code =
          ReportError(InvalidArgumentError("give --max-running N, --rate N/PERIOD or both"));
      return;
    }
    Result<std::pair<int64_t, int64_t>> parsed = std::make_pair(int64_t{-1}, int64_t{0});
    if (!rate->empty()) parsed = orchestration::ParseRate(*rate);
    if (!parsed.ok()) {
      ctx.exit_code = ReportError(parsed.status());
      return;
    }
    auto queue = OpenQueue(ctx.globals);
    Status s = queue.status();
    if (s.ok() && *max_running >= 0) s = (*queue)->SetQueueLimit(*limit_queue, *max_running);
    if (s.ok() && parsed->first >= 0) {
      s = (*queue)->SetQueueRate(*limit_queue, parsed->first,
                                 std::chrono::milliseconds(parsed->second));
    }
    ctx.exit_code = s.ok() ? kExitOk : ReportError(s);
  });
}

}  // namespace churnml::cli
