// HealthMonitor: turns request latency, errors, fallbacks and circuit
// breaker states into a health state (healthy / degraded / critical) with
// human-readable reasons, for /health, /ready and a health gauge.
//
// Requests are accumulated lock-free into the current interval
// (RecordRequest, on the hot path). A ticker calls Evaluate() every
// `interval`: it closes the interval and compares its mean latency and error
// rate to an EWMA baseline (mean and variance, z-score), checks absolute
// error-rate and fallback-rate thresholds and the watched breakers, and
// publishes a HealthReport that current() returns cheaply.
//
// Thread safety: RecordRequest, current() and state() may be called from any
// thread at any time; Evaluate and WatchBreaker are serialised internally.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/mutex.h"
#include "common/status.h"
#include "reliability/circuit_breaker.h"

namespace churnml::reliability {

enum class HealthState : uint8_t { kHealthy = 0, kDegraded = 1, kCritical = 2 };

// "healthy", "degraded", "critical".
std::string_view HealthStateName(HealthState state);

struct HealthConfig {
  // How often Evaluate() is expected to run (> 0); the ticker's period.
  Clock::Duration interval = std::chrono::seconds(1);
  // EWMA weight of a new normal interval in the baseline, (0, 1].
  double ewma_alpha = 0.1;
  // Weight of an anomalous interval relative to ewma_alpha, [0, 1]: an
  // anomaly is folded in clamped to degraded_z standard deviations above the
  // baseline and with weight ewma_alpha x this, so a spike does not raise the
  // baseline it is measured against, while a lasting shift is still learned
  // over minutes.
  double anomaly_alpha_factor = 0.1;
  // z-scores (standard deviations above the baseline) at which mean latency
  // or error rate makes the state degraded / critical (0 < degraded <= critical).
  double degraded_z = 3.0;
  double critical_z = 6.0;
  // Lower bounds on the baseline standard deviations, so a very steady
  // baseline does not turn noise into huge z-scores: latency stddev >=
  // max(min_latency_stddev, min_latency_stddev_fraction x baseline mean).
  Clock::Duration min_latency_stddev = std::chrono::microseconds(100);
  double min_latency_stddev_fraction = 0.1;
  // Error-rate stddev floor (fraction; 0.05 = five percentage points, so
  // from a clean baseline the z thresholds trip at 15% / 30% errors).
  double min_error_rate_stddev = 0.05;
  // Absolute error rate (errors / requests) thresholds, [0, 1].
  double degraded_error_rate = 0.05;
  double critical_error_rate = 0.25;
  // Absolute fallback rate (requests served by a fallback / requests), [0, 1].
  double degraded_fallback_rate = 0.05;
  double critical_fallback_rate = 0.5;
  // Intervals with fewer requests are not judged on latency, errors or
  // fallbacks, and do not move the baseline (>= 1).
  int64_t min_requests = 20;
  // Judged intervals that only build the baseline before its z-scores are
  // trusted (>= 1).
  int64_t warmup_intervals = 10;
  // Consecutive intervals below critical needed to leave critical (>= 1;
  // 1 = leave at the first good interval).
  int64_t recovery_intervals = 3;

  // This config, or InvalidArgument naming the field out of range.
  Result<HealthConfig> Validate() const;
};

struct BreakerHealth {
  std::string name;
  CircuitState state = CircuitState::kClosed;
};

struct HealthReport {
  HealthState state = HealthState::kHealthy;
  // Why the state is not healthy (empty when healthy), e.g.
  // "mean latency 12.3 ms is 5.1σ above the 0.8 ms baseline".
  std::vector<std::string> reasons;
  std::chrono::system_clock::time_point evaluated_at{};
  int64_t intervals_evaluated = 0;
  // The closed interval.
  int64_t requests = 0;
  double mean_latency_ms = 0.0;
  double error_rate = 0.0;     // 0..1
  double fallback_rate = 0.0;  // 0..1
  bool judged = false;         // requests >= min_requests
  // Baseline (before this interval was folded in) and this interval's
  // z-scores (0 until the baseline is ready or when not judged).
  bool baseline_ready = false;  // warm-up done
  double baseline_latency_ms = 0.0;
  double baseline_latency_stddev_ms = 0.0;
  double latency_z = 0.0;
  double baseline_error_rate = 0.0;
  double error_rate_z = 0.0;
  std::vector<BreakerHealth> breakers;
};

class HealthMonitor {
 public:
  // Validates `config`; InvalidArgument names the field.
  static Result<std::unique_ptr<HealthMonitor>> Create(const HealthConfig& config,
                                                       const Clock& clock);
  // Precondition: config.Validate() succeeds (values are clamped otherwise).
  // `clock` must outlive the monitor.
  HealthMonitor(const HealthConfig& config, const Clock& clock);
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;

