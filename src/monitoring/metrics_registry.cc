#include "monitoring/metrics_registry.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>

#include "common/strings.h"

namespace churnml::monitoring {

namespace internal {

namespace {

// Which exclusive stripes (0 .. kStripes-2) are leased.
struct StripeLeases {
  Mutex mu;
  bool leased[kStripes - 1] CHURNML_GUARDED_BY(mu) = {};
};

StripeLeases& Leases() {
  static StripeLeases* leases = new StripeLeases;  // outlives every thread_local
  return *leases;
}

}  // namespace

StripeLease::StripeLease() {
  StripeLeases& leases = Leases();
  MutexLock lock(&leases.mu);
  for (size_t i = 0; i < kStripes - 1; ++i) {
    if (!leases.leased[i]) {
      leases.leased[i] = true;
      slot_ = StripeSlot{i, true};
      return;
    }
  }
}

StripeLease::~StripeLease() {
  if (!slot_.exclusive) return;
  StripeLeases& leases = Leases();
  MutexLock lock(&leases.mu);
  leases.leased[slot_.index] = false;
  // A metric updated from a later thread_local destructor of this thread
  // then goes to the shared stripe, not one another thread may now own.
  slot_ = StripeSlot{};
}

}  // namespace internal

namespace {

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

// Text-format number: "+Inf", "-Inf", "NaN", integers without a fraction or
// exponent (counts), the shortest fixed-point text that reads back as the
// same double from 1e-4 up ("0.0001", "2.5", "1764322000.25"), and the
// shortest exponent form below ("1e-07").
void AppendValue(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[40];
  std::to_chars_result r;
  const double magnitude = std::fabs(v);
  if (v == std::trunc(v) && magnitude < 1e15) {
    r = std::to_chars(buf, buf + sizeof(buf), static_cast<int64_t>(v));
  } else if (magnitude >= 1e-4 && magnitude < 1e15) {
    r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
  } else {
    r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::general);
  }
  out.append(buf, r.ptr);
}

std::string ValueText(double v) {
  std::string s;
  AppendValue(s, v);
  return s;
}

void AppendEscaped(std::string& out, std::string_view text, bool escape_quotes) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && escape_quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

// `{a="x",b="y"}` (with an optional extra `le` pair last); nothing when empty.
void AppendLabels(std::string& out, const LabelPairs& labels, const std::string* le = nullptr) {
  if (labels.empty() && le == nullptr) return;
  out += '{';
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out += ',';
    first = false;
    out += name;
    out += "=\"";
    AppendEscaped(out, value, /*escape_quotes=*/true);
    out += '"';
  }
  if (le != nullptr) {
    if (!first) out += ',';
    out += "le=\"";
    out += *le;
    out += '"';
  }
  out += '}';
}

LabelPairs SortedPairs(const internal::FamilyInfo& info, const std::vector<std::string>& key) {
  LabelPairs pairs;
  pairs.reserve(key.size());
  for (size_t i = 0; i < key.size(); ++i) {
    pairs.emplace_back(info.label_names[info.sorted_order[i]], key[i]);
  }
  return pairs;
}

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

}  // namespace

std::string_view MetricTypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

std::vector<double> DefaultLatencyBuckets() {
  return {std::begin(kDefaultLatencyBuckets), std::end(kDefaultLatencyBuckets)};
}

Status ValidateMetricName(std::string_view name) {
  bool ok = !name.empty() && (IsNameStart(name[0]) || name[0] == ':');
  for (char c : name) ok = ok && (IsNameChar(c) || c == ':');
  if (!ok) {
    return InvalidArgumentError("metric " + Quoted(name) +
                                ": name must match [a-zA-Z_:][a-zA-Z0-9_:]*");
  }
  return Status::Ok();
}

Status ValidateLabelName(std::string_view metric, std::string_view label) {
  bool ok = !label.empty() && IsNameStart(label[0]);
  for (char c : label) ok = ok && IsNameChar(c);
  if (!ok) {
    return InvalidArgumentError("metric " + Quoted(metric) + ": label " + Quoted(label) +
                                " must match [a-zA-Z_][a-zA-Z0-9_]*");
  }
  if (label.starts_with("__")) {
    return InvalidArgumentError("metric " + Quoted(metric) + ": label " + Quoted(label) +
                                " is reserved (names starting with \"__\" are Prometheus's)");
  }
  if (label == "le") {
    return InvalidArgumentError("metric " + Quoted(metric) +
                                ": label \"le\" is reserved for histogram buckets");
  }
  return Status::Ok();
}

