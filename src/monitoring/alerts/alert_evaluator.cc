#include "monitoring/alerts/alert_evaluator.h"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace churnml::monitoring {
namespace {

constexpr size_t kMaxSnapshots = 100000;
constexpr size_t kMaxSilences = 10000;
constexpr auto kExpiredSilenceRetention = std::chrono::hours(1);
// A silence is stored until it expires: its size is bounded so 10,000 of
// them stay small.
constexpr size_t kMaxMatchers = 64;
constexpr size_t kMaxLabelNameBytes = 256;
constexpr size_t kMaxSilenceTextBytes = 4096;  // createdBy, comment, an equality value

bool SilenceMatches(const Silence& s, const std::vector<std::optional<LabelRegex>>& regexes,
                    const LabelSet& labels) {
  for (size_t i = 0; i < s.matchers.size(); ++i) {
    const SilenceMatcher& m = s.matchers[i];
    auto it = labels.find(m.name);
    const std::string_view actual =
        it == labels.end() ? std::string_view() : std::string_view(it->second);
    const bool ok = m.is_regex ? regexes[i]->FullMatch(actual) : actual == m.value;
    if (!ok) return false;
  }
  return true;
}

}  // namespace

AlertEvaluator::AlertEvaluator(AlertRules rules, SampleSource source, const Clock& clock)
    : rules_(std::move(rules)),
      source_(std::move(source)),
      clock_(clock),
      // One extra interval so the window's first point is still held.
      history_(rules_.LongestWindow() + rules_.evaluation_interval, kMaxSnapshots) {
  for (const AlertRule& r : rules_.rules) {
    RuleState s;
    s.alert.name = r.name;
    s.alert.labels = r.labels;
    s.alert.labels["alertname"] = r.name;
    s.alert.labels["severity"] = r.severity;
    s.alert.annotations = r.annotations;
    states_.push_back(std::move(s));
  }
}

void AlertEvaluator::AddSink(std::shared_ptr<NotificationSink> sink) {
  MutexLock lock(&mu_);
  sinks_.push_back(std::move(sink));
}

std::string AlertEvaluator::GroupKey(const LabelSet& labels, LabelSet* group_labels) const {
  std::string key = "{";
  for (const std::string& name : rules_.group_by) {
    auto it = labels.find(name);
    const std::string value = it == labels.end() ? "" : it->second;
    (*group_labels)[name] = value;
    if (key.size() > 1) key += ",";
    key += name + "=\"" + value + "\"";
  }
  return key + "}";
}

std::vector<Notification> AlertEvaluator::Tick() {
  MutexLock tick_lock(&tick_mu_);
  std::vector<MetricSample> samples = source_();
  std::vector<Notification> out;
  std::vector<std::shared_ptr<NotificationSink>> sinks;
  {
    MutexLock lock(&mu_);
    const Clock::TimePoint now = clock_.Now();
    const WallTime wall = clock_.WallNow();
    history_.Add(now, std::move(samples));

    struct GroupWork {
      LabelSet labels;
      bool due = false;
      std::vector<NotifiedAlert> alerts;
      std::vector<RuleState*> firing;
    };
    std::map<std::string, GroupWork> groups;

    for (size_t i = 0; i < rules_.rules.size(); ++i) {
      const AlertRule& rule = rules_.rules[i];
      RuleState& st = states_[i];
      std::optional<double> value = EvaluateExpr(*rule.expr, history_);
      const bool active = value && Compare(*value, rule.op, rule.threshold);
      if (value) st.alert.value = *value;
      st.alert.silenced = SilencedLocked(st.alert.labels, wall);

      LabelSet group_labels;
      const std::string key = GroupKey(st.alert.labels, &group_labels);
      if (active) {
        if (st.alert.state == AlertState::kInactive) {
          st.alert.state = AlertState::kPending;
          st.alert.active_since = wall;
          st.pending_since = now;
        }
        if (st.alert.state == AlertState::kPending && now - st.pending_since >= rule.for_duration) {
          st.alert.state = AlertState::kFiring;
          st.alert.firing_since = wall;
        }
        if (st.alert.state == AlertState::kFiring && !st.alert.silenced) {
          GroupWork& g = groups[key];
          g.labels = group_labels;
          g.firing.push_back(&st);
          if (!st.notified) g.due = true;
        }
        continue;
      }
      if (st.alert.state == AlertState::kFiring && st.notified && !st.alert.silenced) {
        GroupWork& g = groups[key];
        g.labels = group_labels;
        g.due = true;
        g.alerts.push_back(NotifiedAlert{NotificationStatus::kResolved, st.alert.labels,
                                         st.alert.annotations, *st.alert.firing_since, wall,
                                         st.alert.value});
      }
      st.alert.state = AlertState::kInactive;
      st.alert.firing_since.reset();
      st.notified = false;
    }

    for (auto& [key, g] : groups) {
      auto sent = group_sent_.find(key);
      if (!g.firing.empty() &&
          (sent == group_sent_.end() || now - sent->second >= rules_.repeat_interval)) {
        g.due = true;
      }
      if (g.firing.empty()) group_sent_.erase(key);
      if (!g.due) continue;
      Notification n;
      n.status = g.firing.empty() ? NotificationStatus::kResolved : NotificationStatus::kFiring;
      n.group_key = key;
      n.group_labels = g.labels;
      n.created_at = wall;
      n.sequence = next_sequence_++;
      for (RuleState* st : g.firing) {
        st->notified = true;
        n.alerts.push_back(NotifiedAlert{NotificationStatus::kFiring, st->alert.labels,
                                         st->alert.annotations, *st->alert.firing_since,
                                         std::nullopt, st->alert.value});
      }
      n.alerts.insert(n.alerts.end(), g.alerts.begin(), g.alerts.end());
      if (!g.firing.empty()) group_sent_[key] = now;
      out.push_back(std::move(n));
    }
    // A group whose alerts all went quiet without a notification (silenced)
    // starts its repeat timer afresh next time.
    for (auto it = group_sent_.begin(); it != group_sent_.end();) {
      it = groups.count(it->first) ? std::next(it) : group_sent_.erase(it);
    }
    sinks = sinks_;
  }
  for (const Notification& n : out) {
    for (const auto& sink : sinks) sink->Enqueue(n);
  }
  return out;
}

