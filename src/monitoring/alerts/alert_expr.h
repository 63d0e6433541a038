// The alert expression language: four kinds of expression over the metrics
// registry's samples, each summing over the series its selector matches.
//
//   value(metric{k="v"})                         current value (gauge or counter)
//   rate(metric{k=~"re"}[1m])                    per-second increase over a window
//   ratio(rate(a{...}[5m]), rate(b{...}[5m]))    a / b, 0 when b is 0
//   quantile(0.99, histogram{k!="v"}[5m])        histogram_quantile over the
//                                                bucket increases in the window
//
// Matchers: `=`, `!=`, `=~`, `!~` (regexes are RE2, fully anchored, as in
// Prometheus; bounded and linear-time: label_regex.h). Durations: an integer followed by ms, s, m,
// h or d.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "monitoring/alerts/label_regex.h"
#include "monitoring/alerts/sample_history.h"

namespace churnml::monitoring {

enum class MatchOp { kEqual, kNotEqual, kRegex, kNotRegex };

struct LabelMatcher {
  std::string name;
  MatchOp op = MatchOp::kEqual;
  std::string value;
  std::optional<LabelRegex> regex;  // set for kRegex / kNotRegex

  // True when `labels` satisfies this matcher (a missing label reads as "").
  bool Matches(const std::vector<std::pair<std::string, std::string>>& labels) const;
};

struct Selector {
  std::string metric;
  std::vector<LabelMatcher> matchers;
};

enum class ExprKind { kValue, kRate, kRatio, kQuantile };

struct Expr {
  ExprKind kind = ExprKind::kValue;
  Selector selector;                        // kValue, kRate, kQuantile
  Clock::Duration window{};                 // kRate, kQuantile
  double quantile = 0;                      // kQuantile, in [0, 1]
  std::shared_ptr<const Expr> numerator;    // kRatio
  std::shared_ptr<const Expr> denominator;  // kRatio

  // The longest range window in this expression (0 for value()).
  Clock::Duration LongestWindow() const;
};

// How deep ratio() may nest: the parser and the evaluator recurse once per
// level.
inline constexpr int kMaxExprDepth = 100;

// Parses `text`. Errors are InvalidArgument "column N: <what>" (1-based
// column into `text`); the rules loader prefixes the rule name. Text quoted
// from `text` is cut to 80 bytes.
Result<std::shared_ptr<const Expr>> ParseExpr(std::string_view text);

// Evaluates `expr` at the newest snapshot of `history`. nullopt means "no
// data": no series matched, or a range expression has fewer than two
// snapshots inside its window. A rule without data is not active.
std::optional<double> EvaluateExpr(const Expr& expr, const SampleHistory& history);

// "30s", "5m", "1h", "250ms", "2d"; also "1m30s". InvalidArgument otherwise.
Result<Clock::Duration> ParseDuration(std::string_view text);
// The shortest exact rendering: 90s → "1m30s", 0 → "0s".
std::string FormatDuration(Clock::Duration d);

}  // namespace churnml::monitoring