HistogramSnapshot Histogram::Snapshot() const {
  HistogramSnapshot snap;
  snap.upper_bounds = *bounds_;
  snap.cumulative_counts.resize(bounds_->size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_->size(); ++i) {
    running += cells_.SumCount(i);
    snap.cumulative_counts[i] = running;
  }
  snap.count = running;
  snap.sum = cells_.SumDouble(SumIndex());
  return snap;
}

// ---- Family ---------------------------------------------------------------

namespace internal {

template <typename Metric>
Result<Metric*> Family<Metric>::TryWithLabels(const std::vector<std::string>& values) {
  if (values.size() != info_.label_names.size()) {
    return InvalidArgumentError("metric " + Quoted(info_.name) + ": " +
                                std::to_string(values.size()) + " label values given for " +
                                std::to_string(info_.label_names.size()) + " labels (" +
                                Join(info_.label_names, ", ") + ")");
  }
  std::vector<std::string> key(values.size());
  for (size_t i = 0; i < values.size(); ++i) key[i] = values[info_.sorted_order[i]];
  {
    ReaderLock lock(&mu_);
    auto it = series_.find(key);
    if (it != series_.end()) return it->second.get();
  }
  return &Create(std::move(key));
}

template <typename Metric>
Metric& Family<Metric>::WithLabels(const std::vector<std::string>& values) {
  Result<Metric*> metric = TryWithLabels(values);
  if (!metric.ok()) {
    std::fprintf(stderr, "churnml: fatal: %s\n", metric.status().message().c_str());
    std::abort();
  }
  return **metric;
}

template <typename Metric>
Metric& Family<Metric>::Create(std::vector<std::string> key) {
  WriterLock lock(&mu_);
  auto [it, inserted] = series_.try_emplace(std::move(key));
  if (inserted) {
    if constexpr (std::is_same_v<Metric, Histogram>) {
      it->second = std::make_unique<Histogram>(instrumentation_, &info_.upper_bounds);
    } else {
      it->second = std::make_unique<Metric>(instrumentation_);
    }
  }
  return *it->second;
}

template <typename Metric>
void Family<Metric>::ForEach(
    const std::function<void(const LabelPairs&, const Metric&)>& fn) const {
  ReaderLock lock(&mu_);
  for (const auto& [key, metric] : series_) fn(SortedPairs(info_, key), *metric);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

}  // namespace internal

// ---- CollectorSink --------------------------------------------------------

void CollectorSink::AddGauge(std::string_view name, std::string_view help, LabelPairs labels,
                             double value) {
  Add(MetricType::kGauge, name, help, std::move(labels), value);
}

void CollectorSink::AddCounter(std::string_view name, std::string_view help, LabelPairs labels,
                               double value) {
  Add(MetricType::kCounter, name, help, std::move(labels), value);
}

void CollectorSink::Fail(Status status) {
  if (error_.ok()) error_ = std::move(status);
}

void CollectorSink::Add(MetricType type, std::string_view name, std::string_view help,
                        LabelPairs labels, double value) {
  if (Status s = ValidateMetricName(name); !s.ok()) return Fail(s);
  if (type == MetricType::kCounter && !name.ends_with("_total")) {
    return Fail(InvalidArgumentError("metric " + Quoted(name) +
                                     ": a counter's name must end in \"_total\""));
  }
  if (reserved_names_ != nullptr &&
      std::binary_search(reserved_names_->begin(), reserved_names_->end(), name)) {
    return Fail(AlreadyExistsError("metric " + Quoted(name) +
                                   ": collected, but a registered family has this name"));
  }
  std::sort(labels.begin(), labels.end());
  for (size_t i = 0; i < labels.size(); ++i) {
    if (Status s = ValidateLabelName(name, labels[i].first); !s.ok()) return Fail(s);
    if (i > 0 && labels[i].first == labels[i - 1].first) {
      return Fail(InvalidArgumentError("metric " + Quoted(name) + ": label " +
                                       Quoted(labels[i].first) + " given twice"));
    }
  }
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_.emplace(std::string(name), CollectedFamily{std::string(help), type, {}}).first;
  } else if (it->second.type != type) {
    return Fail(InvalidArgumentError("metric " + Quoted(name) + ": collected as both " +
                                     std::string(MetricTypeName(it->second.type)) + " and " +
                                     std::string(MetricTypeName(type))));
  }
  for (const auto& sample : it->second.samples) {
    if (sample.first == labels) {
      return Fail(
          AlreadyExistsError("metric " + Quoted(name) + ": the same label set collected twice"));
    }
  }
  it->second.samples.emplace_back(std::move(labels), value);
}

