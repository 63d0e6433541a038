#include "common/time_format.h"

#include <cstdio>
#include <ctime>

namespace churnml {

namespace {

std::string Format(std::chrono::system_clock::time_point t, bool millis) {
  const auto ms = std::chrono::floor<std::chrono::milliseconds>(t).time_since_epoch().count();
  int64_t seconds = ms / 1000;
  int64_t fraction = ms % 1000;
  if (fraction < 0) {  // before 1970: floor, not truncate toward zero
    fraction += 1000;
    --seconds;
  }
  const std::time_t tt = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buffer[80];  // room for any int the compiler cannot bound
  if (millis) {
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(fraction));
  } else {
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  }
  return buffer;
}

}  // namespace

std::string FormatUtcSeconds(std::chrono::system_clock::time_point t) { return Format(t, false); }

std::string FormatUtcMillis(std::chrono::system_clock::time_point t) { return Format(t, true); }

}  // namespace churnml
