#include "reliability/duration_format.h"

#include <fmt/format.h>

#include <chrono>

namespace churnml::reliability {

double ToMillis(Clock::Duration duration) {
  return std::chrono::duration<double, std::milli>(duration).count();
}

std::string FormatDuration(Clock::Duration duration) {
  const double ns = std::chrono::duration<double, std::nano>(duration).count();
  const double abs_ns = ns < 0 ? -ns : ns;
  if (abs_ns < 1e3) return fmt::format("{:.4g} ns", ns);
  if (abs_ns < 1e6) return fmt::format("{:.4g} us", ns / 1e3);
  if (abs_ns < 1e9) return fmt::format("{:.4g} ms", ns / 1e6);
  return fmt::format("{:.4g} s", ns / 1e9);
}

}  // namespace churnml::reliability
