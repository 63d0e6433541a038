// MetricsRegistry: the process's counters, gauges and histograms, rendered
// in the Prometheus text exposition format (0.0.4) for /metrics and handed
// to in-process readers (alerts, health) as MetricSample values.
//
// Families are declared up front (AddCounter/AddGauge/AddHistogram); a
// labelled family hands out one stable metric object per label-value tuple
// (WithLabels), which callers look up once and keep, so the hot path
// (Counter::Increment, Histogram::Observe) is a plain load and store (or an
// atomic add when more threads than stripes update metrics) on a per-thread
// stripe: no lock, no lookup, no allocation.
//
// Instrumentation off: construct the registry with
// `MetricsRegistryOptions{.instrumentation = Instrumentation::kOff}`. Every
// family and metric object still exists (callers keep the same code), but
// Increment/Set/Add/Observe return after one predictable branch and values
// stay 0; RenderText/Collect still list the families and collector output.
//
// Thread safety: every method of every type here may be called from any
// thread concurrently. References returned by Add*/WithLabels/Get stay valid
// for the registry's lifetime.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/mutex.h"
#include "common/status.h"
#include "monitoring/metric_cells.h"
#include "monitoring/metric_sample.h"

namespace churnml::monitoring {

// The Content-Type of RenderText's output.
inline constexpr char kTextFormatContentType[] = "text/plain; version=0.0.4; charset=utf-8";

enum class Instrumentation { kOn, kOff };

enum class MetricType { kCounter, kGauge, kHistogram };

// "counter", "gauge", "histogram" (the text format's TYPE names).
std::string_view MetricTypeName(MetricType type);

// Latency buckets (seconds) from the metric catalogue, for every
// *_duration_seconds histogram.
inline constexpr double kDefaultLatencyBuckets[] = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
std::vector<double> DefaultLatencyBuckets();

// Validation shared with collectors. Each returns InvalidArgument naming the
// metric (and the label) on failure.
//   metric name: [a-zA-Z_:][a-zA-Z0-9_:]*
//   label name:  [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__", not "le"
Status ValidateMetricName(std::string_view name);
Status ValidateLabelName(std::string_view metric, std::string_view label);

// A monotonically increasing value.
class Counter {
 public:
  explicit Counter(Instrumentation instrumentation)
      : on_(instrumentation == Instrumentation::kOn), cells_(1) {}

  // Adds `amount` (default 1). Negative and NaN amounts are ignored: a
  // counter never goes down. Lock-free.
  void Increment(double amount = 1) {
    if (!on_ || !(amount >= 0)) return;
    const internal::StripeSlot& slot = internal::ThisThreadStripe();
    internal::StripeAddDouble(slot, cells_.Word(slot.index, 0), amount);
  }
  double Value() const { return cells_.SumDouble(0); }

 private:
  const bool on_;
  internal::StripedWords cells_;
};

// A value that goes up and down. One shared cell (Set cannot be striped).
class Gauge {
 public:
  explicit Gauge(Instrumentation instrumentation) : on_(instrumentation == Instrumentation::kOn) {}

  void Set(double value) {
    if (on_) cell_.store(std::bit_cast<uint64_t>(value), std::memory_order_relaxed);
  }
  void Add(double delta) {
    if (on_) internal::AtomicAddDouble(cell_, delta);
  }
  double Value() const { return internal::LoadDouble(cell_); }

 private:
  const bool on_;
  alignas(64) std::atomic<uint64_t> cell_{0};
};

// Point-in-time view of one histogram series.
struct HistogramSnapshot {
  std::vector<double> upper_bounds;         // without +Inf
  std::vector<uint64_t> cumulative_counts;  // one per bound, then +Inf (== count)
  double sum = 0;
  uint64_t count = 0;
};

// Observations counted into fixed buckets, plus their sum and count.
class Histogram {
 public:
  // `upper_bounds`: strictly increasing, finite (validated by the registry).
  Histogram(Instrumentation instrumentation, const std::vector<double>* upper_bounds)
      : on_(instrumentation == Instrumentation::kOn),
        bounds_(upper_bounds),
        cells_(upper_bounds->size() + 2) {}

  // Counts `value` into the first bucket whose bound is >= value (+Inf when
  // none) and adds it to the sum. NaN is ignored. Lock-free.
  void Observe(double value) {
    if (!on_ || value != value) return;
    const internal::StripeSlot& slot = internal::ThisThreadStripe();
    internal::StripeAddCount(slot, cells_.Word(slot.index, BucketIndex(value)), 1);
    internal::StripeAddDouble(slot, cells_.Word(slot.index, SumIndex()), value);
  }

  HistogramSnapshot Snapshot() const;

 private:
  size_t BucketIndex(double value) const {
    // Bucket lists are short (15 in the catalogue): a linear scan beats a
    // binary search on them.
    const std::vector<double>& b = *bounds_;
    size_t i = 0;
    while (i < b.size() && value > b[i]) ++i;
    return i;
  }
  size_t SumIndex() const { return bounds_->size() + 1; }

  const bool on_;
  const std::vector<double>* bounds_;  // owned by the family
  internal::StripedWords cells_;       // buckets 0..n (n = +Inf), then sum
};

namespace internal {

// What a family knows about itself; shared by the three family types.
struct FamilyInfo {
  std::string name;
  std::string help;
  MetricType type;
  std::vector<std::string> label_names;  // as declared
  std::vector<size_t> sorted_order;      // declared positions, by label name
  std::vector<double> upper_bounds;      // histograms only
};

// Families of one metric type: label values → metric object.
template <typename Metric>
class Family {
 public:
  Family(FamilyInfo info, Instrumentation instrumentation)
      : info_(std::move(info)), instrumentation_(instrumentation) {}

