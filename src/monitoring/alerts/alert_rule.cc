// The yaml-cpp adapter for the rules file: yaml-cpp throws, so every call
// into it stays in this file and its exceptions become InvalidArgument.
#include "monitoring/alerts/alert_rule.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "common/strings.h"

namespace churnml::monitoring {
namespace {

Status CheckKeys(const YAML::Node& node, const std::set<std::string>& allowed,
                 const std::string& where) {
  if (!node.IsMap()) return InvalidArgumentError(where + ": expected a mapping");
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    if (!allowed.count(key)) {
      std::vector<std::string> valid(allowed.begin(), allowed.end());
      return InvalidArgumentError(where + ": unknown key \"" + key +
                                  "\" (valid: " + Join(valid, ", ") + ")");
    }
  }
  return Status::Ok();
}

Result<Clock::Duration> DurationField(const YAML::Node& node, const std::string& where) {
  Result<Clock::Duration> d = ParseDuration(node.as<std::string>());
  if (!d.ok()) return d.status().WithContext(where);
  return d;
}

Result<double> NumberField(const YAML::Node& node, const std::string& where) {
  std::optional<double> v = ParseDouble(node.as<std::string>());
  if (!v)
    return InvalidArgumentError(where + ": \"" + node.as<std::string>() + "\" is not a number");
  return *v;
}

Result<std::map<std::string, std::string>> StringMap(const YAML::Node& node,
                                                     const std::string& where) {
  std::map<std::string, std::string> out;
  if (!node) return out;
  if (!node.IsMap()) return InvalidArgumentError(where + ": expected a mapping");
  for (const auto& kv : node) out[kv.first.as<std::string>()] = kv.second.as<std::string>();
  return out;
}

Result<CompareOp> ParseOp(const std::string& op, const std::string& where) {
  static const std::pair<const char*, CompareOp> kOps[] = {
      {">", CompareOp::kGreater}, {">=", CompareOp::kGreaterEqual},
      {"<", CompareOp::kLess},    {"<=", CompareOp::kLessEqual},
      {"==", CompareOp::kEqual},  {"!=", CompareOp::kNotEqual}};
  for (const auto& [name, value] : kOps) {
    if (op == name) return value;
  }
  return InvalidArgumentError(where + ": op \"" + op + "\" is not one of >, >=, <, <=, ==, !=");
}

Result<AlertRule> ParseRule(const YAML::Node& node, size_t index, const std::string& source) {
  std::string where = source + ": rules[" + std::to_string(index) + "]";
  AlertRule rule;
  if (node.IsMap() && node["name"]) rule.name = node["name"].as<std::string>();
  if (rule.name.empty()) return InvalidArgumentError(where + ": missing name");
  where = source + ": rule \"" + rule.name + "\"";
  CHURNML_RETURN_IF_ERROR(CheckKeys(
      node, {"name", "expr", "op", "threshold", "for", "severity", "labels", "annotations"},
      where));
  if (!node["expr"]) return InvalidArgumentError(where + ": missing expr");
  rule.expr_text = node["expr"].as<std::string>();
  Result<std::shared_ptr<const Expr>> expr = ParseExpr(rule.expr_text);
  if (!expr.ok()) return InvalidArgumentError(where + ": expr " + expr.status().message());
  rule.expr = *expr;
  if (node["op"]) {
    CHURNML_ASSIGN_OR_RETURN(rule.op, ParseOp(node["op"].as<std::string>(), where));
  }
  if (!node["threshold"]) return InvalidArgumentError(where + ": missing threshold");
  CHURNML_ASSIGN_OR_RETURN(rule.threshold, NumberField(node["threshold"], where + ": threshold"));
  if (node["for"]) {
    CHURNML_ASSIGN_OR_RETURN(rule.for_duration, DurationField(node["for"], where + ": for"));
  }
  if (node["severity"]) rule.severity = node["severity"].as<std::string>();
  CHURNML_ASSIGN_OR_RETURN(rule.labels, StringMap(node["labels"], where + ": labels"));
  CHURNML_ASSIGN_OR_RETURN(rule.annotations,
                           StringMap(node["annotations"], where + ": annotations"));
  if (rule.labels.count("alertname")) {
    return InvalidArgumentError(where + ": labels: alertname is set from the rule name");
  }
  return rule;
}

Status ParseRetry(const YAML::Node& node, RetrySettings& r, const std::string& where) {
  CHURNML_RETURN_IF_ERROR(CheckKeys(
      node, {"max_attempts", "initial_backoff", "max_backoff", "multiplier", "jitter"}, where));
  if (node["max_attempts"]) r.max_attempts = node["max_attempts"].as<int>();
  if (r.max_attempts < 1) return InvalidArgumentError(where + ": max_attempts must be at least 1");
  if (node["initial_backoff"]) {
    CHURNML_ASSIGN_OR_RETURN(r.initial_backoff,
                             DurationField(node["initial_backoff"], where + ": initial_backoff"));
  }
  if (node["max_backoff"]) {
    CHURNML_ASSIGN_OR_RETURN(r.max_backoff,
                             DurationField(node["max_backoff"], where + ": max_backoff"));
  }
  if (node["multiplier"]) {
    CHURNML_ASSIGN_OR_RETURN(r.multiplier, NumberField(node["multiplier"], where + ": multiplier"));
  }
  if (node["jitter"]) {
    const std::string jitter = node["jitter"].as<std::string>();
    if (jitter == "none") {
      r.jitter = reliability::Jitter::kNone;
    } else if (jitter == "full") {
      r.jitter = reliability::Jitter::kFull;
    } else if (jitter == "decorrelated") {
      r.jitter = reliability::Jitter::kDecorrelated;
    } else {
      return InvalidArgumentError(where + ": jitter \"" + jitter +
                                  "\" is not one of none, full, decorrelated");
    }
  }
  if (r.multiplier < 1) return InvalidArgumentError(where + ": multiplier must be at least 1");
  if (r.initial_backoff.count() <= 0 || r.max_backoff < r.initial_backoff) {
    return InvalidArgumentError(where + ": need 0 < initial_backoff <= max_backoff");
  }
  return Status::Ok();
}

Result<ChannelConfig> ParseChannel(const YAML::Node& node, size_t index,
                                   const std::string& source) {
  const std::string where = source + ": channels[" + std::to_string(index) + "]";
  CHURNML_RETURN_IF_ERROR(CheckKeys(
      node, {"type", "name", "url", "timeout", "queue_limit", "breaker", "retry"}, where));
  ChannelConfig c;
  const std::string type = node["type"] ? node["type"].as<std::string>() : "";
  if (type == "log") {
    c.type = ChannelType::kLog;
  } else if (type == "webhook") {
    c.type = ChannelType::kWebhook;
  } else if (type == "alertmanager") {
    c.type = ChannelType::kAlertmanager;
  } else {
    return InvalidArgumentError(where + ": type \"" + type +
                                "\" is not one of log, webhook, alertmanager");
  }
  c.name = node["name"] ? node["name"].as<std::string>() : std::string(ChannelTypeName(c.type));
  if (node["url"]) c.url = node["url"].as<std::string>();
  if (c.type != ChannelType::kLog && c.url.rfind("http://", 0) != 0) {
    return InvalidArgumentError(where + ": url \"" + c.url + "\" must start with http://");
  }
  if (node["timeout"]) {
    CHURNML_ASSIGN_OR_RETURN(c.timeout, DurationField(node["timeout"], where + ": timeout"));
  }
  if (node["queue_limit"]) c.queue_limit = node["queue_limit"].as<size_t>();
  if (node["breaker"]) {
    const YAML::Node b = node["breaker"];
    CHURNML_RETURN_IF_ERROR(
        CheckKeys(b, {"failure_threshold", "open_duration"}, where + ": breaker"));
    if (b["failure_threshold"]) c.breaker.failure_threshold = b["failure_threshold"].as<int>();
    if (b["open_duration"]) {
      CHURNML_ASSIGN_OR_RETURN(
          c.breaker.open_duration,
          DurationField(b["open_duration"], where + ": breaker: open_duration"));
    }
    if (c.breaker.failure_threshold < 1) {
      return InvalidArgumentError(where + ": breaker: failure_threshold must be at least 1");
    }
  }
  if (node["retry"]) CHURNML_RETURN_IF_ERROR(ParseRetry(node["retry"], c.retry, where + ": retry"));
  return c;
}

Result<AlertRules> ParseDocument(const YAML::Node& root, const std::string& src) {
  AlertRules out;
  CHURNML_RETURN_IF_ERROR(CheckKeys(root,
                                    {"rules", "evaluation_interval", "group_by", "repeat_interval",
                                     "channels", "queue_limit", "external_url"},
                                    src));
  if (root["evaluation_interval"]) {
    CHURNML_ASSIGN_OR_RETURN(out.evaluation_interval, DurationField(root["evaluation_interval"],
                                                                    src + ": evaluation_interval"));
    if (out.evaluation_interval.count() <= 0) {
      return InvalidArgumentError(src + ": evaluation_interval must be positive");
    }
  }
  if (root["repeat_interval"]) {
    CHURNML_ASSIGN_OR_RETURN(out.repeat_interval,
                             DurationField(root["repeat_interval"], src + ": repeat_interval"));
  }
  if (root["group_by"]) out.group_by = root["group_by"].as<std::vector<std::string>>();
  if (root["queue_limit"]) out.queue_limit = root["queue_limit"].as<size_t>();
  if (out.queue_limit == 0) return InvalidArgumentError(src + ": queue_limit must be at least 1");
  if (root["external_url"]) out.external_url = root["external_url"].as<std::string>();
  if (!root["rules"] || !root["rules"].IsSequence()) {
    return InvalidArgumentError(src + ": rules: expected a list of rules");
  }
  std::set<std::string> names;
  for (size_t i = 0; i < root["rules"].size(); ++i) {
    CHURNML_ASSIGN_OR_RETURN(AlertRule rule, ParseRule(root["rules"][i], i, src));
    if (!names.insert(rule.name).second) {
      return InvalidArgumentError(src + ": rule \"" + rule.name + "\": duplicate rule name");
    }
    out.rules.push_back(std::move(rule));
  }
  std::set<std::string> channel_names;
  if (root["channels"]) {
    for (size_t i = 0; i < root["channels"].size(); ++i) {
      CHURNML_ASSIGN_OR_RETURN(ChannelConfig c, ParseChannel(root["channels"][i], i, src));
      if (c.queue_limit == 0) c.queue_limit = out.queue_limit;
      if (!channel_names.insert(c.name).second) {
        return InvalidArgumentError(src + ": channels[" + std::to_string(i) +
                                    "]: duplicate name \"" + c.name +
                                    "\" (give each channel a name)");
      }
      out.channels.push_back(std::move(c));
    }
  }
  return out;
}

}  // namespace

