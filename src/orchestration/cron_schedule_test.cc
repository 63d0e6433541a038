#include "orchestration/cron_schedule.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace churnml::orchestration {
namespace {

using ::testing::HasSubstr;

// 2026-12-03T10:07:30Z (a Thursday) in ms.
constexpr int64_t kThursday = 1796292450000;
constexpr int64_t kMinute = 60000;

int64_t Next(const std::string& cron, int64_t after) {
  auto schedule = CronSchedule::Parse(cron);
  EXPECT_TRUE(schedule.ok()) << schedule.status().ToString();
  if (!schedule.ok()) return -1;
  auto next = schedule->NextAfter(after);
  EXPECT_TRUE(next.ok()) << next.status().ToString();
  return next.ok() ? *next : -1;
}

TEST(CronSchedule, EveryFiveMinutesIsTheNextMultipleOfFive) {
  EXPECT_EQ(Next("*/5 * * * *", kThursday), kThursday - 7 * kMinute - 30000 + 10 * kMinute);
}

TEST(CronSchedule, NextIsStrictlyAfter) {
  const int64_t ten = kThursday - 7 * kMinute - 30000 + 10 * kMinute;  // 10:10:00
  EXPECT_EQ(Next("*/5 * * * *", ten), ten + 5 * kMinute);
}

TEST(CronSchedule, DailyAtThreeIsTomorrowWhenTodaysHasPassed) {
  const int64_t midnight = kThursday - (10 * 60 + 7) * kMinute - 30000;
  EXPECT_EQ(Next("0 3 * * *", kThursday), midnight + (24 + 3) * 60 * kMinute);
}

TEST(CronSchedule, ListsRangesAndStepsCombine) {
  const int64_t midnight = kThursday - (10 * 60 + 7) * kMinute - 30000;
  // Minutes 15 and 45 of hours 9-17 every other hour: 11:15 is next after 10:07.
  EXPECT_EQ(Next("15,45 9-17/2 * * *", kThursday), midnight + (11 * 60 + 15) * kMinute);
}

TEST(CronSchedule, DayOfWeekAndSundayAsSeven) {
  const int64_t midnight = kThursday - (10 * 60 + 7) * kMinute - 30000;
  // Thursday 2026-12-03 → the next Sunday is 12-06.
  EXPECT_EQ(Next("0 0 * * 7", kThursday), midnight + 3 * 1440 * kMinute);
  EXPECT_EQ(Next("0 0 * * 0", kThursday), midnight + 3 * 1440 * kMinute);
}

TEST(CronSchedule, RestrictedDayFieldsMatchEither) {
  const int64_t midnight = kThursday - (10 * 60 + 7) * kMinute - 30000;
  // The 5th of the month or a Friday: Friday 12-04 comes first.
  EXPECT_EQ(Next("0 0 5 * 5", kThursday), midnight + 1440 * kMinute);
}

TEST(CronSchedule, ImpossibleDateIsNotFound) {
  auto schedule = CronSchedule::Parse("0 0 30 2 *");
  ASSERT_TRUE(schedule.ok());
  EXPECT_EQ(schedule->NextAfter(kThursday).status().code(), StatusCode::kNotFound);
}

TEST(CronSchedule, ErrorsNameTheField) {
  struct Case {
    const char* cron;
    const char* message;
  };
  for (const Case& c : {Case{"* * * *", "4 fields; a cron expression has 5"},
                        Case{"0 25 * * *", "field 2 (hour): 25 is out of range 0-23"},
                        Case{"*/0 * * * *", "field 1 (minute): step \"0\""},
                        Case{"* * 0 * *", "field 3 (day of month): 0 is out of range 1-31"},
                        Case{"* * * 1-13 *", "field 4 (month): 13 is out of range"},
                        Case{"* * * * MON", "field 5 (day of week): \"MON\" is not"},
                        Case{"5-1 * * * *", "field 1 (minute): range 5-1 runs backwards"},
                        Case{"1,,2 * * * *", "field 1 (minute): empty list item"}}) {
    auto parsed = CronSchedule::Parse(c.cron);
    ASSERT_FALSE(parsed.ok()) << c.cron;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(parsed.status().message(), HasSubstr(c.message)) << c.cron;
  }
  EXPECT_FALSE(CronSchedule::Parse(std::string(300, '*')).ok());
}

}  // namespace
}  // namespace churnml::orchestration
