// The values the evaluator hands out: alerts, notifications and silences.
// Plain data, shared by the evaluator, the channels, the JSON codecs and the
// CLI.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace churnml::monitoring {

using WallTime = std::chrono::system_clock::time_point;
using LabelSet = std::map<std::string, std::string>;

enum class AlertState { kInactive, kPending, kFiring };
std::string_view AlertStateName(AlertState state);  // "inactive", "pending", "firing"

// One rule's alert as the evaluator sees it now.
struct Alert {
  std::string name;  // the rule name (= labels["alertname"])
  LabelSet labels;   // alertname, severity and the rule's labels
  LabelSet annotations;
  AlertState state = AlertState::kInactive;
  WallTime active_since{};  // when the condition became true (pending or firing)
  std::optional<WallTime> firing_since;
  double value = 0;  // the expression's latest value
  bool silenced = false;
};

enum class NotificationStatus { kFiring, kResolved };
std::string_view NotificationStatusName(NotificationStatus s);  // "firing", "resolved"

struct NotifiedAlert {
  NotificationStatus status = NotificationStatus::kFiring;
  LabelSet labels;
  LabelSet annotations;
  WallTime starts_at{};
  std::optional<WallTime> ends_at;  // set when resolved
  double value = 0;
};

// One group's notification for one tick: `firing` when any alert in it
// fires. Every channel receives the same notifications.
struct Notification {
  NotificationStatus status = NotificationStatus::kFiring;
  std::string group_key;  // the group labels rendered as {k="v",...}
  LabelSet group_labels;
  std::vector<NotifiedAlert> alerts;
  WallTime created_at{};
  uint64_t sequence = 0;  // increases by one per notification the evaluator emits
};

struct SilenceMatcher {
  std::string name;
  std::string value;
  bool is_regex = false;
};

// A silence mutes every alert whose labels satisfy all its matchers while
// starts_at <= now < ends_at.
struct Silence {
  std::string id;
  std::vector<SilenceMatcher> matchers;
  WallTime starts_at{};
  WallTime ends_at{};
  std::string created_by;
  std::string comment;
};

enum class SilenceState { kPending, kActive, kExpired };
std::string_view SilenceStateName(SilenceState s);  // "pending", "active", "expired"
SilenceState SilenceStateAt(const Silence& s, WallTime now);

// RFC 3339 UTC with milliseconds: "2026-11-28T09:30:00.000Z".
std::string FormatTimestamp(WallTime t);
// Parses RFC 3339 ("...Z" or "+hh:mm" offsets, optional fraction).
std::optional<WallTime> ParseTimestamp(std::string_view text);

}  // namespace churnml::monitoring
