#include "monitoring/alerts/alert_expr.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <utility>

#include "common/strings.h"

namespace churnml::monitoring {
namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

// ---- Parsing ---------------------------------------------------------------

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<std::shared_ptr<const Expr>> ParseTop() {
    CHURNML_ASSIGN_OR_RETURN(std::shared_ptr<const Expr> e, ParseCall());
    SkipSpace();
    if (pos_ != text_.size())
      return Error("unexpected \"" + std::string(Rest()) + "\" after the expression");
    return e;
  }

 private:
  Status Error(const std::string& what) const {
    return InvalidArgumentError("column " + std::to_string(pos_ + 1) + ": " + what);
  }
  std::string_view Rest() const { return text_.substr(pos_, 12); }
  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool Consume(std::string_view token) {
    SkipSpace();
    if (text_.substr(pos_, token.size()) == token) {
      pos_ += token.size();
      return true;
    }
    return false;
  }
  Status Expect(std::string_view token) {
    if (Consume(token)) return Status::Ok();
    SkipSpace();
    return Error("expected \"" + std::string(token) + "\"" +
                 (pos_ < text_.size() ? ", found \"" + std::string(Rest()) + "\""
                                      : " at the end of the expression"));
  }
  static bool IsIdentChar(char c, bool first, bool metric) {
    const bool alpha =
        std::isalpha(static_cast<unsigned char>(c)) || c == '_' || (metric && c == ':');
    return first ? alpha : alpha || std::isdigit(static_cast<unsigned char>(c));
  }
  Result<std::string> Identifier(const char* what, bool metric) {
    SkipSpace();
    size_t start = pos_;
    while (pos_ < text_.size() && IsIdentChar(text_[pos_], pos_ == start, metric)) ++pos_;
    if (pos_ == start) return Error(std::string("expected ") + what);
    return std::string(text_.substr(start, pos_ - start));
  }

  Result<std::shared_ptr<const Expr>> ParseCall() {
    SkipSpace();
    const size_t fn_pos = pos_;
    CHURNML_ASSIGN_OR_RETURN(std::string fn,
                             Identifier("a function: value, rate, ratio or quantile", false));
    auto e = std::make_shared<Expr>();
    if (fn == "value") {
      e->kind = ExprKind::kValue;
      CHURNML_RETURN_IF_ERROR(Expect("("));
      CHURNML_ASSIGN_OR_RETURN(e->selector, ParseSelector());
    } else if (fn == "rate") {
      e->kind = ExprKind::kRate;
      CHURNML_RETURN_IF_ERROR(Expect("("));
      CHURNML_ASSIGN_OR_RETURN(e->selector, ParseSelector());
      CHURNML_ASSIGN_OR_RETURN(e->window, ParseWindow());
    } else if (fn == "ratio") {
      // One recursion per ratio(): without a bound, 100,000 nested ratio(
      // overflowed the stack.
      if (depth_ == kMaxExprDepth) {
        pos_ = fn_pos;
        return Error("ratio() nested more than " + std::to_string(kMaxExprDepth) + " deep");
      }
      e->kind = ExprKind::kRatio;
      CHURNML_RETURN_IF_ERROR(Expect("("));
      ++depth_;
      CHURNML_ASSIGN_OR_RETURN(e->numerator, ParseCall());
      CHURNML_RETURN_IF_ERROR(Expect(","));
      CHURNML_ASSIGN_OR_RETURN(e->denominator, ParseCall());
      --depth_;
    } else if (fn == "quantile") {
      e->kind = ExprKind::kQuantile;
      CHURNML_RETURN_IF_ERROR(Expect("("));
      CHURNML_ASSIGN_OR_RETURN(e->quantile, ParseNumber());
      if (!(e->quantile >= 0 && e->quantile <= 1)) {
        return Error("the quantile must be between 0 and 1");
      }
      CHURNML_RETURN_IF_ERROR(Expect(","));
      CHURNML_ASSIGN_OR_RETURN(e->selector, ParseSelector());
      CHURNML_ASSIGN_OR_RETURN(e->window, ParseWindow());
    } else {
      pos_ = fn_pos;
      return Error("unknown function \"" + Abbreviate(fn) +
                   "\" (valid: value, rate, ratio, quantile)");
    }
    CHURNML_RETURN_IF_ERROR(Expect(")"));
    return std::shared_ptr<const Expr>(std::move(e));
  }

