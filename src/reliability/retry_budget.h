// RetryBudget: caps retries to a fraction of recent traffic, so a failing
// dependency sees at most (1 + ratio) x the normal load instead of
// max_attempts x (Finagle's RetryBudget, Envoy's retry_budget). Over the
// last `window` seconds:
//
//   retries allowed <= retry_ratio x requests + min_retries_per_second x window
//
// Thread safety: all members may be called concurrently; the counters are
// per-second buckets of atomics (a mutex only when a second rolls over).
// Concurrent TryAcquireRetry calls reserve optimistically and give back, so
// the limit holds exactly once callers are quiescent.
#pragma once

#include <cstdint>

#include "common/clock.h"
#include "common/status.h"
#include "reliability/rolling_counters.h"

namespace churnml::reliability {

struct RetryBudgetConfig {
  // Retries allowed per original request, [0, 10]. 0.2 = 20% extra load.
  double retry_ratio = 0.2;
  // Retries always allowed per second of window, so low traffic can retry (>= 0).
  double min_retries_per_second = 10.0;
  // Seconds of history the budget counts, [1, 3600].
  int64_t window_seconds = 10;

  // This config, or InvalidArgument naming the field out of range.
  Result<RetryBudgetConfig> Validate() const;
};

class RetryBudget {
 public:
  // Precondition: config.Validate() succeeds (values are clamped otherwise).
  RetryBudget(const RetryBudgetConfig& config, const Clock& clock);
  RetryBudget(const RetryBudget&) = delete;
  RetryBudget& operator=(const RetryBudget&) = delete;

  // Counts one original request (a deposit into the budget).
  void RecordRequest();
  // True and one retry counted if the budget allows another retry now.
  bool TryAcquireRetry();

  // Over the current window.
  int64_t requests() const;
  int64_t retries() const;
  // Retries still allowed now (may be 0).
  int64_t available() const;

  const RetryBudgetConfig& config() const { return config_; }

 private:
  int64_t Allowed() const;

  const RetryBudgetConfig config_;
  mutable RollingCounters<2> counters_;  // [requests, retries]
};

}  // namespace churnml::reliability
