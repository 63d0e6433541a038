// Human-readable durations for log lines and reasons: "850 us", "1.5 ms",
// "60 s".
#pragma once

#include <string>

#include "common/clock.h"

namespace churnml::reliability {

std::string FormatDuration(Clock::Duration duration);

// Milliseconds as a double (for reports and JSON).
double ToMillis(Clock::Duration duration);

}  // namespace churnml::reliability
