// libFuzzer target: every input is a /metrics answer as `churnml autoscale
// run` scrapes it — parsed with small limits (so the limits themselves are
// exercised), then read into a replica's counters. A failure must be one
// short InvalidArgument naming a line; nothing may crash, hang or keep more
// samples or labels than the limits allow.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "scaling/latency_histogram.h"
#include "scaling/prometheus_text.h"
#include "scaling/replica_signal.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace churnml::scaling;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  PrometheusTextLimits limits;
  limits.max_bytes = 1 << 16;
  limits.max_line_bytes = 512;
  limits.max_samples = 64;
  limits.max_labels = 8;
  churnml::Result<std::vector<PromSample>> samples = ParsePrometheusText(text, limits);
  if (!samples.ok()) {
    if (samples.status().code() != churnml::StatusCode::kInvalidArgument) std::abort();
    if (samples.status().message().size() > 300) std::abort();
    if (samples.status().message().find("line") == std::string::npos &&
        samples.status().message().find("byte limit") == std::string::npos) {
      std::abort();
    }
    return 0;
  }
  if (samples->size() > limits.max_samples) std::abort();
  for (const PromSample& s : *samples) {
    if (s.labels.size() > limits.max_labels) std::abort();
  }
  const ReplicaCounters c = ReadReplicaCounters(*samples);
  if (LoadBetween({}, c, 1.0, LoadSignal::kRequestRate) < 0) std::abort();
  // The p99 and queue-depth readings: refused in one line, or a histogram
  // whose quantile is a bound of its own buckets (or NaN), never a crash.
  churnml::Result<LatencyHistogram> h = ReadPredictionLatency(*samples);
  if (h.ok()) {
    if (h->buckets.size() > kMaxHistogramBuckets) std::abort();
    const double p99 = HistogramQuantile(0.99, h->buckets);
    if (!std::isnan(p99)) {
      // Between the lowest bound (or 0) and the highest finite bound.
      if (h->buckets.size() < 2) std::abort();
      const double lo = std::min(0.0, h->buckets.front().upper_bound);
      const double hi = h->buckets[h->buckets.size() - 2].upper_bound;
      const double slack = 1e-9 * std::max({1.0, std::fabs(lo), std::fabs(hi)});  // rounding
      if (p99 < lo - slack || p99 > hi + slack) std::abort();
    }
    if (HistogramIncrease(*h, *h) && HistogramIncrease(*h, *h)->Total() != 0) std::abort();
  } else if (h.status().message().size() > 400) {
    std::abort();
  }
  churnml::Result<std::map<std::string, double>> depths = ReadQueueDepths(*samples);
  if (depths.ok() && depths->size() > kMaxQueues) std::abort();
  return 0;
}