// ---- MetricsRegistry ------------------------------------------------------

// A scrape's worth of values, families sorted by name.
struct MetricsRegistry::Snapshot {
  struct Series {
    LabelPairs labels;
    double value = 0;           // counters and gauges
    HistogramSnapshot buckets;  // histograms
  };
  struct FamilyValues {
    std::string_view name;
    std::string_view help;
    MetricType type;
    std::vector<Series> series;
  };
  std::vector<FamilyValues> families;
  CollectorSink sink;  // owns collected names and help texts
};

MetricsRegistry::MetricsRegistry(MetricsRegistryOptions options) : options_(options) {}

const internal::FamilyInfo& MetricsRegistry::Entry::info() const {
  switch (type) {
    case MetricType::kCounter:
      return counter->info();
    case MetricType::kGauge:
      return gauge->info();
    case MetricType::kHistogram:
      break;
  }
  return histogram->info();
}

Result<MetricsRegistry::Entry*> MetricsRegistry::Declare(MetricType type, std::string name,
                                                         std::string help,
                                                         std::vector<std::string> label_names,
                                                         std::vector<double> upper_bounds) {
  CHURNML_RETURN_IF_ERROR(ValidateMetricName(name));
  if (type == MetricType::kCounter && !name.ends_with("_total")) {
    return InvalidArgumentError("metric " + Quoted(name) +
                                ": a counter's name must end in \"_total\"");
  }
  for (size_t i = 0; i < label_names.size(); ++i) {
    CHURNML_RETURN_IF_ERROR(ValidateLabelName(name, label_names[i]));
    for (size_t j = 0; j < i; ++j) {
      if (label_names[j] == label_names[i]) {
        return InvalidArgumentError("metric " + Quoted(name) + ": label " + Quoted(label_names[i]) +
                                    " declared twice");
      }
    }
  }
  if (type == MetricType::kHistogram) {
    if (!upper_bounds.empty() && std::isinf(upper_bounds.back()) && upper_bounds.back() > 0) {
      upper_bounds.pop_back();
    }
    if (upper_bounds.empty()) {
      return InvalidArgumentError("metric " + Quoted(name) + ": a histogram needs bucket bounds");
    }
    for (size_t i = 0; i < upper_bounds.size(); ++i) {
      if (!std::isfinite(upper_bounds[i]) || (i > 0 && upper_bounds[i] <= upper_bounds[i - 1])) {
        return InvalidArgumentError("metric " + Quoted(name) + ": bucket bound " +
                                    ValueText(upper_bounds[i]) +
                                    " is not finite or not above the one before");
      }
    }
  }

  internal::FamilyInfo info{
      std::move(name), std::move(help), type, std::move(label_names), {}, std::move(upper_bounds)};
  info.sorted_order.resize(info.label_names.size());
  std::iota(info.sorted_order.begin(), info.sorted_order.end(), size_t{0});
  std::sort(info.sorted_order.begin(), info.sorted_order.end(),
            [&](size_t a, size_t b) { return info.label_names[a] < info.label_names[b]; });

  MutexLock lock(&mu_);
  auto it = families_.find(info.name);
  if (it != families_.end()) {
    const internal::FamilyInfo& old = it->second.info();
    if (old.type == type && old.help == info.help && old.label_names == info.label_names &&
        old.upper_bounds == info.upper_bounds) {
      return &it->second;
    }
    return AlreadyExistsError("metric " + Quoted(info.name) + ": already registered as a " +
                              std::string(MetricTypeName(old.type)) + " with labels (" +
                              Join(old.label_names, ", ") + ") and different help or buckets");
  }
  std::vector<std::string> reserved = {info.name};
  if (type == MetricType::kHistogram) {
    reserved = {info.name, info.name + "_bucket", info.name + "_sum", info.name + "_count"};
  }
  Entry entry{type, nullptr, nullptr, nullptr};
  switch (type) {
    case MetricType::kCounter:
      entry.counter = std::make_unique<CounterFamily>(std::move(info), options_.instrumentation);
      break;
    case MetricType::kGauge:
      entry.gauge = std::make_unique<GaugeFamily>(std::move(info), options_.instrumentation);
      break;
    case MetricType::kHistogram:
      entry.histogram =
          std::make_unique<HistogramFamily>(std::move(info), options_.instrumentation);
      break;
  }
  const std::string& key = entry.info().name;
  auto [pos, inserted] = families_.emplace(key, std::move(entry));
  for (std::string& r : reserved) {
    family_names_.insert(std::upper_bound(family_names_.begin(), family_names_.end(), r),
                         std::move(r));
  }
  return &pos->second;
}

