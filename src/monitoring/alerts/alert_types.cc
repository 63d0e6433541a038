#include "monitoring/alerts/alert_types.h"

#include <cstdio>
#include <ctime>

#include "common/time_format.h"

namespace churnml::monitoring {

std::string_view AlertStateName(AlertState state) {
  switch (state) {
    case AlertState::kInactive:
      return "inactive";
    case AlertState::kPending:
      return "pending";
    case AlertState::kFiring:
      return "firing";
  }
  return "?";
}

std::string_view NotificationStatusName(NotificationStatus s) {
  return s == NotificationStatus::kFiring ? "firing" : "resolved";
}

std::string_view SilenceStateName(SilenceState s) {
  switch (s) {
    case SilenceState::kPending:
      return "pending";
    case SilenceState::kActive:
      return "active";
    case SilenceState::kExpired:
      return "expired";
  }
  return "?";
}

SilenceState SilenceStateAt(const Silence& s, WallTime now) {
  if (now < s.starts_at) return SilenceState::kPending;
  if (now >= s.ends_at) return SilenceState::kExpired;
  return SilenceState::kActive;
}

std::string FormatTimestamp(WallTime t) { return FormatUtcMillis(t); }

std::optional<WallTime> ParseTimestamp(std::string_view text) {
  std::tm tm{};
  int year = 0, mon = 0, day = 0, hour = 0, min = 0, sec = 0, consumed = 0;
  const std::string s(text);
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &mon, &day, &hour, &min, &sec,
                  &consumed) != 6) {
    return std::nullopt;
  }
  size_t pos = static_cast<size_t>(consumed);
  double fraction = 0;
  if (pos < s.size() && s[pos] == '.') {
    double scale = 0.1;
    ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      fraction += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
  }
  int offset_minutes = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos + 6 == s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = 0, om = 0;
    if (std::sscanf(s.c_str() + pos + 1, "%2d:%2d", &oh, &om) != 2) return std::nullopt;
    offset_minutes = (s[pos] == '-' ? -1 : 1) * (oh * 60 + om);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  const std::time_t tt = timegm(&tm);
  using namespace std::chrono;
  return system_clock::from_time_t(tt) - minutes(offset_minutes) +
         duration_cast<system_clock::duration>(duration<double>(fraction));
}

}  // namespace churnml::monitoring