std::string_view CompareOpName(CompareOp op) {
  switch (op) {
    case CompareOp::kGreater:
      return ">";
    case CompareOp::kGreaterEqual:
      return ">=";
    case CompareOp::kLess:
      return "<";
    case CompareOp::kLessEqual:
      return "<=";
    case CompareOp::kEqual:
      return "==";
    case CompareOp::kNotEqual:
      return "!=";
  }
  return "?";
}

bool Compare(double value, CompareOp op, double threshold) {
  switch (op) {
    case CompareOp::kGreater:
      return value > threshold;
    case CompareOp::kGreaterEqual:
      return value >= threshold;
    case CompareOp::kLess:
      return value < threshold;
    case CompareOp::kLessEqual:
      return value <= threshold;
    case CompareOp::kEqual:
      return value == threshold;
    case CompareOp::kNotEqual:
      return value != threshold;
  }
  return false;
}

std::string_view ChannelTypeName(ChannelType type) {
  switch (type) {
    case ChannelType::kLog:
      return "log";
    case ChannelType::kWebhook:
      return "webhook";
    case ChannelType::kAlertmanager:
      return "alertmanager";
  }
  return "?";
}

Clock::Duration AlertRules::LongestWindow() const {
  Clock::Duration longest{};
  for (const AlertRule& r : rules) longest = std::max(longest, r.expr->LongestWindow());
  return longest;
}

Result<AlertRules> ParseAlertRules(std::string_view yaml_text, std::string_view source) {
  const std::string src(source);
  try {
    YAML::Node root = YAML::Load(std::string(yaml_text));
    return ParseDocument(root, src);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(src + ": line " + std::to_string(e.mark.line + 1) + ", column " +
                                std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

Result<AlertRules> LoadAlertRules(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IOError(path + ": cannot open the rules file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return ParseAlertRules(buffer.str(), path);
}

}  // namespace churnml::monitoring
