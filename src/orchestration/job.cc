#include "orchestration/job.h"

#include <array>
#include <charconv>
#include <ctime>

namespace churnml::orchestration {
namespace {

constexpr std::array<std::pair<JobState, std::string_view>, 8> kNames = {{
    {JobState::kScheduled, "scheduled"},
    {JobState::kAvailable, "available"},
    {JobState::kRunning, "running"},
    {JobState::kSucceeded, "succeeded"},
    {JobState::kRetryable, "retryable"},
    {JobState::kFailed, "failed"},
    {JobState::kCancelled, "cancelled"},
    {JobState::kExpired, "expired"},
}};

Status CheckName(const std::string& value, std::string_view field, bool required) {
  if (value.empty()) {
    if (!required) return Status::Ok();
    return InvalidArgumentError(std::string(field) + " is empty");
  }
  if (value.size() > kMaxNameBytes) {
    return InvalidArgumentError(std::string(field) + " is " + std::to_string(value.size()) +
                                " bytes, longer than the limit of " +
                                std::to_string(kMaxNameBytes));
  }
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) {
      return InvalidArgumentError(std::string(field) + " \"" + value +
                                  "\" contains a control character");
    }
  }
  return Status::Ok();
}

}  // namespace

std::string_view JobStateName(JobState state) {
  for (const auto& [s, name] : kNames) {
    if (s == state) return name;
  }
  return "unknown";
}

Result<JobState> ParseJobState(std::string_view name) {
  std::string valid;
  for (const auto& [s, n] : kNames) {
    if (n == name) return s;
    valid += (valid.empty() ? "" : ", ") + std::string(n);
  }
  return InvalidArgumentError("unknown job state \"" + std::string(name) + "\" (valid: " + valid +
                              ")");
}

bool IsFinished(JobState state) {
  return state == JobState::kSucceeded || state == JobState::kFailed ||
         state == JobState::kCancelled || state == JobState::kExpired;
}

bool IsWaiting(JobState state) {
  return state == JobState::kScheduled || state == JobState::kAvailable ||
         state == JobState::kRetryable;
}

Result<int64_t> ParseJobTime(std::string_view text, int64_t now_ms, std::string_view flag) {
  auto bad = [&] {
    return InvalidArgumentError(std::string(flag) + " \"" + std::string(text) +
                                "\" is not a time: give +90s, +30m, +2h, +1d, +500ms or "
                                "2026-12-03T15:00:00Z");
  };
  if (!text.empty() && text[0] == '+') {
    std::string_view rest = text.substr(1);
    int64_t amount = 0;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), amount);
    if (ec != std::errc() || amount < 0 || amount > 100LL * 365 * 86400) return bad();
    std::string_view unit(end, static_cast<size_t>(rest.data() + rest.size() - end));
    int64_t scale = unit == "ms"  ? 1
                    : unit == "s" ? 1000
                    : unit == "m" ? 60000
                    : unit == "h" ? 3600000
                    : unit == "d" ? 86400000
                                  : 0;
    if (scale == 0) return bad();
    return now_ms + amount * scale;
  }
  std::tm tm{};
  std::string copy(text);
  const char* end = strptime(copy.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (end == nullptr || *end != '\0') return bad();
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

Status ValidateSubmitRequest(const SubmitRequest& r) {
  CHURNML_RETURN_IF_ERROR(CheckName(r.kind, "job kind", true));
  CHURNML_RETURN_IF_ERROR(CheckName(r.queue, "--queue", true));
  CHURNML_RETURN_IF_ERROR(CheckName(r.unique_key, "--unique-key", false));
  CHURNML_RETURN_IF_ERROR(CheckName(r.submitter, "submitter", false));
  if (r.priority < kHighestPriority || r.priority > kLowestPriority) {
    return InvalidArgumentError("--priority " + std::to_string(r.priority) +
                                " is out of range 1 (first) to 5");
  }
  if (r.max_attempts < 1 || r.max_attempts > kMaxAttemptsLimit) {
    return InvalidArgumentError("--max-attempts " + std::to_string(r.max_attempts) +
                                " is out of range 1 to " + std::to_string(kMaxAttemptsLimit));
  }
  if (r.args.size() > kMaxArgs) {
    return InvalidArgumentError("job has " + std::to_string(r.args.size()) +
                                " arguments, more than the limit of " + std::to_string(kMaxArgs));
  }
  for (size_t i = 0; i < r.args.size(); ++i) {
    if (r.args[i].size() > kMaxArgBytes) {
      return InvalidArgumentError(
          "job argument " + std::to_string(i + 1) + " is " + std::to_string(r.args[i].size()) +
          " bytes, longer than the limit of " + std::to_string(kMaxArgBytes));
    }
  }
  if (r.deadline_ms && r.not_before_ms > 0 && *r.deadline_ms <= r.not_before_ms) {
    return InvalidArgumentError("--deadline is not after --not-before");
  }
  return Status::Ok();
}

}  // namespace churnml::orchestration
