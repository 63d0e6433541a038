#include "scaling/latency_histogram.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>

#include "common/strings.h"
#include "scaling/replica_signal.h"

namespace churnml::scaling {
namespace {

constexpr std::string_view kBucketSeries = "churnml_http_request_duration_seconds_bucket";
constexpr double kInf = std::numeric_limits<double>::infinity();

// `le` as Prometheus writes it: a float, or +Inf.
std::optional<double> ParseBound(std::string_view text) {
  if (text == "+Inf" || text == "Inf") return kInf;
  const std::optional<double> v = ParseDouble(text);
  if (!v || !std::isfinite(*v)) return std::nullopt;
  return v;
}

// The series a bucket belongs to: every label but `le`, in text order.
std::string SeriesKey(const PromSample& s) {
  std::string key;
  for (const auto& [k, v] : s.labels) {
    if (k == "le") continue;
    key += k;
    key += '\x1f';
    key += v;
    key += '\x1e';
  }
  return key;
}

std::string Shown(std::string_view route) {
  return "route \"" + std::string(route.substr(0, 80)) + "\"";
}

}  // namespace

double LatencyHistogram::Total() const { return buckets.empty() ? 0 : buckets.back().count; }

Result<LatencyHistogram> ReadPredictionLatency(const std::vector<PromSample>& samples) {
  struct Series {
    std::string route;
    std::vector<HistogramBucket> buckets;
  };
  std::map<std::string, Series> series;
  std::map<double, double> sum;  // by le
  for (const PromSample& s : samples) {
    if (s.name != kBucketSeries || !IsPredictionRoute(s.Label("route"))) continue;
    const std::string_view route = s.Label("route");
    const std::optional<double> le = ParseBound(s.Label("le"));
    if (!le) {
      return InvalidArgumentError(fmt::format("{}: {} bucket le=\"{}\" is not a number",
                                              kBucketSeries, Shown(route),
                                              s.Label("le").substr(0, 40)));
    }
    if (!(s.value >= 0) || std::isinf(s.value)) {
      return InvalidArgumentError(
          fmt::format("{}: {} le=\"{}\": count {} is not a finite number "
                      ">= 0",
                      kBucketSeries, Shown(route), s.Label("le").substr(0, 40), s.value));
    }
    Series& one = series[SeriesKey(s)];
    one.route = std::string(route.substr(0, 80));
    one.buckets.push_back({*le, s.value});
    if (one.buckets.size() > kMaxHistogramBuckets) {
      return InvalidArgumentError(fmt::format("{}: {} has more than {} buckets", kBucketSeries,
                                              Shown(route), kMaxHistogramBuckets));
    }
  }
  for (auto& [key, one] : series) {
    std::sort(one.buckets.begin(), one.buckets.end(),
              [](const HistogramBucket& a, const HistogramBucket& b) {
                return a.upper_bound < b.upper_bound;
              });
    for (size_t i = 0; i < one.buckets.size(); ++i) {
      const HistogramBucket& b = one.buckets[i];
      if (i > 0 && b.upper_bound == one.buckets[i - 1].upper_bound) {
        return InvalidArgumentError(fmt::format("{}: {} has the bucket le=\"{}\" twice",
                                                kBucketSeries, Shown(one.route), b.upper_bound));
      }
      if (i > 0 && b.count < one.buckets[i - 1].count) {
        return InvalidArgumentError(fmt::format(
            "{}: {} is not a histogram: le=\"{}\" counts {} but the lower le=\"{}\" counts {}",
            kBucketSeries, Shown(one.route), b.upper_bound, b.count, one.buckets[i - 1].upper_bound,
            one.buckets[i - 1].count));
      }
      sum[b.upper_bound] += b.count;
    }
    if (one.buckets.back().upper_bound != kInf) {
      return InvalidArgumentError(
          fmt::format("{}: {} has no le=\"+Inf\" bucket", kBucketSeries, Shown(one.route)));
    }
    if (sum.size() > kMaxHistogramBuckets) {
      return InvalidArgumentError(fmt::format("{}: more than {} distinct bucket bounds",
                                              kBucketSeries, kMaxHistogramBuckets));
    }
  }
  LatencyHistogram out;
  out.buckets.reserve(sum.size());
  for (const auto& [le, count] : sum) out.buckets.push_back({le, count});
  return out;
}

std::optional<LatencyHistogram> HistogramIncrease(const LatencyHistogram& before,
                                                  const LatencyHistogram& after) {
  if (before.buckets.empty()) return after;  // nothing observed before: all of it is new
  if (after.buckets.size() != before.buckets.size()) return std::nullopt;
  LatencyHistogram out;
  out.buckets.reserve(after.buckets.size());
  for (size_t i = 0; i < after.buckets.size(); ++i) {
    const HistogramBucket& a = after.buckets[i];
    const HistogramBucket& b = before.buckets[i];
    if (a.upper_bound != b.upper_bound || a.count < b.count) return std::nullopt;
    out.buckets.push_back({a.upper_bound, a.count - b.count});
  }
  return out;
}

void AddHistogram(const LatencyHistogram& h, LatencyHistogram* sum) {
  std::map<double, double> merged;
  for (const HistogramBucket& b : sum->buckets) merged[b.upper_bound] += b.count;
  for (const HistogramBucket& b : h.buckets) merged[b.upper_bound] += b.count;
  sum->buckets.clear();
  for (const auto& [le, count] : merged) sum->buckets.push_back({le, count});
}

double HistogramQuantile(double q, std::vector<HistogramBucket> buckets) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (std::isnan(q)) return nan;
  if (q < 0) return -kInf;
  if (q > 1) return kInf;
  if (buckets.empty()) return nan;
  std::stable_sort(buckets.begin(), buckets.end(),
                   [](const HistogramBucket& a, const HistogramBucket& b) {
                     return a.upper_bound < b.upper_bound;
                   });
  if (buckets.back().upper_bound != kInf) return nan;
  // Equal bounds are one bucket (their counts add up).
  std::vector<HistogramBucket> merged;
  for (const HistogramBucket& b : buckets) {
    if (!merged.empty() && merged.back().upper_bound == b.upper_bound) {
      merged.back().count += b.count;
    } else {
      merged.push_back(b);
    }
  }
  // The envelope: a count below an earlier one is raised to it.
  for (size_t i = 1; i < merged.size(); ++i) {
    merged[i].count = std::max(merged[i].count, merged[i - 1].count);
  }
  if (merged.size() < 2) return nan;
  const double total = merged.back().count;
  if (total == 0) return nan;
  double rank = q * total;
  // The first finite bucket whose count reaches the rank; none: the +Inf one.
  size_t b = 0;
  while (b < merged.size() - 1 && merged[b].count < rank) ++b;
  if (b == merged.size() - 1) return merged[merged.size() - 2].upper_bound;
  if (b == 0 && merged[0].upper_bound <= 0) return merged[0].upper_bound;
  double start = 0;
  double count = merged[b].count;
  if (b > 0) {
    start = merged[b - 1].upper_bound;
    count -= merged[b - 1].count;
    rank -= merged[b - 1].count;
  }
  return start + (merged[b].upper_bound - start) * (rank / count);
}

}  // namespace churnml::scaling
