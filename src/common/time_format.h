// UTC timestamps as people and other systems read them (RFC 3339), one
// formatter for artifacts, run listings, /info, alerts and the access log.
#pragma once

#include <chrono>
#include <string>

namespace churnml {

// "2026-11-28T09:30:00Z" (whole seconds, truncated).
std::string FormatUtcSeconds(std::chrono::system_clock::time_point t);
// "2026-11-28T09:30:00.123Z" (milliseconds, floored).
std::string FormatUtcMillis(std::chrono::system_clock::time_point t);

}  // namespace churnml