  Result<double> ParseNumber() {
    SkipSpace();
    size_t start = pos_;
    while (pos_ < text_.size() &&
           (std::isdigit(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '.' ||
            text_[pos_] == 'e' || text_[pos_] == 'E' || text_[pos_] == '-' || text_[pos_] == '+')) {
      ++pos_;
    }
    std::optional<double> v = ParseDouble(text_.substr(start, pos_ - start));
    if (!v) {
      pos_ = start;
      return Error("expected a number");
    }
    return *v;
  }

  Result<Clock::Duration> ParseWindow() {
    CHURNML_RETURN_IF_ERROR(Expect("["));
    SkipSpace();
    size_t start = pos_;
    size_t end = text_.find(']', pos_);
    if (end == std::string_view::npos) return Error("expected a window like [5m]");
    Result<Clock::Duration> d = ParseDuration(Trim(text_.substr(start, end - start)));
    if (!d.ok()) return Error(d.status().message());
    if (d->count() <= 0) return Error("the window must be positive");
    pos_ = end + 1;
    return *d;
  }

  Result<Selector> ParseSelector() {
    Selector s;
    CHURNML_ASSIGN_OR_RETURN(s.metric, Identifier("a metric name", true));
    if (!Consume("{")) return s;
    while (!Consume("}")) {
      LabelMatcher m;
      CHURNML_ASSIGN_OR_RETURN(m.name, Identifier("a label name", false));
      if (Consume("=~")) {
        m.op = MatchOp::kRegex;
      } else if (Consume("!~")) {
        m.op = MatchOp::kNotRegex;
      } else if (Consume("!=")) {
        m.op = MatchOp::kNotEqual;
      } else if (Consume("=")) {
        m.op = MatchOp::kEqual;
      } else {
        return Error("expected =, !=, =~ or !~ after label \"" + Abbreviate(m.name) + "\"");
      }
      SkipSpace();
      const size_t value_pos = pos_;
      CHURNML_ASSIGN_OR_RETURN(m.value, ParseString());
      if (m.op == MatchOp::kRegex || m.op == MatchOp::kNotRegex) {
        Result<LabelRegex> regex = LabelRegex::Compile(m.value);
        if (!regex.ok()) {
          pos_ = value_pos;
          return Error("invalid regex \"" + Abbreviate(m.value) +
                       "\": " + regex.status().message());
        }
        m.regex = std::move(regex).value();
      }
      s.matchers.push_back(std::move(m));
      if (Consume(",")) continue;
      CHURNML_RETURN_IF_ERROR(Expect("}"));
      break;
    }
    return s;
  }

  Result<std::string> ParseString() {
    SkipSpace();
    if (pos_ >= text_.size() || text_[pos_] != '"') return Error("expected a quoted string");
    ++pos_;
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
      out += text_[pos_++];
    }
    if (pos_ >= text_.size()) return Error("unterminated string");
    ++pos_;
    return out;
  }

  std::string_view text_;
  size_t pos_ = 0;
  int depth_ = 0;  // ratio() calls open around the current position
};

// ---- Evaluation ------------------------------------------------------------

std::string SeriesKey(const MetricSample& s) {
  std::string key = s.name;
  for (const auto& [k, v] : s.labels) {
    key += '\x1f';
    key += k;
    key += '=';
    key += v;
  }
  return key;
}

bool Selected(const Selector& sel, const std::string& name, const MetricSample& s) {
  if (s.name != name) return false;
  for (const LabelMatcher& m : sel.matchers) {
    if (!m.Matches(s.labels)) return false;
  }
  return true;
}