  // One finished request (hot path: a few relaxed atomic adds on a
  // per-thread shard). `error`: the request failed (a 5xx); `fallback`: it
  // was answered by a fallback (e.g. the default prediction).
  void RecordRequest(Clock::Duration latency, bool error, bool fallback);

  // While `breaker` is open (or forced open) the state is at least
  // `when_open`; while half-open at least degraded (capped at `when_open`).
  // `breaker` is not owned and must outlive the monitor.
  void WatchBreaker(const CircuitBreaker* breaker, HealthState when_open);

  // Closes the current interval, updates the baseline, publishes and
  // returns the new report. Call every config.interval.
  HealthReport Evaluate();

  // The last published report (healthy and empty before the first Evaluate).
  std::shared_ptr<const HealthReport> current() const;
  HealthState state() const { return state_.load(std::memory_order_acquire); }
  const HealthConfig& config() const { return config_; }

 private:
  static constexpr size_t kShards = 8;
  struct alignas(64) Shard {
    std::atomic<int64_t> requests{0};
    std::atomic<int64_t> errors{0};
    std::atomic<int64_t> fallbacks{0};
    std::atomic<int64_t> latency_ns{0};
  };
  struct Ewma {
    double mean = 0.0;
    double variance = 0.0;
    int64_t samples = 0;
    void Update(double x, double alpha);
  };
  struct Watched {
    const CircuitBreaker* breaker;
    HealthState when_open;
  };

  Shard& LocalShard();
  // The steps of Evaluate, run under mu_. Raise* lift r.state to at least
  // `to` and add the reason.
  HealthReport CloseIntervalLocked() CHURNML_REQUIRES(mu_);
  void JudgeTrafficLocked(HealthReport& r) CHURNML_REQUIRES(mu_);
  void JudgeBreakersLocked(HealthReport& r) CHURNML_REQUIRES(mu_);
  void ApplyHysteresisLocked(HealthReport& r) CHURNML_REQUIRES(mu_);
  void Fold(Ewma& ewma, double x, double stddev, bool anomalous) const;
  HealthState ByZ(double z) const;
  static void Raise(HealthReport& r, HealthState to, std::string reason);
  static void RaiseByRate(HealthReport& r, std::string_view what, double rate, double degraded,
                          double critical);

  const HealthConfig config_;
  const Clock& clock_;
  std::array<Shard, kShards> shards_;

  Mutex mu_ CHURNML_ACQUIRED_BEFORE(report_mu_);  // serialises Evaluate and WatchBreaker
  std::vector<Watched> watched_ CHURNML_GUARDED_BY(mu_);
  Ewma latency_ CHURNML_GUARDED_BY(mu_);  // ms
  Ewma error_rate_ CHURNML_GUARDED_BY(mu_);
  int64_t intervals_ CHURNML_GUARDED_BY(mu_) = 0;
  int64_t good_intervals_in_critical_ CHURNML_GUARDED_BY(mu_) = 0;

  std::atomic<HealthState> state_{HealthState::kHealthy};
  mutable Mutex report_mu_;
  std::shared_ptr<const HealthReport> report_ CHURNML_GUARDED_BY(report_mu_);
};

}  // namespace churnml::reliability
