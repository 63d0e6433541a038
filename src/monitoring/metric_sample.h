// One scraped value: the hand-off from the metrics registry to everything
// that reads metrics in-process (the alert evaluator, the health monitor,
// tests), so they never parse the text exposition format.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace churnml::monitoring {

// A histogram contributes one sample per bucket (`<name>_bucket` with an
// `le` label, "+Inf" last), plus `<name>_sum` and `<name>_count`, exactly as
// in the Prometheus text format; counters and gauges contribute `<name>`.
struct MetricSample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;  // sorted by name
  double value = 0;
};

}  // namespace churnml::monitoring
