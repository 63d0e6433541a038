#include "scaling/autoscale_policy.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "common/strings.h"

namespace churnml::scaling {
namespace {

constexpr std::string_view kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

int DayIndex(std::string_view name) {
  for (int i = 0; i < 7; ++i) {
    if (kDays[i] == name) return i;
  }
  return -1;
}

// "08:00" -> 480; "24:00" allowed as an end.
int ParseClock(std::string_view text) {
  if (text.size() != 5 || text[2] != ':') return -1;
  for (size_t i : {0u, 1u, 3u, 4u}) {
    if (text[i] < '0' || text[i] > '9') return -1;
  }
  const int hours = (text[0] - '0') * 10 + (text[1] - '0');
  const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (minutes > 59 || hours > 24 || (hours == 24 && minutes != 0)) return -1;
  return hours * 60 + minutes;
}

}  // namespace

Result<ScheduleFloor> ParseScheduleFloor(std::string_view text) {
  std::vector<std::string_view> parts;
  for (std::string_view p : Split(Trim(text), ' ')) {
    if (!p.empty()) parts.push_back(p);
  }
  const std::string quoted = "--floor \"" + std::string(text.substr(0, 64)) + "\"";
  if (parts.size() != 3) {
    return InvalidArgumentError(quoted +
                                " is not DAYS HH:MM-HH:MM REPLICAS (e.g. Mon-Fri 08:00-20:00 4)");
  }
  ScheduleFloor floor;
  floor.days = 0;
  for (std::string_view item : Split(parts[0], ',')) {
    const size_t dash = item.find('-');
    const int from = DayIndex(item.substr(0, dash));
    const int to = dash == std::string_view::npos ? from : DayIndex(item.substr(dash + 1));
    if (from < 0 || to < 0) {
      return InvalidArgumentError(quoted + ": \"" + std::string(item) +
                                  "\" is not a day or range of Mon, Tue, Wed, Thu, Fri, Sat, Sun");
    }
    for (int d = from;; d = (d + 1) % 7) {
      floor.days |= static_cast<uint8_t>(1u << d);
      if (d == to) break;
    }
  }
  const size_t dash = parts[1].find('-');
  floor.start_minute = ParseClock(parts[1].substr(0, dash));
  floor.end_minute = dash == std::string_view::npos ? -1 : ParseClock(parts[1].substr(dash + 1));
  if (floor.start_minute < 0 || floor.end_minute < 0 || floor.start_minute >= floor.end_minute) {
    return InvalidArgumentError(quoted + ": \"" + std::string(parts[1]) +
                                "\" is not HH:MM-HH:MM with the start before the end");
  }
  char* end = nullptr;
  const std::string count(parts[2]);
  const long replicas = std::strtol(count.c_str(), &end, 10);
  if (count.empty() || *end != '\0' || replicas < 1 || replicas > 10000) {
    return InvalidArgumentError(quoted + ": \"" + count + "\" is not a replica count 1..10000");
  }
  floor.replicas = static_cast<int>(replicas);
  return floor;
}

Status AutoscaleOptions::Validate() const {
  if (!(target > 0) || !std::isfinite(target)) return InvalidArgumentError("--target must be > 0");
  if (!(tolerance >= 0 && tolerance < 1))
    return InvalidArgumentError("--tolerance must be in [0, 1)");
  if (min_replicas < 1 || max_replicas < min_replicas || max_replicas > 10000) {
    return InvalidArgumentError(
        fmt::format("--min-replicas {} / --max-replicas {}: need 1 <= min <= max <= 10000",
                    min_replicas, max_replicas));
  }
  if (stabilization_seconds < 0) return InvalidArgumentError("--stabilization must be >= 0");
  if (period_seconds <= 0 || startup_seconds < 0) {
    return InvalidArgumentError("--period must be > 0 and --startup >= 0");
  }
  for (double w : {alpha, beta, gamma}) {
    if (!(w > 0 && w < 1)) return InvalidArgumentError("Holt-Winters weights must be in (0, 1)");
  }
  return Status::Ok();
}

AutoscalePolicy::AutoscalePolicy(const AutoscaleOptions& options, int64_t step_seconds)
    : options_(options),
      step_(std::max<int64_t>(1, step_seconds)),
      season_(static_cast<size_t>(std::max<int64_t>(2, options.period_seconds / step_))) {}

int AutoscalePolicy::Reactive(double load, int current, std::string* why) const {
  current = std::max(1, current);
  const double ratio = load / current / options_.target;
  if (std::abs(ratio - 1) <= options_.tolerance) {
    *why = fmt::format("load per replica within {:.0f}% of the target", options_.tolerance * 100);
    return current;
  }
  int desired = static_cast<int>(std::ceil(current * ratio - 1e-9));
  // HPA's default scale-up limit: at most double, or 4 more, per decision.
  const int limit = std::max(2 * current, current + 4);
  if (desired > limit) {
    *why = fmt::format(
        "{:.6g} per replica against a target of {:.6g} needs {}; scale-up limited to {}",
        load / current, options_.target, desired, limit);
    desired = limit;
  } else {
    *why = fmt::format("{:.6g} per replica against a target of {:.6g}", load / current,
                       options_.target);
  }
  return std::max(1, desired);
}

int AutoscalePolicy::Scheduled(int64_t time) const {
  const int64_t day = time >= 0 ? time / 86400 : (time - 86399) / 86400;
  const int minute = static_cast<int>((time - day * 86400) / 60);
  const int weekday = static_cast<int>(((day % 7) + 7 + 3) % 7);  // 1970-01-01 was a Thursday
  int floor = 0;
  for (const ScheduleFloor& f : options_.floors) {
    if ((f.days >> weekday & 1) != 0 && minute >= f.start_minute && minute < f.end_minute) {
      floor = std::max(floor, f.replicas);
    }
  }
  return floor;
}

void AutoscalePolicy::Learn(double load) {
  if (!ready_) {
    first_season_.push_back(load);
    if (first_season_.size() < season_) return;
    // One season seen: level = its mean, season = deviations from it.
    double sum = 0;
    for (double x : first_season_) sum += x;
    level_ = sum / static_cast<double>(season_);
    trend_ = 0;
    seasonal_.resize(season_);
    for (size_t i = 0; i < season_; ++i) seasonal_[i] = first_season_[i] - level_;
    seen_ = season_;
    ready_ = true;
    first_season_.clear();
    return;
  }
  // Additive Holt-Winters update for the sample at position seen_.
  double& season = seasonal_[seen_ % season_];
  const double previous_level = level_;
  level_ = options_.alpha * (load - season) + (1 - options_.alpha) * (level_ + trend_);
  trend_ = options_.beta * (level_ - previous_level) + (1 - options_.beta) * trend_;
  season = options_.gamma * (load - level_) + (1 - options_.gamma) * season;
  ++seen_;
}

double AutoscalePolicy::Forecast(int64_t steps_ahead) const {
  // The sample at position seen_ - 1 was the last one learned.
  const size_t at = (seen_ - 1 + static_cast<size_t>(steps_ahead)) % season_;
  return std::max(0.0, level_ + static_cast<double>(steps_ahead) * trend_ + seasonal_[at]);
}

AutoscaleDecision AutoscalePolicy::Decide(int64_t time, double load, int current) {
  AutoscaleDecision d;
  d.time = time;
  d.load = load;
  d.current = current;
  std::string reactive_why;
  d.reactive = Reactive(load, current, &reactive_why);
  Learn(load);
  last_load_ = load;
  return Combine(std::move(d), reactive_why);
}

AutoscaleDecision AutoscalePolicy::DecideWithoutSignal(int64_t time, int current) {
  AutoscaleDecision d;
  d.time = time;
  d.load = std::numeric_limits<double>::quiet_NaN();
  d.current = current;
  d.reactive = std::max(1, current);
  Learn(last_load_);
  return Combine(std::move(d), fmt::format("no signal this interval, holds at {}", d.reactive));
}

AutoscaleDecision AutoscalePolicy::Combine(AutoscaleDecision d, const std::string& reactive_why) {
  const int64_t time = d.time;
  const int current = d.current;
  d.scheduled = Scheduled(time);
  if (options_.predictive && ready_) {
    const int64_t ahead = std::max<int64_t>(1, (options_.startup_seconds + step_ - 1) / step_);
    d.forecast = Forecast(ahead);
    d.predictive = static_cast<int>(std::ceil(d.forecast / options_.target - 1e-9));
  }
  int recommendation = std::max({d.reactive, d.scheduled, d.predictive});
  std::string why;
  if (recommendation == d.predictive && d.predictive > d.reactive && d.predictive > d.scheduled) {
    why = fmt::format("predictive: {:.0f} expected in {} s", d.forecast, options_.startup_seconds);
  } else if (recommendation == d.scheduled && d.scheduled > d.reactive) {
    why = fmt::format("scheduled floor of {}", d.scheduled);
  } else {
    why = "reactive: " + reactive_why;
  }
  const int clamped = std::clamp(recommendation, options_.min_replicas, options_.max_replicas);
  if (clamped != recommendation) {
    why += fmt::format(" (clamped to {}..{})", options_.min_replicas, options_.max_replicas);
  }
  // Stabilization: scale down only to the highest recommendation of the window.
  recent_.emplace_back(time, clamped);
  while (!recent_.empty() && recent_.front().first <= time - options_.stabilization_seconds) {
    recent_.pop_front();
  }
  int highest = clamped;
  for (const auto& [t, r] : recent_) highest = std::max(highest, r);
  d.desired = clamped;
  if (clamped < current) {
    d.desired = std::min(current, highest);
    if (d.desired > clamped) {
      why += fmt::format("; held at {} by the {} s stabilization window", d.desired,
                         options_.stabilization_seconds);
    }
  }
  d.reason = std::move(why);
  return d;
}

Result<std::vector<LoadSample>> ParseLoadTrace(std::string_view csv) {
  std::vector<LoadSample> out;
  size_t line_no = 0;
  int time_col = -1, load_col = -1;
  size_t begin = 0;
  while (begin < csv.size()) {
    size_t end = csv.find('\n', begin);
    if (end == std::string_view::npos) end = csv.size();
    std::string_view line = Trim(csv.substr(begin, end - begin));
    begin = end + 1;
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string_view> cells = Split(line, ',');
    if (time_col < 0) {
      for (size_t i = 0; i < cells.size(); ++i) {
        if (Trim(cells[i]) == "time") time_col = static_cast<int>(i);
        if (Trim(cells[i]) == "load") load_col = static_cast<int>(i);
      }
      if (time_col < 0 || load_col < 0) {
        return InvalidArgumentError(
            fmt::format("trace line {}: the header needs columns \"time\" and \"load\"", line_no));
      }
      continue;
    }
    if (out.size() >= 10'000'000) return InvalidArgumentError("trace has over 10,000,000 rows");
    const size_t need = static_cast<size_t>(std::max(time_col, load_col));
    if (cells.size() <= need) {
      return InvalidArgumentError(fmt::format("trace line {}: too few columns", line_no));
    }
    const std::string time_text(Trim(cells[static_cast<size_t>(time_col)]));
    const std::string load_text(Trim(cells[static_cast<size_t>(load_col)]));
    char* stop = nullptr;
    LoadSample s;
    s.time = std::strtoll(time_text.c_str(), &stop, 10);
    if (time_text.empty() || *stop != '\0') {
      return InvalidArgumentError(
          fmt::format("trace line {}, column time: \"{}\" is not unix seconds", line_no,
                      time_text.substr(0, 32)));
    }
    s.load = std::strtod(load_text.c_str(), &stop);
    if (load_text.empty() || *stop != '\0' || !std::isfinite(s.load) || s.load < 0) {
      return InvalidArgumentError(
          fmt::format("trace line {}, column load: \"{}\" is not a number >= 0", line_no,
                      load_text.substr(0, 32)));
    }
    if (!out.empty() && s.time <= out.back().time) {
      return InvalidArgumentError(fmt::format("trace line {}: time goes backwards", line_no));
    }
    out.push_back(s);
  }
  if (out.size() < 2) return InvalidArgumentError("trace has fewer than 2 samples");
  return out;
}

std::vector<AutoscaleDecision> Replay(const AutoscaleOptions& options,
                                      const std::vector<LoadSample>& trace, TraceLoad kind) {
  std::vector<AutoscaleDecision> out;
  if (trace.size() < 2) return out;
  AutoscalePolicy policy(options, trace[1].time - trace[0].time);
  int current = options.min_replicas;
  out.reserve(trace.size());
  for (const LoadSample& s : trace) {
    const double load = kind == TraceLoad::kPerReplica ? s.load * std::max(1, current) : s.load;
    out.push_back(policy.Decide(s.time, load, current));
    out.back().load = s.load;
    current = out.back().desired;
  }
  return out;
}

}  // namespace churnml::scaling