std::vector<Alert> AlertEvaluator::Alerts() const {
  MutexLock lock(&mu_);
  const WallTime wall = clock_.WallNow();
  std::vector<Alert> out;
  for (const RuleState& st : states_) {
    if (st.alert.state == AlertState::kInactive) continue;
    Alert a = st.alert;
    a.silenced = SilencedLocked(a.labels, wall);
    out.push_back(std::move(a));
  }
  return out;
}

size_t AlertEvaluator::FiringCount() const {
  MutexLock lock(&mu_);
  return static_cast<size_t>(std::count_if(states_.begin(), states_.end(), [](const RuleState& s) {
    return s.alert.state == AlertState::kFiring;
  }));
}

bool AlertEvaluator::SilencedLocked(const LabelSet& labels, WallTime now) const {
  for (const auto& [id, s] : silences_) {
    if (SilenceStateAt(s.silence, now) == SilenceState::kActive &&
        SilenceMatches(s.silence, s.regexes, labels)) {
      return true;
    }
  }
  return false;
}

void AlertEvaluator::PruneSilencesLocked(WallTime now) {
  for (auto it = silences_.begin(); it != silences_.end();) {
    it = now - it->second.silence.ends_at > kExpiredSilenceRetention ? silences_.erase(it)
                                                                     : std::next(it);
  }
}

Result<std::string> AlertEvaluator::AddSilence(Silence silence) {
  if (silence.matchers.empty())
    return InvalidArgumentError("silence: matchers: at least one is required");
  if (silence.matchers.size() > kMaxMatchers) {
    return InvalidArgumentError("silence: matchers: " + std::to_string(silence.matchers.size()) +
                                " given, at most " + std::to_string(kMaxMatchers) + " are allowed");
  }
  for (const auto& [what, text] :
       {std::pair<const char*, const std::string*>{"createdBy", &silence.created_by},
        {"comment", &silence.comment}}) {
    if (text->size() > kMaxSilenceTextBytes) {
      return InvalidArgumentError(std::string("silence: ") + what + ": " +
                                  std::to_string(text->size()) + " bytes, at most " +
                                  std::to_string(kMaxSilenceTextBytes) + " are allowed");
    }
  }
  StoredSilence stored;
  for (size_t i = 0; i < silence.matchers.size(); ++i) {
    const SilenceMatcher& m = silence.matchers[i];
    const std::string where = "silence: matchers[" + std::to_string(i) + "]";
    if (m.name.empty()) return InvalidArgumentError(where + ": name is empty");
    if (m.name.size() > kMaxLabelNameBytes) {
      return InvalidArgumentError(where + ": name of " + std::to_string(m.name.size()) +
                                  " bytes, at most " + std::to_string(kMaxLabelNameBytes) +
                                  " are allowed");
    }
    if (!m.is_regex) {
      if (m.value.size() > kMaxSilenceTextBytes) {
        return InvalidArgumentError(where + ": value of " + std::to_string(m.value.size()) +
                                    " bytes, at most " + std::to_string(kMaxSilenceTextBytes) +
                                    " are allowed");
      }
      stored.regexes.emplace_back();
      continue;
    }
    Result<LabelRegex> regex = LabelRegex::Compile(m.value);
    if (!regex.ok()) return InvalidArgumentError(where + ": " + regex.status().message());
    stored.regexes.emplace_back(std::move(regex).value());
  }
  MutexLock lock(&mu_);
  const WallTime now = clock_.WallNow();
  if (silence.starts_at == WallTime{}) silence.starts_at = now;
  if (silence.ends_at <= silence.starts_at) {
    return InvalidArgumentError("silence: endsAt must be after startsAt");
  }
  PruneSilencesLocked(now);
  if (silences_.size() >= kMaxSilences) {
    return FailedPreconditionError("silence: too many silences (" + std::to_string(kMaxSilences) +
                                   "); expire some first");
  }
  char id[32];
  std::snprintf(id, sizeof id, "s%06llu", static_cast<unsigned long long>(next_silence_++));
  silence.id = id;
  stored.silence = std::move(silence);
  silences_[id] = std::move(stored);
  return std::string(id);
}

Status AlertEvaluator::ExpireSilence(const std::string& id) {
  MutexLock lock(&mu_);
  auto it = silences_.find(id);
  if (it == silences_.end()) return NotFoundError("silence \"" + id + "\" does not exist");
  const WallTime now = clock_.WallNow();
  Silence& s = it->second.silence;
  if (SilenceStateAt(s, now) == SilenceState::kExpired) {
    return FailedPreconditionError("silence \"" + id + "\" already expired");
  }
  s.ends_at = now;
  if (s.starts_at > now) s.starts_at = now;
  return Status::Ok();
}

std::vector<Silence> AlertEvaluator::ListSilences() const {
  MutexLock lock(&mu_);
  const WallTime now = clock_.WallNow();
  std::vector<Silence> out;
  for (const auto& [id, s] : silences_) {
    if (now - s.silence.ends_at <= kExpiredSilenceRetention) out.push_back(s.silence);
  }
  return out;
}

}  // namespace churnml::monitoring
