// JobQueue's schedules (`jobs schedule add|list|pause|resume|remove`) and the
// enqueueing of their due ticks, which every worker runs: each tick becomes
// exactly one job however many workers race for it (job_queue.h).
#include <cctype>
#include <nlohmann/json.hpp>

#include "orchestration/cron_schedule.h"
#include "orchestration/job_queue.h"

namespace churnml::orchestration {
namespace {

using tracking::AsInt;
using tracking::AsString;
using tracking::IsNull;
using tracking::SqlDialect;
using tracking::SqlRows;
using tracking::SqlValue;

constexpr char kScheduleColumns[] =
    "name, cron, timezone, kind, args, queue, priority, paused, last_tick_ms, created_ms";

Schedule ScheduleFromRow(const tracking::SqlRow& r) {
  Schedule s;
  s.name = AsString(r[0]);
  s.cron = AsString(r[1]);
  s.timezone = AsString(r[2]);
  s.kind = AsString(r[3]);
  nlohmann::json args = nlohmann::json::parse(AsString(r[4]), nullptr, false);
  if (args.is_array()) {
    for (const auto& a : args)
      if (a.is_string()) s.args.push_back(a.get<std::string>());
  }
  s.queue = AsString(r[5]);
  s.priority = static_cast<int>(AsInt(r[6]));
  s.paused = AsInt(r[7]) != 0;
  if (!IsNull(r[8])) s.last_tick_ms = AsInt(r[8]);
  s.created_ms = AsInt(r[9]);
  return s;
}

Status ValidateScheduleName(const std::string& name) {
  if (name.empty() || name.size() > 128)
    return InvalidArgumentError("schedule name must be 1 to 128 characters");
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) {
      return InvalidArgumentError("schedule name \"" + name +
                                  "\": use letters, digits, '-', '_' and '.'");
    }
  }
  return Status::Ok();
}

// The latest tick of `cron` in (after, now], or nullopt. Walks the ticks
// from `after`; a long outage of a frequent schedule restarts the walk a day
// before now (older ticks are collapsed anyway).
Result<std::optional<int64_t>> LatestDueTick(const CronSchedule& cron, int64_t after, int64_t now) {
  constexpr int64_t kDayMs = 86400000;
  if (now - after > 7 * kDayMs) after = now - kDayMs;
  std::optional<int64_t> latest;
  for (int i = 0; i < 20000; ++i) {
    Result<int64_t> next = cron.NextAfter(after);
    if (!next.ok()) {
      if (next.status().code() == StatusCode::kNotFound) return latest;
      return next.status();
    }
    if (*next > now) return latest;
    latest = *next;
    after = *next;
  }
  return latest;
}

}  // namespace

Status JobQueue::AddSchedule(const Schedule& schedule) {
  CHURNML_RETURN_IF_ERROR(ValidateScheduleName(schedule.name));
  CHURNML_RETURN_IF_ERROR(CronSchedule::Parse(schedule.cron).status());
  if (schedule.timezone != "UTC") {
    return InvalidArgumentError("--timezone " + schedule.timezone +
                                ": only UTC is supported; write the cron in UTC");
  }
  SubmitRequest probe;
  probe.kind = schedule.kind;
  probe.args = schedule.args;
  probe.queue = schedule.queue;
  probe.priority = schedule.priority;
  probe.submitter = "schedule " + schedule.name;
  CHURNML_RETURN_IF_ERROR(ValidateSubmitRequest(probe));
  return InTransaction([&]() -> Status {
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows inserted,
        connection().Query(
            "INSERT INTO job_schedules (name, cron, timezone, kind, args, queue, priority, "
            "paused, last_tick_ms, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?) "
            "ON CONFLICT (name) DO NOTHING RETURNING name",
            {schedule.name, schedule.cron, schedule.timezone, schedule.kind,
             nlohmann::json(schedule.args).dump(), schedule.queue, int64_t{schedule.priority},
             NowMs(), NowMs()}));
    if (inserted.empty()) {
      return AlreadyExistsError("schedule " + schedule.name +
                                " already exists; remove it first to change it");
    }
    return Status::Ok();
  });
}

Status JobQueue::RemoveSchedule(const std::string& name) {
  return InTransaction([&]() -> Status {
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows removed,
        connection().Query("DELETE FROM job_schedules WHERE name = ? RETURNING name", {name}));
    if (removed.empty()) return NotFoundError("no schedule named " + name);
    return Status::Ok();
  });
}

Status JobQueue::PauseSchedule(const std::string& name, bool paused) {
  return InTransaction([&]() -> Status {
    // Resuming does not enqueue the ticks missed while paused: the next
    // tick counts from now.
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows updated,
        connection().Query(std::string("UPDATE job_schedules SET paused = ?") +
                               (paused ? "" : ", last_tick_ms = ?") +
                               " WHERE name = ? RETURNING name",
                           paused ? std::vector<SqlValue>{int64_t{1}, name}
                                  : std::vector<SqlValue>{int64_t{0}, NowMs(), name}));
    if (updated.empty()) return NotFoundError("no schedule named " + name);
    return Status::Ok();
  });
}

Result<std::vector<Schedule>> JobQueue::ListSchedules() {
  CHURNML_ASSIGN_OR_RETURN(
      SqlRows rows,
      connection().Query(
          std::string("SELECT ") + kScheduleColumns + " FROM job_schedules ORDER BY name", {}));
  std::vector<Schedule> out;
  for (const auto& r : rows) out.push_back(ScheduleFromRow(r));
  return out;
}

Result<std::vector<int64_t>> JobQueue::EnqueueDueSchedules(const std::string& by) {
  std::vector<int64_t> added;
  Status s = InTransaction([&]() -> Status {
    added.clear();
    const int64_t now = NowMs();
    // SKIP LOCKED: a schedule another worker is enqueueing right now is its
    // business; SQLite's BEGIN IMMEDIATE lets one writer in at a time.
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows rows, connection().Query(std::string("SELECT ") + kScheduleColumns +
                                             " FROM job_schedules WHERE paused = 0 ORDER BY name" +
                                             SkipLockedClause(),
                                         {}));
    for (const auto& row : rows) {
      Schedule schedule = ScheduleFromRow(row);
      Result<CronSchedule> cron = CronSchedule::Parse(schedule.cron);
      if (!cron.ok()) continue;  // checked on add; a hand-edited row is skipped
      const int64_t after = schedule.last_tick_ms.value_or(schedule.created_ms);
      CHURNML_ASSIGN_OR_RETURN(std::optional<int64_t> tick, LatestDueTick(*cron, after, now));
      if (!tick) continue;
      // The compare-and-set that makes the tick this transaction's alone.
      CHURNML_ASSIGN_OR_RETURN(
          SqlRows moved,
          connection().Query("UPDATE job_schedules SET last_tick_ms = ? WHERE name = ? AND "
                             "(last_tick_ms IS NULL OR last_tick_ms < ?) RETURNING name",
                             {*tick, schedule.name, *tick}));
      if (moved.empty()) continue;
      SubmitRequest request;
      request.kind = schedule.kind;
      request.args = schedule.args;
      request.queue = schedule.queue;
      request.priority = schedule.priority;
      request.unique_key = "schedule:" + schedule.name + ":" + std::to_string(*tick);
      request.submitter = "schedule " + schedule.name + " (" + by + ")";
      CHURNML_ASSIGN_OR_RETURN(SubmitOutcome outcome, SubmitInTransaction(request));
      if (outcome.created) added.push_back(outcome.job_id);
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return added;
}

}  // namespace churnml::orchestration
