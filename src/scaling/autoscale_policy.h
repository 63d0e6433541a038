// The autoscaler's policy (`churnml autoscale replay`, docs/deploy.md): turns a
// load signal into a replica count from three recommendations, behind one
// stabilization window, with a reason for every decision:
//   reactive   Kubernetes HPA's formula: desired = ceil(current x metric /
//              target) with a tolerance around 1 and HPA's scale-up limit;
//   scheduled  cron-like floors ("at least 4 replicas Mon-Fri 08:00-20:00");
//   predictive a seasonal forecast of the load (additive Holt-Winters with a
//              daily period), looking ahead by the replicas' start-up time.
// The result is max(reactive, scheduled, predictive), clamped to min..max;
// scaling down takes the highest recommendation of the last window, so a
// dip shorter than the window never removes replicas (HPA's stabilization).
// Pure and deterministic: time comes in with each sample.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace churnml::scaling {

// "Mon-Fri 08:00-20:00 4": at least 4 replicas on those days (UTC) from
// 08:00 up to 20:00. Days: Mon..Sun, a range or a comma list ("Sat,Sun").
struct ScheduleFloor {
  uint8_t days = 0x7f;    // bit 0 = Monday ... bit 6 = Sunday
  int start_minute = 0;   // of the day, 0..1439
  int end_minute = 1440;  // exclusive, start < end <= 1440
  int replicas = 1;
};
// InvalidArgument naming the part of `text` that is wrong.
Result<ScheduleFloor> ParseScheduleFloor(std::string_view text);

struct AutoscaleOptions {
  double target = 1000;    // load one replica should carry (e.g. requests/s), > 0
  double tolerance = 0.1;  // no change while |metric/target - 1| <= this
  int min_replicas = 1;
  int max_replicas = 10;
  int64_t stabilization_seconds = 300;  // scale-down window
  std::vector<ScheduleFloor> floors;
  bool predictive = true;
  int64_t period_seconds = 86400;  // the load's season
  int64_t startup_seconds = 120;   // how far ahead the forecast looks
  double alpha = 0.3;              // Holt-Winters level, trend and season weights, (0, 1)
  double beta = 0.01;
  double gamma = 0.3;

  Status Validate() const;
};

struct AutoscaleDecision {
  int64_t time = 0;  // unix seconds of the sample
  double load = 0;   // the sample
  int current = 0;   // replicas when the sample was taken
  int reactive = 0;
  int scheduled = 0;    // 0 when no floor applies
  int predictive = 0;   // 0 while the forecast is not ready
  double forecast = 0;  // the load expected startup_seconds ahead
  int desired = 0;
  std::string reason;
};

class AutoscalePolicy {
 public:
  // Precondition: options.Validate() is ok. `step_seconds`: the spacing of
  // the samples Decide will see (the forecast's season is
  // period_seconds / step_seconds samples), > 0.
  AutoscalePolicy(const AutoscaleOptions& options, int64_t step_seconds);

  // One sample: the total load at unix time `time` with `current` replicas
  // serving it. Samples come in time order, step_seconds apart.
  AutoscaleDecision Decide(int64_t time, double load, int current);

  // A sample without a signal (no replica answered, or a latency signal
  // with no request in the interval): the reactive recommendation holds at
  // `current`; floors, the forecast and the stabilization window apply as
  // usual, and the forecast learns the last load again so its season stays
  // aligned. The decision's load is NaN.
  AutoscaleDecision DecideWithoutSignal(int64_t time, int current);

 private:
  AutoscaleDecision Combine(AutoscaleDecision d, const std::string& reactive_why);
  int Reactive(double load, int current, std::string* why) const;
  int Scheduled(int64_t time) const;
  void Learn(double load);
  double Forecast(int64_t steps_ahead) const;

  AutoscaleOptions options_;
  int64_t step_;
  size_t season_;  // samples per period
  // Holt-Winters state.
  std::vector<double> first_season_;
  bool ready_ = false;
  double level_ = 0, trend_ = 0;
  std::vector<double> seasonal_;
  size_t seen_ = 0;
  double last_load_ = 0;  // learned again for a sample without a signal
  // (time, recommendation) within the stabilization window.
  std::deque<std::pair<int64_t, int>> recent_;
};

struct LoadSample {
  int64_t time = 0;
  double load = 0;
};

// Reads a trace: CSV with a header naming `time` (unix seconds) and `load`
// columns, rows in time order with equal spacing. InvalidArgument names the
// row and column that is wrong. At most 10,000,000 rows.
Result<std::vector<LoadSample>> ParseLoadTrace(std::string_view csv);

// How a trace's load reaches the reactive formula: kTotal for a load summed
// over the replicas (requests/s, in flight, queue depth); kPerReplica for a
// value that does not add up over replicas (a p99 latency): it is taken as
// every replica's, so desired = ceil(current x value / target).
enum class TraceLoad { kTotal, kPerReplica };

// Runs the policy over `trace` as if the replicas followed each decision at
// once (the first sample starts at min_replicas). Each decision's load is
// the trace's value.
std::vector<AutoscaleDecision> Replay(const AutoscaleOptions& options,
                                      const std::vector<LoadSample>& trace,
                                      TraceLoad kind = TraceLoad::kTotal);

}  // namespace churnml::scaling
