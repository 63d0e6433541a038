// The job model of the queue (docs/jobs.md): what a job is, its states and
// which moves between them are allowed. Pure values; the queue
// (job_queue.h) stores them.
//
//   scheduled ─┐
//              ├→ available → running → succeeded
//   retryable ─┘                 │  ├→ retryable (retryable error, attempts left)
//                                │  ├→ failed    (attempts used up: dead letter)
//                                │  ├→ available (lease expired and rescued, or released)
//                                │  ├→ cancelled
//                                │  └→ expired   (deadline passed while running)
//   scheduled/available/retryable → cancelled | expired (deadline passed before a start)
//   failed/cancelled/expired → available (`jobs retry`)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace churnml::orchestration {

enum class JobState {
  kScheduled,  // waiting for its not-before time
  kAvailable,  // may be claimed now
  kRunning,    // claimed by a worker holding a lease
  kSucceeded,
  kRetryable,  // failed with a retryable error; waits for its backoff
  kFailed,     // attempts used up or a non-retryable error (the dead letter)
  kCancelled,
  kExpired,  // its deadline passed before it could finish
};

// "scheduled", "available", …: the spelling in the store and on the CLI.
std::string_view JobStateName(JobState state);
// InvalidArgument listing the valid names.
Result<JobState> ParseJobState(std::string_view name);
// succeeded, failed, cancelled and expired: nothing runs such a job again
// unless `jobs retry` makes it available.
bool IsFinished(JobState state);
// Waiting states a claim, a cancel or a deadline acts on.
bool IsWaiting(JobState state);

inline constexpr int kHighestPriority = 1;
inline constexpr int kLowestPriority = 5;
// Bounds on what a submission may carry (hostile input).
inline constexpr size_t kMaxArgs = 256;
inline constexpr size_t kMaxArgBytes = 4096;
inline constexpr size_t kMaxNameBytes = 128;  // kind, queue, unique key, submitter
inline constexpr int kMaxAttemptsLimit = 100;

struct Job {
  int64_t id = 0;
  std::string kind;
  std::vector<std::string> args;  // the command's own flags, e.g. {"--model", "churn@champion"}
  std::string queue = "default";
  int priority = 3;  // 1 (first) … 5
  JobState state = JobState::kAvailable;
  int64_t not_before_ms = 0;  // ms since the Unix epoch
  std::optional<int64_t> deadline_ms;
  int attempt = 0;  // attempts started so far
  int max_attempts = 3;
  int64_t epoch = 0;  // fencing token: incremented on every claim
  std::optional<int64_t> lease_expires_ms;
  std::string worker;  // who holds (or last held) it
  std::string unique_key;
  std::string submitter;
  std::optional<int64_t> parent_id;  // a partition's parent job
  int64_t created_ms = 0;
  std::optional<int64_t> started_ms;
  std::optional<int64_t> finished_ms;
  int64_t updated_ms = 0;
  std::string last_error;
  std::string result;  // JSON: lineage (run, model version, outputs) of a success
};

// One row of the event log: every state change of every job.
struct JobEvent {
  int64_t id = 0;
  int64_t job_id = 0;
  int64_t at_ms = 0;
  JobState from = JobState::kAvailable;
  JobState to = JobState::kAvailable;
  int attempt = 0;
  int64_t epoch = 0;
  std::string worker;
  std::string message;  // the error of a failed attempt, or why the move happened
};

struct SubmitRequest {
  std::string kind;
  std::vector<std::string> args;
  std::string queue = "default";
  int priority = 3;
  int64_t not_before_ms = 0;  // 0: now
  std::optional<int64_t> deadline_ms;
  int max_attempts = 3;
  std::string unique_key;  // empty: none
  std::string submitter;
  std::optional<int64_t> parent_id;
};

// InvalidArgument naming the field: empty or over-long names, priority out
// of 1–5, attempts out of 1–kMaxAttemptsLimit, too many or too long args, a
// deadline before the not-before time.
Status ValidateSubmitRequest(const SubmitRequest& request);

// A time given on the command line → ms since the Unix epoch: relative to
// `now_ms` as "+90s", "+30m", "+2h", "+1d", "+500ms", or absolute UTC as
// "2026-12-03T15:00:00Z". InvalidArgument naming `flag` otherwise.
Result<int64_t> ParseJobTime(std::string_view text, int64_t now_ms, std::string_view flag);

// A claimed job and the fencing token its holder must present.
struct Lease {
  int64_t job_id = 0;
  int64_t epoch = 0;
};

}  // namespace churnml::orchestration
