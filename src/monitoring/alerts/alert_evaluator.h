// Evaluates alert rules against snapshots of the metrics registry and turns
// state changes into grouped notifications.
//
// Per rule (one alert each, since expressions sum over series):
//   inactive --condition true--> pending --true for `for`--> firing
//   pending/firing --condition false or no data--> inactive
// A firing alert is notified when it starts firing (or when its silence
// ends), again every repeat_interval while it fires, and once as resolved
// when it clears. Notifications are grouped by the rules file's group_by
// labels: one notification per group per tick, sent to every sink.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/mutex.h"
#include "common/status.h"
#include "monitoring/alerts/alert_rule.h"
#include "monitoring/alerts/alert_types.h"
#include "monitoring/alerts/label_regex.h"
#include "monitoring/alerts/sample_history.h"
#include "monitoring/metric_sample.h"

namespace churnml::monitoring {

using SampleSource = std::function<std::vector<MetricSample>()>;

// Where notifications go (a DeliveryQueue in production). Enqueue must not
// block for long: the evaluator calls it from its tick.
class NotificationSink {
 public:
  virtual ~NotificationSink() = default;
  virtual void Enqueue(const Notification& notification) = 0;
};

// Thread-safe: Tick, Alerts and the silence calls may run concurrently.
class AlertEvaluator {
 public:
  // `clock` must outlive the evaluator. `source` is called once per Tick.
  AlertEvaluator(AlertRules rules, SampleSource source, const Clock& clock);

  // Adds a sink that receives every notification from now on.
  void AddSink(std::shared_ptr<NotificationSink> sink);

  // Takes a snapshot, evaluates every rule, updates states and returns the
  // notifications of this tick (also handed to every sink), in sequence
  // order.
  std::vector<Notification> Tick();

  // Every rule's alert that is pending or firing, in rule order.
  std::vector<Alert> Alerts() const;
  // Alerts currently firing (silenced ones included).
  size_t FiringCount() const;

  // Validates and stores a silence; returns its id. A zero starts_at means
  // now. Regex matchers are RE2, fully anchored (label_regex.h).
  // InvalidArgument: no matchers or more than 64, an empty matcher name or
  // one over 256 bytes, an equality value, createdBy or comment over 4096
  // bytes, a regex LabelRegex refuses, or ends_at not after starts_at.
  Result<std::string> AddSilence(Silence silence);
  // Ends the silence now. NotFound for an unknown id; FailedPrecondition if
  // it already expired.
  Status ExpireSilence(const std::string& id);
  // Every silence, expired ones for an hour after they end, oldest first.
  std::vector<Silence> ListSilences() const;

  const AlertRules& rules() const { return rules_; }

 private:
  struct RuleState {
    Alert alert;
    Clock::TimePoint pending_since{};
    bool notified = false;  // a firing notification went out for this episode
  };
  struct StoredSilence {
    Silence silence;
    std::vector<std::optional<LabelRegex>> regexes;  // per matcher, empty for equality
  };

  bool SilencedLocked(const LabelSet& labels, WallTime now) const CHURNML_REQUIRES(mu_);
  void PruneSilencesLocked(WallTime now) CHURNML_REQUIRES(mu_);
  std::string GroupKey(const LabelSet& labels, LabelSet* group_labels) const;

  const AlertRules rules_;
  const SampleSource source_;
  const Clock& clock_;

  Mutex tick_mu_
      CHURNML_ACQUIRED_BEFORE(mu_);  // serializes Tick (the source is called outside mu_)
  mutable Mutex mu_;
  SampleHistory history_ CHURNML_GUARDED_BY(mu_);
  std::vector<RuleState> states_ CHURNML_GUARDED_BY(mu_);
  std::map<std::string, Clock::TimePoint> group_sent_ CHURNML_GUARDED_BY(mu_);
  std::map<std::string, StoredSilence> silences_ CHURNML_GUARDED_BY(mu_);
  uint64_t next_silence_ CHURNML_GUARDED_BY(mu_) = 1;
  uint64_t next_sequence_ = 1;                            // guarded by mu_
  std::vector<std::shared_ptr<NotificationSink>> sinks_;  // guarded by mu_
};

}  // namespace churnml::monitoring
