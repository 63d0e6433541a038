#include "orchestration/cron_schedule.h"

#include <charconv>
#include <chrono>
#include <vector>

namespace churnml::orchestration {
namespace {

struct FieldSpec {
  const char* name;
  int min;
  int max;
};
constexpr FieldSpec kFields[5] = {{"minute", 0, 59},
                                  {"hour", 0, 23},
                                  {"day of month", 1, 31},
                                  {"month", 1, 12},
                                  {"day of week", 0, 7}};

std::vector<std::string_view> Split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t end = text.find(sep, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

bool ParseNumber(std::string_view text, int& out) {
  if (text.empty() || text.size() > 4) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

// Sets the bits of one field; `error` gets the reason on failure.
bool ParseField(std::string_view text, const FieldSpec& spec, std::vector<bool>& bits,
                std::string& error) {
  std::vector<std::string_view> items = Split(text, ',');
  if (items.size() > 64) {
    error = "more than 64 list items";
    return false;
  }
  for (std::string_view item : items) {
    if (item.empty()) {
      error = "empty list item in \"" + std::string(text) + "\"";
      return false;
    }
    int step = 1;
    size_t slash = item.find('/');
    std::string_view range = item.substr(0, slash);
    if (slash != std::string_view::npos) {
      std::string_view step_text = item.substr(slash + 1);
      if (!ParseNumber(step_text, step) || step < 1 || step > spec.max) {
        error = "step \"" + std::string(step_text) + "\" must be a number from 1 to " +
                std::to_string(spec.max);
        return false;
      }
    }
    int low = spec.min;
    int high = spec.max;
    if (range != "*") {
      size_t dash = range.find('-');
      if (!ParseNumber(range.substr(0, dash), low) ||
          (dash != std::string_view::npos && !ParseNumber(range.substr(dash + 1), high))) {
        error = "\"" + std::string(item) + "\" is not *, a number, a range A-B or a step";
        return false;
      }
      if (dash == std::string_view::npos) high = slash == std::string_view::npos ? low : spec.max;
      for (int v : {low, high}) {
        if (v < spec.min || v > spec.max) {
          error = std::to_string(v) + " is out of range " + std::to_string(spec.min) + "-" +
                  std::to_string(spec.max);
          return false;
        }
      }
      if (low > high) {
        error = "range " + std::string(range) + " runs backwards";
        return false;
      }
    }
    for (int v = low; v <= high; v += step) bits[static_cast<size_t>(v)] = true;
  }
  return true;
}

}  // namespace

Result<CronSchedule> CronSchedule::Parse(std::string_view text) {
  const std::string quoted = "cron \"" + std::string(text.substr(0, 256)) + "\"";
  if (text.size() > 256) return InvalidArgumentError(quoted + "…: longer than 256 characters");
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) fields.push_back(text.substr(start, i - start));
  }
  if (fields.size() != 5) {
    return InvalidArgumentError(quoted + ": " + std::to_string(fields.size()) +
                                " fields; a cron expression has 5 (minute hour day-of-month "
                                "month day-of-week)");
  }
  CronSchedule schedule;
  schedule.text_ = std::string(text);
  for (size_t f = 0; f < 5; ++f) {
    std::vector<bool> bits(static_cast<size_t>(kFields[f].max) + 1, false);
    std::string error;
    if (!ParseField(fields[f], kFields[f], bits, error)) {
      return InvalidArgumentError(quoted + ": field " + std::to_string(f + 1) + " (" +
                                  kFields[f].name + "): " + error);
    }
    for (size_t v = 0; v < bits.size(); ++v) {
      if (!bits[v]) continue;
      if (f == 0) schedule.minutes_.set(v);
      if (f == 1) schedule.hours_.set(v);
      if (f == 2) schedule.days_of_month_.set(v);
      if (f == 3) schedule.months_.set(v);
      if (f == 4) schedule.days_of_week_.set(v % 7);
    }
  }
  schedule.dom_restricted_ = fields[2] != "*";
  schedule.dow_restricted_ = fields[4] != "*";
  return schedule;
}

bool CronSchedule::DayMatches(int day_of_month, int month, int day_of_week) const {
  if (!months_.test(static_cast<size_t>(month))) return false;
  bool dom = days_of_month_.test(static_cast<size_t>(day_of_month));
  bool dow = days_of_week_.test(static_cast<size_t>(day_of_week));
  if (dom_restricted_ && dow_restricted_) return dom || dow;
  return dom && dow;
}

Result<int64_t> CronSchedule::NextAfter(int64_t after_ms) const {
  using namespace std::chrono;
  constexpr int64_t kMinuteMs = 60000;
  // The next whole minute after `after_ms`.
  int64_t minute =
      (after_ms >= 0 ? after_ms / kMinuteMs : (after_ms - kMinuteMs + 1) / kMinuteMs) + 1;
  const int64_t limit_day = minute / 1440 + 5 * 366;
  while (minute / 1440 <= limit_day) {
    const sys_days day{days{minute / 1440}};
    const year_month_day ymd{day};
    const int dow = static_cast<int>(weekday{day}.c_encoding());
    if (!DayMatches(static_cast<int>(static_cast<unsigned>(ymd.day())),
                    static_cast<int>(static_cast<unsigned>(ymd.month())), dow)) {
      minute = (minute / 1440 + 1) * 1440;  // midnight of the next day
      continue;
    }
    const int64_t hour = (minute % 1440) / 60;
    if (!hours_.test(static_cast<size_t>(hour))) {
      minute = (minute / 60 + 1) * 60;  // the next hour
      continue;
    }
    if (minutes_.test(static_cast<size_t>(minute % 60))) return minute * kMinuteMs;
    ++minute;
  }
  return NotFoundError("cron \"" + text_ + "\" matches no minute within 5 years");
}

}  // namespace churnml::orchestration
