// CronSchedule: a five-field cron expression ("*/5 * * * *") evaluated in
// UTC. Fields: minute 0-59, hour 0-23, day of month 1-31, month 1-12, day of
// week 0-7 (0 and 7 are Sunday). Each field is `*`, a value, a range `A-B`, a
// step `*/S`, `A-B/S` or `A/S` (A to the field's maximum), or a comma list of
// those. As in Vixie cron, when both day fields are restricted a day matches
// if either does. No names (JAN, MON), no `?`, `L`, `W` or `#`.
#pragma once

#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace churnml::orchestration {

class CronSchedule {
 public:
  // InvalidArgument, one line naming the field: `cron "0 25 * * *": field 2
  // (hour): 25 is out of range 0-23`. At most 256 characters.
  static Result<CronSchedule> Parse(std::string_view text);

  // The first minute strictly after `after_ms` (ms since the Unix epoch, UTC)
  // that the expression matches, in ms. NotFound when none within 5 years
  // (e.g. "0 0 30 2 *").
  Result<int64_t> NextAfter(int64_t after_ms) const;

  const std::string& text() const { return text_; }

 private:
  bool DayMatches(int day_of_month, int month, int day_of_week) const;

  std::string text_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_of_month_;  // 1..31
  std::bitset<13> months_;         // 1..12
  std::bitset<8> days_of_week_;    // 0..6 (7 folded into 0)
  bool dom_restricted_ = false;
  bool dow_restricted_ = false;
};

}  // namespace churnml::orchestration
