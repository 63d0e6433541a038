// How long a job that failed with a retryable error waits before its next
// attempt: exponential in the attempt number, capped, with jitter so that
// jobs failing together (a database restart) do not come back together.
#pragma once

#include <chrono>
#include <cstdint>

namespace churnml::orchestration {

struct RetryBackoffOptions {
  std::chrono::milliseconds base{30000};   // the wait after the first attempt
  double factor = 2.0;                     // growth per further attempt
  std::chrono::milliseconds cap{3600000};  // no wait exceeds this
  // Fraction of the wait drawn at random: 0.5 waits between half and the
  // whole of base × factor^(attempt-1) ("equal jitter").
  double jitter = 0.5;
};

// The wait after attempt `attempt` (1-based) failed. `unit_random` is a
// draw from [0, 1); the caller owns the random source so tests can fix it.
std::chrono::milliseconds RetryDelay(const RetryBackoffOptions& options, int attempt,
                                     double unit_random);

}  // namespace churnml::orchestration