  const FamilyInfo& info() const { return info_; }

  // The metric for these label values (in declared label order), created on
  // first use. Look it up once and keep the reference: this takes a lock.
  // Precondition: values.size() equals the number of label names (a
  // mismatch is a programming error and aborts with a message naming the
  // metric; use TryWithLabels for values that come from input).
  Metric& WithLabels(const std::vector<std::string>& values);
  Result<Metric*> TryWithLabels(const std::vector<std::string>& values);

  // The one metric of an unlabelled family (same precondition).
  Metric& Get() { return WithLabels({}); }

  // Calls fn(sorted label pairs, metric) for every series, sorted by labels.
  void ForEach(const std::function<void(const std::vector<std::pair<std::string, std::string>>&,
                                        const Metric&)>& fn) const;

 private:
  Metric& Create(std::vector<std::string> key);

  FamilyInfo info_;
  Instrumentation instrumentation_;
  mutable SharedMutex mu_;
  // Keyed by label values in sorted-label-name order, so iteration is the
  // rendered order.
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> series_ CHURNML_GUARDED_BY(mu_);
};

}  // namespace internal

using CounterFamily = internal::Family<Counter>;
using GaugeFamily = internal::Family<Gauge>;
using HistogramFamily = internal::Family<Histogram>;

using LabelPairs = std::vector<std::pair<std::string, std::string>>;

// Where a collector reports values computed at scrape time. Samples are
// grouped into families by name (help from the first sample of a name).
// Invalid names, a name that a registered family already uses, a second
// type for one name, and a repeated label set are dropped, and the first
// such problem is kept in error().
class CollectorSink {
 public:
  void AddGauge(std::string_view name, std::string_view help, LabelPairs labels, double value);
  void AddCounter(std::string_view name, std::string_view help, LabelPairs labels, double value);

  const Status& error() const { return error_; }

 private:
  friend class MetricsRegistry;
  struct CollectedFamily {
    std::string help;
    MetricType type;
    std::vector<std::pair<LabelPairs, double>> samples;
  };
  void Add(MetricType type, std::string_view name, std::string_view help, LabelPairs labels,
           double value);
  void Fail(Status status);

  const std::vector<std::string>* reserved_names_ = nullptr;  // sorted
  std::map<std::string, CollectedFamily, std::less<>> families_;
  Status error_;
};

using Collector = std::function<void(CollectorSink&)>;

struct MetricsRegistryOptions {
  // kOff: metric updates are no-ops (for measuring serving without metrics).
  Instrumentation instrumentation = Instrumentation::kOn;
  // Times RenderText for scrape_duration_seconds().
  const Clock* clock = &RealClock();
};

class MetricsRegistry {
 public:
  explicit MetricsRegistry(MetricsRegistryOptions options = {});
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Declares a family. Errors (InvalidArgument, naming the metric): invalid
  // metric or label name, a counter name without the `_total` suffix, a
  // repeated label name, histogram bounds that are empty, not finite or not
  // strictly increasing (a trailing +Inf is accepted and dropped).
  // Declaring a name again with the identical definition returns the
  // existing family; with a different definition, AlreadyExists.
  Result<CounterFamily*> AddCounter(std::string name, std::string help,
                                    std::vector<std::string> label_names = {});
  Result<GaugeFamily*> AddGauge(std::string name, std::string help,
                                std::vector<std::string> label_names = {});
  Result<HistogramFamily*> AddHistogram(std::string name, std::string help,
                                        std::vector<std::string> label_names,
                                        std::vector<double> upper_bounds);

  // Adds a function run on every RenderText/Collect (from the calling
  // thread, without registry locks held) to report values computed then.
  void AddCollector(Collector collector);

  // Every family (registered and collected) in the text exposition format
  // 0.0.4, families sorted by name, series by label values. Families with
  // no series are left out.
  std::string RenderText() const;

  // The same values as samples (histograms as _bucket/_sum/_count).
  std::vector<MetricSample> Collect() const;

  // How long the previous RenderText took, in seconds (0 before the first).
  double scrape_duration_seconds() const;

  // The first problem the collectors reported in the last scrape (OK if none).
  Status last_collector_error() const;

  Instrumentation instrumentation() const { return options_.instrumentation; }

 private:
  struct Entry {
    MetricType type;
    std::unique_ptr<CounterFamily> counter;
    std::unique_ptr<GaugeFamily> gauge;
    std::unique_ptr<HistogramFamily> histogram;
    const internal::FamilyInfo& info() const;
  };
  struct Snapshot;

  Result<Entry*> Declare(MetricType type, std::string name, std::string help,
                         std::vector<std::string> label_names, std::vector<double> upper_bounds);
  Snapshot TakeSnapshot() const;

  MetricsRegistryOptions options_;
  mutable Mutex mu_;
  std::map<std::string, Entry, std::less<>> families_ CHURNML_GUARDED_BY(mu_);
  std::vector<std::string> family_names_ CHURNML_GUARDED_BY(mu_);  // sorted
  std::vector<Collector> collectors_ CHURNML_GUARDED_BY(mu_);
  mutable Status last_collector_error_ CHURNML_GUARDED_BY(mu_);
  mutable std::atomic<uint64_t> last_render_nanos_{0};
};

}  // namespace churnml::monitoring