Result<CounterFamily*> MetricsRegistry::AddCounter(std::string name, std::string help,
                                                   std::vector<std::string> label_names) {
  CHURNML_ASSIGN_OR_RETURN(Entry * entry, Declare(MetricType::kCounter, std::move(name),
                                                  std::move(help), std::move(label_names), {}));
  return entry->counter.get();
}

Result<GaugeFamily*> MetricsRegistry::AddGauge(std::string name, std::string help,
                                               std::vector<std::string> label_names) {
  CHURNML_ASSIGN_OR_RETURN(Entry * entry, Declare(MetricType::kGauge, std::move(name),
                                                  std::move(help), std::move(label_names), {}));
  return entry->gauge.get();
}

Result<HistogramFamily*> MetricsRegistry::AddHistogram(std::string name, std::string help,
                                                       std::vector<std::string> label_names,
                                                       std::vector<double> upper_bounds) {
  CHURNML_ASSIGN_OR_RETURN(Entry * entry,
                           Declare(MetricType::kHistogram, std::move(name), std::move(help),
                                   std::move(label_names), std::move(upper_bounds)));
  return entry->histogram.get();
}

void MetricsRegistry::AddCollector(Collector collector) {
  MutexLock lock(&mu_);
  collectors_.push_back(std::move(collector));
}