// The snapshots inside [newest - window, newest].
std::vector<const Snapshot*> InWindow(const SampleHistory& h, Clock::Duration window) {
  std::vector<const Snapshot*> out;
  const Clock::TimePoint start = h.newest().time - window;
  for (const Snapshot& s : h.snapshots()) {
    if (s.time >= start) out.push_back(&s);
  }
  return out;
}

struct SeriesRange {
  double increase = 0;
  std::optional<double> last;
  int points = 0;
};

// Per matching series (of metric `name`): the counter increase across the
// window's snapshots, treating a drop as a reset to zero.
std::map<std::string, std::pair<Labels, SeriesRange>> Increases(
    const Selector& sel, const std::string& name, const std::vector<const Snapshot*>& window) {
  std::map<std::string, std::pair<Labels, SeriesRange>> out;
  for (const Snapshot* snap : window) {
    for (const MetricSample& s : snap->samples) {
      if (!Selected(sel, name, s)) continue;
      auto& [labels, r] = out[SeriesKey(s)];
      if (r.points == 0) labels = s.labels;
      if (r.last) r.increase += s.value < *r.last ? s.value : s.value - *r.last;
      r.last = s.value;
      ++r.points;
    }
  }
  return out;
}

std::optional<double> EvalValue(const Expr& e, const SampleHistory& h) {
  double sum = 0;
  bool any = false;
  for (const MetricSample& s : h.newest().samples) {
    if (Selected(e.selector, e.selector.metric, s)) {
      sum += s.value;
      any = true;
    }
  }
  return any ? std::optional<double>(sum) : std::nullopt;
}

std::optional<double> EvalRate(const Expr& e, const SampleHistory& h) {
  std::vector<const Snapshot*> window = InWindow(h, e.window);
  if (window.size() < 2) return std::nullopt;
  const double seconds =
      std::chrono::duration<double>(window.back()->time - window.front()->time).count();
  if (seconds <= 0) return std::nullopt;
  double sum = 0;
  bool any = false;
  for (const auto& [key, entry] : Increases(e.selector, e.selector.metric, window)) {
    sum += entry.second.increase;
    any = true;
  }
  return any ? std::optional<double>(sum / seconds) : std::nullopt;
}

// Prometheus's histogram_quantile over (upper bound, cumulative count) pairs.
std::optional<double> BucketQuantile(double q, std::vector<std::pair<double, double>> buckets) {
  std::sort(buckets.begin(), buckets.end());
  if (buckets.size() < 2 || !std::isinf(buckets.back().first)) return std::nullopt;
  // Cumulative counts must not decrease (increases of separate buckets can
  // drift apart across resets); Prometheus enforces the same.
  for (size_t i = 1; i < buckets.size(); ++i) {
    buckets[i].second = std::max(buckets[i].second, buckets[i - 1].second);
  }
  const double total = buckets.back().second;
  if (total <= 0) return std::nullopt;
  const double rank = q * total;
  size_t b = 0;
  while (b < buckets.size() - 1 && buckets[b].second < rank) ++b;
  if (b == buckets.size() - 1) return buckets[b - 1].first;  // in +Inf: highest finite bound
  double start = 0;
  double end = buckets[b].first;
  double below = 0;
  if (b > 0) {
    start = buckets[b - 1].first;
    below = buckets[b - 1].second;
  } else if (end <= 0) {
    return end;
  }
  const double count = buckets[b].second - below;
  if (count <= 0) return end;
  return start + (end - start) * ((rank - below) / count);
}

std::optional<double> EvalQuantile(const Expr& e, const SampleHistory& h) {
  std::vector<const Snapshot*> window = InWindow(h, e.window);
  if (window.size() < 2) return std::nullopt;
  std::map<double, double> by_bound;  // upper bound → summed increase
  for (const auto& [key, entry] : Increases(e.selector, e.selector.metric + "_bucket", window)) {
    const Labels& labels = entry.first;
    auto le =
        std::find_if(labels.begin(), labels.end(), [](const auto& l) { return l.first == "le"; });
    if (le == labels.end()) continue;
    std::optional<double> bound =
        le->second == "+Inf" ? std::numeric_limits<double>::infinity() : ParseDouble(le->second);
    if (!bound) continue;
    by_bound[*bound] += entry.second.increase;
  }
  return BucketQuantile(e.quantile, {by_bound.begin(), by_bound.end()});
}

}  // namespace

