// StageProfiler: where the time of a request or a batch job goes, stage by
// stage (decode, features, predict, encode). Each Record goes into the
// profiler's own lock-free totals and, when a registry is given, into
// churnml_stage_duration_seconds{stage}. Summary() names the stage that
// takes the largest share of the time, for `churnml predict --profile` and
// for logs.
//
// Thread safety: Record, Scope and Summary may be called concurrently from
// any thread; Record is a few relaxed atomic adds on a per-thread stripe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "monitoring/metric_cells.h"
#include "monitoring/metrics_registry.h"

namespace churnml::monitoring {

struct StageStats {
  std::string name;
  uint64_t count = 0;
  double total_seconds = 0;
  double mean_seconds = 0;  // 0 when count is 0
  double share = 0;         // of the total over all stages, 0..1
};

struct ProfileSummary {
  std::vector<StageStats> stages;  // in the declared order
  std::optional<size_t> slowest;   // largest total time; empty when nothing was recorded
  // "predict: 61% of time, mean 4.2 µs", or "no stage timings recorded".
  std::string text;
};

// "850 ns", "4.2 µs", "12.5 ms", "3.21 s".
std::string FormatSeconds(double seconds);

class StageProfiler {
 public:
  // `registry` may be null (totals only). With a registry, declares (or
  // reuses) the histogram churnml_stage_duration_seconds{stage} with the
  // default latency buckets; a registry with Instrumentation::kOff turns
  // the profiler's recording off too. Errors: InvalidArgument for an empty
  // or repeated stage name or no stages; AlreadyExists when the registry
  // holds a different churnml_stage_duration_seconds.
  static Result<std::unique_ptr<StageProfiler>> Create(MetricsRegistry* registry,
                                                       std::vector<std::string> stage_names);

  size_t stage_count() const { return names_.size(); }
  const std::string& stage_name(size_t stage) const { return names_[stage]; }
  // The index of `name`; NotFound lists the stages.
  Result<size_t> StageIndex(std::string_view name) const;

  // Adds one timing of `stage` (< stage_count(); others are ignored).
  // Negative durations count as 0.
  void Record(size_t stage, Clock::Duration duration);

  // Times its own lifetime into `stage`.
  class Scope {
   public:
    Scope(StageProfiler& profiler, size_t stage, const Clock& clock = RealClock())
        : profiler_(profiler), stage_(stage), clock_(clock), start_(clock.Now()) {}
    ~Scope() { profiler_.Record(stage_, clock_.Now() - start_); }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    StageProfiler& profiler_;
    size_t stage_;
    const Clock& clock_;
    Clock::TimePoint start_;
  };

  ProfileSummary Summary() const;

 private:
  StageProfiler(std::vector<std::string> names, std::vector<Histogram*> histograms, bool on);

  std::vector<std::string> names_;
  std::vector<Histogram*> histograms_;  // one per stage, or empty without a registry
  bool on_;
  internal::StripedWords totals_;  // per stage: count at 2*i, nanoseconds at 2*i+1
};

}  // namespace churnml::monitoring
