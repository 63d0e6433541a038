#include "reliability/health_monitor.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "reliability/duration_format.h"

namespace churnml::reliability {
namespace {

Status ConfigError(std::string_view field, std::string_view requirement, const std::string& got) {
  return InvalidArgumentError(
      fmt::format("health config: {} must be {}, got {}", field, requirement, got));
}

bool InUnit(double v) { return v >= 0.0 && v <= 1.0; }

HealthConfig Clamp(HealthConfig c) {
  if (c.interval <= Clock::Duration::zero()) c.interval = std::chrono::seconds(1);
  if (!(c.ewma_alpha > 0.0 && c.ewma_alpha <= 1.0)) c.ewma_alpha = 0.1;
  if (!InUnit(c.anomaly_alpha_factor)) c.anomaly_alpha_factor = 0.1;
  if (!(c.degraded_z > 0.0)) c.degraded_z = 3.0;
  if (!(c.critical_z >= c.degraded_z)) c.critical_z = c.degraded_z;
  c.min_latency_stddev = std::max(c.min_latency_stddev, Clock::Duration(1));
  if (!(c.min_latency_stddev_fraction >= 0.0)) c.min_latency_stddev_fraction = 0.0;
  if (!(c.min_error_rate_stddev > 0.0)) c.min_error_rate_stddev = 0.05;
  for (double* rate : {&c.degraded_error_rate, &c.critical_error_rate, &c.degraded_fallback_rate,
                       &c.critical_fallback_rate}) {
    *rate = std::clamp(std::isnan(*rate) ? 1.0 : *rate, 0.0, 1.0);
  }
  c.min_requests = std::max<int64_t>(c.min_requests, 1);
  c.warmup_intervals = std::max<int64_t>(c.warmup_intervals, 1);
  c.recovery_intervals = std::max<int64_t>(c.recovery_intervals, 1);
  return c;
}

// The shard a thread adds to: threads are spread round-robin so two
// serving threads do not share a cache line.
std::atomic<size_t> next_shard{0};

std::string Percent(double rate) { return fmt::format("{:.1f}%", rate * 100.0); }

}  // namespace

std::string_view HealthStateName(HealthState state) {
  switch (state) {
    case HealthState::kHealthy:
      return "healthy";
    case HealthState::kDegraded:
      return "degraded";
    case HealthState::kCritical:
      return "critical";
  }
  return "unknown";
}

Result<HealthConfig> HealthConfig::Validate() const {
  if (interval <= Clock::Duration::zero()) {
    return ConfigError("interval", "> 0", FormatDuration(interval));
  }
  if (!(ewma_alpha > 0.0 && ewma_alpha <= 1.0)) {
    return ConfigError("ewma_alpha", "in (0, 1]", fmt::format("{}", ewma_alpha));
  }
  if (!InUnit(anomaly_alpha_factor)) {
    return ConfigError("anomaly_alpha_factor", "in [0, 1]",
                       fmt::format("{}", anomaly_alpha_factor));
  }
  if (!(degraded_z > 0.0)) return ConfigError("degraded_z", "> 0", fmt::format("{}", degraded_z));
  if (!(critical_z >= degraded_z)) {
    return ConfigError("critical_z", fmt::format(">= degraded_z ({})", degraded_z),
                       fmt::format("{}", critical_z));
  }
  if (min_latency_stddev <= Clock::Duration::zero()) {
    return ConfigError("min_latency_stddev", "> 0", FormatDuration(min_latency_stddev));
  }
  if (!(min_latency_stddev_fraction >= 0.0)) {
    return ConfigError("min_latency_stddev_fraction", ">= 0",
                       fmt::format("{}", min_latency_stddev_fraction));
  }
  if (!(min_error_rate_stddev > 0.0 && min_error_rate_stddev <= 1.0)) {
    return ConfigError("min_error_rate_stddev", "in (0, 1]",
                       fmt::format("{}", min_error_rate_stddev));
  }
  const std::pair<std::string_view, double> rates[] = {
      {"degraded_error_rate", degraded_error_rate},
      {"critical_error_rate", critical_error_rate},
      {"degraded_fallback_rate", degraded_fallback_rate},
      {"critical_fallback_rate", critical_fallback_rate}};
  for (const auto& [field, value] : rates) {
    if (!InUnit(value)) return ConfigError(field, "in [0, 1]", fmt::format("{}", value));
  }
  if (critical_error_rate < degraded_error_rate) {
    return ConfigError("critical_error_rate",
                       fmt::format(">= degraded_error_rate ({})", degraded_error_rate),
                       fmt::format("{}", critical_error_rate));
  }
  if (critical_fallback_rate < degraded_fallback_rate) {
    return ConfigError("critical_fallback_rate",
                       fmt::format(">= degraded_fallback_rate ({})", degraded_fallback_rate),
                       fmt::format("{}", critical_fallback_rate));
  }
  if (min_requests < 1) return ConfigError("min_requests", ">= 1", std::to_string(min_requests));
  if (warmup_intervals < 1) {
    return ConfigError("warmup_intervals", ">= 1", std::to_string(warmup_intervals));
  }
  if (recovery_intervals < 1) {
    return ConfigError("recovery_intervals", ">= 1", std::to_string(recovery_intervals));
  }
  return *this;
}

void HealthMonitor::Ewma::Update(double x, double alpha) {
  if (samples == 0) {
    mean = x;
    variance = 0.0;
  } else {
    const double diff = x - mean;
    const double increment = alpha * diff;
    mean += increment;
    variance = (1.0 - alpha) * (variance + diff * increment);
  }
  ++samples;
}

Result<std::unique_ptr<HealthMonitor>> HealthMonitor::Create(const HealthConfig& config,
                                                             const Clock& clock) {
  CHURNML_RETURN_IF_ERROR(config.Validate());
  return std::make_unique<HealthMonitor>(config, clock);
}

HealthMonitor::HealthMonitor(const HealthConfig& config, const Clock& clock)
    : config_(Clamp(config)), clock_(clock), report_(std::make_shared<const HealthReport>()) {}

HealthMonitor::Shard& HealthMonitor::LocalShard() {
  thread_local const size_t index = next_shard.fetch_add(1, std::memory_order_relaxed) % kShards;
  return shards_[index];
}

void HealthMonitor::RecordRequest(Clock::Duration latency, bool error, bool fallback) {
  Shard& shard = LocalShard();
  shard.requests.fetch_add(1, std::memory_order_relaxed);
  shard.latency_ns.fetch_add(std::chrono::duration_cast<std::chrono::nanoseconds>(latency).count(),
                             std::memory_order_relaxed);
  if (error) shard.errors.fetch_add(1, std::memory_order_relaxed);
  if (fallback) shard.fallbacks.fetch_add(1, std::memory_order_relaxed);
}

void HealthMonitor::WatchBreaker(const CircuitBreaker* breaker, HealthState when_open) {
  MutexLock lock(&mu_);
  watched_.push_back({breaker, when_open});
}

std::shared_ptr<const HealthReport> HealthMonitor::current() const {
  MutexLock lock(&report_mu_);
  return report_;
}

HealthReport HealthMonitor::Evaluate() {
  MutexLock lock(&mu_);
  HealthReport r = CloseIntervalLocked();
  if (r.judged) JudgeTrafficLocked(r);
  JudgeBreakersLocked(r);
  ApplyHysteresisLocked(r);

  auto published = std::make_shared<const HealthReport>(r);
  {
    MutexLock report_lock(&report_mu_);
    report_ = std::move(published);
  }
  state_.store(r.state, std::memory_order_release);
  return r;
}

HealthReport HealthMonitor::CloseIntervalLocked() {
  int64_t requests = 0, errors = 0, fallbacks = 0, latency_ns = 0;
  for (Shard& shard : shards_) {
    requests += shard.requests.exchange(0, std::memory_order_relaxed);
    errors += shard.errors.exchange(0, std::memory_order_relaxed);
    fallbacks += shard.fallbacks.exchange(0, std::memory_order_relaxed);
    latency_ns += shard.latency_ns.exchange(0, std::memory_order_relaxed);
  }
  ++intervals_;

  HealthReport r;
  r.evaluated_at = clock_.WallNow();
  r.intervals_evaluated = intervals_;
  r.requests = requests;
  if (requests > 0) {
    const double n = static_cast<double>(requests);
    r.mean_latency_ms = static_cast<double>(latency_ns) / n / 1e6;
    r.error_rate = static_cast<double>(errors) / n;
    r.fallback_rate = static_cast<double>(fallbacks) / n;
  }
  r.judged = requests >= config_.min_requests;
  r.baseline_ready = latency_.samples >= config_.warmup_intervals;
  r.baseline_latency_ms = latency_.mean;
  r.baseline_latency_stddev_ms =
      std::max({std::sqrt(latency_.variance), ToMillis(config_.min_latency_stddev),
                config_.min_latency_stddev_fraction * latency_.mean});
  r.baseline_error_rate = error_rate_.mean;
  return r;
}

void HealthMonitor::JudgeTrafficLocked(HealthReport& r) {
  const double error_stddev =
      std::max(std::sqrt(error_rate_.variance), config_.min_error_rate_stddev);
  if (r.baseline_ready) {
    r.latency_z = (r.mean_latency_ms - r.baseline_latency_ms) / r.baseline_latency_stddev_ms;
    r.error_rate_z = (r.error_rate - r.baseline_error_rate) / error_stddev;
  }
  const bool latency_anomalous = r.baseline_ready && r.latency_z >= config_.degraded_z;
  const bool errors_anomalous = r.baseline_ready && r.error_rate_z >= config_.degraded_z;
  if (latency_anomalous) {
    Raise(r, ByZ(r.latency_z),
          fmt::format("mean latency {:.3g} ms is {:.1f}σ above the {:.3g} ms baseline",
                      r.mean_latency_ms, r.latency_z, r.baseline_latency_ms));
  }
  if (errors_anomalous) {
    Raise(r, ByZ(r.error_rate_z),
          fmt::format("error rate {} is {:.1f}σ above the {} baseline", Percent(r.error_rate),
                      r.error_rate_z, Percent(r.baseline_error_rate)));
  }
  RaiseByRate(r, "error rate", r.error_rate, config_.degraded_error_rate,
              config_.critical_error_rate);
  RaiseByRate(r, "fallback rate", r.fallback_rate, config_.degraded_fallback_rate,
              config_.critical_fallback_rate);
  Fold(latency_, r.mean_latency_ms, r.baseline_latency_stddev_ms, latency_anomalous);
  Fold(error_rate_, r.error_rate, error_stddev, errors_anomalous);
}

// During warm-up every interval counts fully (a running mean). After it an
// anomalous interval is folded in clamped to degraded_z standard deviations
// above the baseline and at a reduced weight, so a spike barely moves the
// baseline (mean or variance) while a lasting shift is still learned, over
// minutes.
void HealthMonitor::Fold(Ewma& ewma, double x, double stddev, bool anomalous) const {
  if (ewma.samples < config_.warmup_intervals) {
    ewma.Update(x, std::max(config_.ewma_alpha, 1.0 / static_cast<double>(ewma.samples + 1)));
  } else if (anomalous) {
    ewma.Update(std::min(x, ewma.mean + config_.degraded_z * stddev),
                config_.ewma_alpha * config_.anomaly_alpha_factor);
  } else {
    ewma.Update(x, config_.ewma_alpha);
  }
}

HealthState HealthMonitor::ByZ(double z) const {
  return z >= config_.critical_z   ? HealthState::kCritical
         : z >= config_.degraded_z ? HealthState::kDegraded
                                   : HealthState::kHealthy;
}

void HealthMonitor::Raise(HealthReport& r, HealthState to, std::string reason) {
  r.state = std::max(r.state, to);
  r.reasons.push_back(std::move(reason));
}

void HealthMonitor::RaiseByRate(HealthReport& r, std::string_view what, double rate,
                                double degraded, double critical) {
  const HealthState to = rate >= critical   ? HealthState::kCritical
                         : rate >= degraded ? HealthState::kDegraded
                                            : HealthState::kHealthy;
  if (to == HealthState::kHealthy) return;
  Raise(r, to,
        fmt::format("{} {} >= {} threshold {}", what, Percent(rate), HealthStateName(to),
                    Percent(to == HealthState::kCritical ? critical : degraded)));
}

void HealthMonitor::JudgeBreakersLocked(HealthReport& r) {
  for (const Watched& w : watched_) {
    const CircuitState breaker_state = w.breaker->state();
    r.breakers.push_back({w.breaker->name(), breaker_state});
    if (breaker_state == CircuitState::kOpen || breaker_state == CircuitState::kForcedOpen) {
      Raise(r, w.when_open,
            fmt::format("circuit breaker '{}' is {}", w.breaker->name(),
                        CircuitStateName(breaker_state)));
    } else if (breaker_state == CircuitState::kHalfOpen && w.when_open != HealthState::kHealthy) {
      Raise(r, HealthState::kDegraded,
            fmt::format("circuit breaker '{}' is half_open (probing)", w.breaker->name()));
    }
  }
}

// Leaves critical only after recovery_intervals consecutive intervals below it.
void HealthMonitor::ApplyHysteresisLocked(HealthReport& r) {
  if (state_.load(std::memory_order_relaxed) != HealthState::kCritical ||
      r.state == HealthState::kCritical) {
    good_intervals_in_critical_ = 0;
    return;
  }
  ++good_intervals_in_critical_;
  if (good_intervals_in_critical_ >= config_.recovery_intervals) {
    good_intervals_in_critical_ = 0;
    return;
  }
  r.state = HealthState::kCritical;
  r.reasons.push_back(fmt::format("recovering: {} of {} intervals below critical",
                                  good_intervals_in_critical_, config_.recovery_intervals));
}

}  // namespace churnml::reliability
