#include "orchestration/retry_backoff.h"

#include <algorithm>
#include <cmath>

namespace churnml::orchestration {

std::chrono::milliseconds RetryDelay(const RetryBackoffOptions& options, int attempt,
                                     double unit_random) {
  double cap = static_cast<double>(std::max<int64_t>(0, options.cap.count()));
  double exponent = std::max(0, attempt - 1);
  // pow overflows to inf for large attempts; min() then picks the cap.
  double full = std::min(cap, static_cast<double>(options.base.count()) *
                                  std::pow(std::max(1.0, options.factor), exponent));
  double jitter = std::clamp(options.jitter, 0.0, 1.0);
  double r = std::clamp(unit_random, 0.0, 1.0);
  double wait = full * (1.0 - jitter) + full * jitter * r;
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(wait)));
}

}  // namespace churnml::orchestration
