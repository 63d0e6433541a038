// The p99 latency signal of `churnml autoscale run --signal p99`
// (docs/deploy.md): serve's prediction-route latency histogram
// (churnml_http_request_duration_seconds_bucket) read from one scrape, the
// increase between two scrapes of one replica, the sum of those increases
// over the replicas (PromQL's `sum by (le)`), and Prometheus'
// histogram_quantile over classic buckets. Together:
//   histogram_quantile(0.99, sum by (le) (increase(..._bucket{route=~prediction}[interval])))
// computed from two scrapes instead of a Prometheus server.
// Pure functions; thread-compatible.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "common/status.h"
#include "scaling/prometheus_text.h"

namespace churnml::scaling {

struct HistogramBucket {
  double upper_bound = 0;  // the `le` label; +Inf for the last bucket
  double count = 0;        // cumulative: observations <= upper_bound
};

// Cumulative buckets sorted by upper bound, one per distinct bound. Empty
// when the replica exposes no prediction-route buckets (nothing answered
// yet on those routes).
struct LatencyHistogram {
  std::vector<HistogramBucket> buckets;

  // Observations in total (the +Inf bucket's count), 0 when empty.
  double Total() const;
};

inline constexpr size_t kMaxHistogramBuckets = 128;  // distinct `le` bounds per replica

// Reads the prediction routes' latency buckets from one scrape and sums
// them by `le` over the routes. InvalidArgument, naming the route and the
// bound, when a replica's buckets are hostile: an `le` that is not a
// number, a count that is negative, NaN or infinite, a route whose
// cumulative counts go down as `le` grows (not a histogram), a route
// without a +Inf bucket, or more than kMaxHistogramBuckets bounds.
Result<LatencyHistogram> ReadPredictionLatency(const std::vector<PromSample>& samples);

// The observations between two scrapes of one replica: `after` - `before`
// bucket by bucket. nullopt when the replica restarted in between (its
// total or any bucket went down) or its bucket bounds changed: its
// increase over this interval is unknown and is skipped.
std::optional<LatencyHistogram> HistogramIncrease(const LatencyHistogram& before,
                                                  const LatencyHistogram& after);

// Adds `h` into `sum` bound by bound (PromQL `sum by (le)`); bounds that
// only one side has are kept, as Prometheus keeps every `le` series.
void AddHistogram(const LatencyHistogram& h, LatencyHistogram* sum);

// Prometheus' histogram_quantile(q, buckets) for classic buckets, as
// promql/quantile.go defines it: NaN when q is NaN, when the highest bound
// is not +Inf, when fewer than 2 buckets remain after merging equal bounds,
// or when there are no observations; -Inf for q < 0 and +Inf for q > 1.
// Counts are made monotone (each at least the one before) as Prometheus
// does; the rank q x total is found in the first bucket whose count reaches
// it and interpolated linearly inside it, from 0 for the lowest bucket
// (when its bound is > 0; otherwise that bound is the answer); a rank in
// the +Inf bucket answers the highest finite bound.
double HistogramQuantile(double q, std::vector<HistogramBucket> buckets);

}  // namespace churnml::scaling
