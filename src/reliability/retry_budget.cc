#include "reliability/retry_budget.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace churnml::reliability {
namespace {

constexpr size_t kRequests = 0;
constexpr size_t kRetries = 1;

RetryBudgetConfig Clamp(RetryBudgetConfig c) {
  if (!(c.retry_ratio >= 0.0)) c.retry_ratio = 0.0;
  c.retry_ratio = std::min(c.retry_ratio, 10.0);
  if (!(c.min_retries_per_second >= 0.0)) c.min_retries_per_second = 0.0;
  c.window_seconds = std::clamp<int64_t>(c.window_seconds, 1, 3600);
  return c;
}

}  // namespace

Result<RetryBudgetConfig> RetryBudgetConfig::Validate() const {
  if (!(retry_ratio >= 0.0 && retry_ratio <= 10.0)) {
    return InvalidArgumentError(
        fmt::format("retry budget config: retry_ratio must be in [0, 10], got {}", retry_ratio));
  }
  if (!(min_retries_per_second >= 0.0) || std::isinf(min_retries_per_second)) {
    return InvalidArgumentError(
        fmt::format("retry budget config: min_retries_per_second must be >= 0 and finite, got {}",
                    min_retries_per_second));
  }
  if (window_seconds < 1 || window_seconds > 3600) {
    return InvalidArgumentError(fmt::format(
        "retry budget config: window_seconds must be in [1, 3600], got {}", window_seconds));
  }
  return *this;
}

RetryBudget::RetryBudget(const RetryBudgetConfig& config, const Clock& clock)
    : config_(Clamp(config)), counters_(config_.window_seconds, clock) {}

void RetryBudget::RecordRequest() { counters_.Add(counters_.CurrentBucket(), kRequests, 1); }

int64_t RetryBudget::Allowed() const {
  return static_cast<int64_t>(
      std::floor(config_.retry_ratio * static_cast<double>(counters_.Total(kRequests)) +
                 config_.min_retries_per_second * static_cast<double>(config_.window_seconds)));
}

bool RetryBudget::TryAcquireRetry() {
  const size_t bucket = counters_.CurrentBucket();
  counters_.Add(bucket, kRetries, 1);
  if (counters_.Total(kRetries) <= Allowed()) return true;
  counters_.Add(bucket, kRetries, -1);  // give the reservation back
  return false;
}

int64_t RetryBudget::requests() const {
  counters_.Refresh();
  return counters_.Total(kRequests);
}

int64_t RetryBudget::retries() const {
  counters_.Refresh();
  return counters_.Total(kRetries);
}

int64_t RetryBudget::available() const {
  counters_.Refresh();
  return std::max<int64_t>(0, Allowed() - counters_.Total(kRetries));
}

}  // namespace churnml::reliability