MetricsRegistry::Snapshot MetricsRegistry::TakeSnapshot() const {
  Snapshot snap;
  std::vector<Collector> collectors;
  std::vector<std::string> reserved;
  std::vector<const Entry*> entries;
  {
    MutexLock lock(&mu_);
    collectors = collectors_;
    reserved = family_names_;
    for (const auto& [name, entry] : families_) entries.push_back(&entry);
  }
  // Entries are never removed, so the pointers stay valid without the lock.
  snap.sink.reserved_names_ = &reserved;
  for (const Collector& collect : collectors) collect(snap.sink);
  snap.sink.reserved_names_ = nullptr;
  {
    MutexLock lock(&mu_);
    last_collector_error_ = snap.sink.error();
  }

  for (const Entry* entry : entries) {
    const internal::FamilyInfo& info = entry->info();
    Snapshot::FamilyValues fam{info.name, info.help, info.type, {}};
    switch (info.type) {
      case MetricType::kCounter:
        entry->counter->ForEach([&](const LabelPairs& labels, const Counter& c) {
          fam.series.push_back({labels, c.Value(), {}});
        });
        break;
      case MetricType::kGauge:
        entry->gauge->ForEach([&](const LabelPairs& labels, const Gauge& g) {
          fam.series.push_back({labels, g.Value(), {}});
        });
        break;
      case MetricType::kHistogram:
        entry->histogram->ForEach([&](const LabelPairs& labels, const Histogram& h) {
          fam.series.push_back({labels, 0, h.Snapshot()});
        });
        break;
    }
    snap.families.push_back(std::move(fam));
  }
  for (auto& [name, collected] : snap.sink.families_) {
    Snapshot::FamilyValues fam{name, collected.help, collected.type, {}};
    std::sort(collected.samples.begin(), collected.samples.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [labels, value] : collected.samples) {
      fam.series.push_back({labels, value, {}});
    }
    snap.families.push_back(std::move(fam));
  }
  std::sort(snap.families.begin(), snap.families.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return snap;
}

std::string MetricsRegistry::RenderText() const {
  const Clock::TimePoint start = options_.clock->Now();
  Snapshot snap = TakeSnapshot();
  std::string out;
  out.reserve(16384);
  std::vector<std::string> le_texts;
  for (const Snapshot::FamilyValues& fam : snap.families) {
    if (fam.series.empty()) continue;
    out += "# HELP ";
    out += fam.name;
    out += ' ';
    AppendEscaped(out, fam.help, /*escape_quotes=*/false);
    out += "\n# TYPE ";
    out += fam.name;
    out += ' ';
    out += MetricTypeName(fam.type);
    out += '\n';
    if (fam.type != MetricType::kHistogram) {
      for (const Snapshot::Series& s : fam.series) {
        out += fam.name;
        AppendLabels(out, s.labels);
        out += ' ';
        AppendValue(out, s.value);
        out += '\n';
      }
      continue;
    }
    le_texts.clear();
    for (double bound : fam.series.front().buckets.upper_bounds) {
      le_texts.push_back(ValueText(bound));
    }
    le_texts.push_back("+Inf");
    for (const Snapshot::Series& s : fam.series) {
      const HistogramSnapshot& h = s.buckets;
      for (size_t i = 0; i < h.cumulative_counts.size(); ++i) {
        out += fam.name;
        out += "_bucket";
        AppendLabels(out, s.labels, &le_texts[i]);
        out += ' ';
        AppendValue(out, static_cast<double>(h.cumulative_counts[i]));
        out += '\n';
      }
      out += fam.name;
      out += "_sum";
      AppendLabels(out, s.labels);
      out += ' ';
      AppendValue(out, h.sum);
      out += '\n';
      out += fam.name;
      out += "_count";
      AppendLabels(out, s.labels);
      out += ' ';
      AppendValue(out, static_cast<double>(h.count));
      out += '\n';
    }
  }
  const auto elapsed =
      std::chrono::duration_cast<std::chrono::nanoseconds>(options_.clock->Now() - start);
  last_render_nanos_.store(static_cast<uint64_t>(std::max<int64_t>(0, elapsed.count())),
                           std::memory_order_relaxed);
  return out;
}

std::vector<MetricSample> MetricsRegistry::Collect() const {
  Snapshot snap = TakeSnapshot();
  std::vector<MetricSample> samples;
  for (const Snapshot::FamilyValues& fam : snap.families) {
    const std::string name(fam.name);
    for (const Snapshot::Series& s : fam.series) {
      if (fam.type != MetricType::kHistogram) {
        samples.push_back({name, s.labels, s.value});
        continue;
      }
      const HistogramSnapshot& h = s.buckets;
      for (size_t i = 0; i < h.cumulative_counts.size(); ++i) {
        LabelPairs labels = s.labels;
        std::string le = i < h.upper_bounds.size() ? ValueText(h.upper_bounds[i]) : "+Inf";
        labels.emplace(
            std::upper_bound(labels.begin(), labels.end(), std::pair{std::string("le"), le}), "le",
            le);
        samples.push_back(
            {name + "_bucket", std::move(labels), static_cast<double>(h.cumulative_counts[i])});
      }
      samples.push_back({name + "_sum", s.labels, h.sum});
      samples.push_back({name + "_count", s.labels, static_cast<double>(h.count)});
    }
  }
  return samples;
}

double MetricsRegistry::scrape_duration_seconds() const {
  return static_cast<double>(last_render_nanos_.load(std::memory_order_relaxed)) * 1e-9;
}

Status MetricsRegistry::last_collector_error() const {
  MutexLock lock(&mu_);
  return last_collector_error_;
}

}  // namespace churnml::monitoring
