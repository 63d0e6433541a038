// The alert rules file (YAML): rules, evaluation timing, grouping and the
// delivery channels. Reference: docs/alerts.md.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "monitoring/alerts/alert_expr.h"
#include "reliability/retry.h"

namespace churnml::monitoring {

enum class CompareOp { kGreater, kGreaterEqual, kLess, kLessEqual, kEqual, kNotEqual };

// ">", ">=", ...
std::string_view CompareOpName(CompareOp op);
bool Compare(double value, CompareOp op, double threshold);

struct AlertRule {
  std::string name;  // also the alert's `alertname` label
  std::string expr_text;
  std::shared_ptr<const Expr> expr;
  CompareOp op = CompareOp::kGreater;
  double threshold = 0;
  Clock::Duration for_duration{};  // how long the condition must hold before firing
  std::string severity = "warning";
  std::map<std::string, std::string> labels;       // extra labels on the alert
  std::map<std::string, std::string> annotations;  // summary, description, ...
};

enum class ChannelType { kLog, kWebhook, kAlertmanager };
std::string_view ChannelTypeName(ChannelType type);

// Per-channel circuit breaker: opens after `failure_threshold` consecutive
// failed deliveries, stays open `open_duration`, then lets one trial through.
struct BreakerSettings {
  int failure_threshold = 3;
  Clock::Duration open_duration = std::chrono::seconds(30);
};

// Per-channel retry of one delivery: up to `max_attempts` attempts with
// exponential backoff from `initial_backoff` (×`multiplier`, capped at
// `max_backoff`, jittered as reliability::Retry does).
struct RetrySettings {
  int max_attempts = 3;
  Clock::Duration initial_backoff = std::chrono::milliseconds(200);
  Clock::Duration max_backoff = std::chrono::seconds(5);
  double multiplier = 2.0;
  reliability::Jitter jitter = reliability::Jitter::kFull;
};

struct ChannelConfig {
  ChannelType type = ChannelType::kLog;
  std::string name;  // unique; defaults to the type name
  std::string url;   // webhook: the full URL; alertmanager: its base URL
  Clock::Duration timeout = std::chrono::seconds(5);  // per HTTP attempt
  size_t queue_limit = 0;                             // 0: the file's queue_limit
  BreakerSettings breaker;
  RetrySettings retry;
};

struct AlertRules {
  Clock::Duration evaluation_interval = std::chrono::seconds(15);
  std::vector<std::string> group_by = {"alertname"};
  Clock::Duration repeat_interval = std::chrono::hours(4);
  size_t queue_limit = 1000;  // notifications per channel queue
  std::string external_url;   // generatorURL base for Alertmanager
  std::vector<AlertRule> rules;
  std::vector<ChannelConfig> channels;

  // The longest window any rule looks back over.
  Clock::Duration LongestWindow() const;
};

// Parses and validates a rules file. InvalidArgument names `source`, the
// rule (`rule "HighErrorRate"`) and the field, and for expressions the
// column: `rules.yaml: rule "X": expr column 12: expected ")"`. Unknown keys
// are errors.
Result<AlertRules> ParseAlertRules(std::string_view yaml_text, std::string_view source);
// Reads and parses `path`; IOError when it cannot be read.
Result<AlertRules> LoadAlertRules(const std::string& path);

}  // namespace churnml::monitoring