bool LabelMatcher::Matches(const Labels& labels) const {
  std::string_view actual;
  for (const auto& [k, v] : labels) {
    if (k == name) {
      actual = v;
      break;
    }
  }
  switch (op) {
    case MatchOp::kEqual:
      return actual == value;
    case MatchOp::kNotEqual:
      return actual != value;
    case MatchOp::kRegex:
      return regex->FullMatch(actual);
    case MatchOp::kNotRegex:
      return !regex->FullMatch(actual);
  }
  return false;
}

Clock::Duration Expr::LongestWindow() const {
  if (kind == ExprKind::kRatio) {
    return std::max(numerator->LongestWindow(), denominator->LongestWindow());
  }
  return window;
}

Result<std::shared_ptr<const Expr>> ParseExpr(std::string_view text) {
  return Parser(text).ParseTop();
}

std::optional<double> EvaluateExpr(const Expr& expr, const SampleHistory& history) {
  if (history.empty()) return std::nullopt;
  switch (expr.kind) {
    case ExprKind::kValue:
      return EvalValue(expr, history);
    case ExprKind::kRate:
      return EvalRate(expr, history);
    case ExprKind::kQuantile:
      return EvalQuantile(expr, history);
    case ExprKind::kRatio: {
      std::optional<double> num = EvaluateExpr(*expr.numerator, history);
      std::optional<double> den = EvaluateExpr(*expr.denominator, history);
      if (!num || !den) return std::nullopt;
      return *den == 0 ? 0.0 : *num / *den;
    }
  }
  return std::nullopt;
}

Result<Clock::Duration> ParseDuration(std::string_view text) {
  const std::string original = Abbreviate(text);  // for messages
  if (text.empty()) return InvalidArgumentError("empty duration (use e.g. 30s, 5m, 1h)");
  Clock::Duration total{};
  while (!text.empty()) {
    size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
    size_t unit_len = 0;
    while (digits + unit_len < text.size() &&
           std::isalpha(static_cast<unsigned char>(text[digits + unit_len]))) {
      ++unit_len;
    }
    std::string_view unit = text.substr(digits, unit_len);
    using namespace std::chrono;
    Clock::Duration one = Clock::Duration::zero();
    if (unit == "ms") {
      one = milliseconds(1);
    } else if (unit == "s") {
      one = seconds(1);
    } else if (unit == "m") {
      one = minutes(1);
    } else if (unit == "h") {
      one = hours(1);
    } else if (unit == "d") {
      one = hours(24);
    }
    const std::optional<int64_t> parsed =
        digits > 0 && digits <= 12 ? ParseInt(text.substr(0, digits)) : std::nullopt;
    if (!parsed || one == Clock::Duration::zero()) {
      return InvalidArgumentError("\"" + original +
                                  "\" is not a duration (an integer followed by ms, s, m, h or d, "
                                  "e.g. 30s, 5m, 1h)");
    }
    const int64_t count = *parsed;
    // Reject before multiplying: nanosecond counts overflow past ~292 years.
    if (static_cast<long double>(count) * static_cast<long double>(one.count()) +
            static_cast<long double>(total.count()) >
        static_cast<long double>(
            std::chrono::duration_cast<Clock::Duration>(hours(24 * 365 * 100)).count())) {
      return InvalidArgumentError("duration \"" + original + "\" is longer than 100 years");
    }
    total += one * count;
    text.remove_prefix(digits + unit_len);
  }
  return total;
}

std::string FormatDuration(Clock::Duration d) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(d).count();
  if (ms == 0) return "0s";
  std::string out;
  const std::pair<int64_t, const char*> units[] = {
      {3600000, "h"}, {60000, "m"}, {1000, "s"}, {1, "ms"}};
  for (const auto& [size, name] : units) {
    if (ms >= size) {
      out += std::to_string(ms / size) + name;
      ms %= size;
    }
  }
  return out;
}

}  // namespace churnml::monitoring
