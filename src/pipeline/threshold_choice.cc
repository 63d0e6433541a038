#include "pipeline/threshold_choice.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <optional>
#include <vector>

#include "common/strings.h"

namespace churnml {
namespace {

Status BadGoal(std::string_view text) {
  return InvalidArgumentError("--threshold-for " + std::string(text.substr(0, 40)) +
                              ": expected f1, precision=P, recall=R (P, R in (0, 1]) or "
                              "cost=FN:FP (positive costs of a missed churner and of a "
                              "needless contact)");
}

bool ParseNumber(std::string_view text, double* out) {
  const std::string s(text);
  if (s.empty()) return false;
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && std::isfinite(*out);
}

}  // namespace

Result<ThresholdGoal> ThresholdGoal::Parse(std::string_view text) {
  ThresholdGoal g;
  if (text == "f1") return g;
  const size_t eq = text.find('=');
  if (eq == std::string_view::npos) return BadGoal(text);
  const std::string_view name = text.substr(0, eq), value = text.substr(eq + 1);
  if (name == "precision" || name == "recall") {
    g.kind = name == "precision" ? Kind::kPrecision : Kind::kRecall;
    if (!ParseNumber(value, &g.target) || !(g.target > 0 && g.target <= 1)) return BadGoal(text);
    return g;
  }
  if (name == "cost") {
    g.kind = Kind::kCost;
    const size_t colon = value.find(':');
    if (colon == std::string_view::npos ||
        !ParseNumber(value.substr(0, colon), &g.false_negative_cost) ||
        !ParseNumber(value.substr(colon + 1), &g.false_positive_cost) ||
        !(g.false_negative_cost > 0) || !(g.false_positive_cost > 0)) {
      return BadGoal(text);
    }
    return g;
  }
  return BadGoal(text);
}

std::string ThresholdGoal::ToString() const {
  switch (kind) {
    case Kind::kF1:
      return "f1";
    case Kind::kPrecision:
      return "precision=" + FormatDouble(target);
    case Kind::kRecall:
      return "recall=" + FormatDouble(target);
    case Kind::kCost:
      return "cost=" + FormatDouble(false_negative_cost) + ":" + FormatDouble(false_positive_cost);
  }
  return "f1";
}

Result<ThresholdChoice> ChooseThreshold(std::span<const uint8_t> labels,
                                        std::span<const double> probabilities,
                                        const ThresholdGoal& goal) {
  if (labels.size() != probabilities.size()) {
    return InvalidArgumentError("threshold choice: " + std::to_string(labels.size()) +
                                " labels for " + std::to_string(probabilities.size()) +
                                " probabilities");
  }
  if (labels.empty()) return InvalidArgumentError("threshold choice: no validation rows");
  std::vector<size_t> order(labels.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(),
            [&](size_t l, size_t r) { return probabilities[l] > probabilities[r]; });
  double positives = 0;
  for (uint8_t l : labels) positives += l != 0 ? 1 : 0;
  if (positives == 0) {
    return FailedPreconditionError("threshold choice: the validation rows hold no positive row");
  }
  auto make = [&](double threshold, double tp, double fp) {
    ThresholdChoice c;
    c.threshold = threshold;
    c.precision = tp + fp > 0 ? tp / (tp + fp) : 1.0;
    c.recall = tp / positives;
    c.f1 = tp > 0 ? 2 * c.precision * c.recall / (c.precision + c.recall) : 0.0;
    const double fn = positives - tp;
    c.cost = fn * goal.false_negative_cost + fp * goal.false_positive_cost;
    return c;
  };
  // Start above every row: nothing predicted positive.
  const double top = probabilities[order[0]];
  std::optional<ThresholdChoice> best;
  if (goal.kind == ThresholdGoal::Kind::kCost) {
    best = make(std::nextafter(top, 2.0), 0, 0);
  }
  double tp = 0, fp = 0;
  for (size_t k = 0; k < order.size();) {
    const double t = probabilities[order[k]];
    // Every row with this probability crosses together.
    while (k < order.size() && probabilities[order[k]] == t) {
      (labels[order[k]] != 0 ? tp : fp) += 1;
      ++k;
    }
    const ThresholdChoice c = make(t, tp, fp);
    switch (goal.kind) {
      case ThresholdGoal::Kind::kF1:
        if (!best || c.f1 > best->f1) best = c;
        break;
      case ThresholdGoal::Kind::kPrecision:
        if (c.precision >= goal.target) best = c;  // keeps the lowest such threshold
        break;
      case ThresholdGoal::Kind::kRecall:
        if (!best && c.recall >= goal.target) best = c;  // the first (highest) one
        break;
      case ThresholdGoal::Kind::kCost:
        if (c.cost < best->cost) best = c;
        break;
    }
  }
  if (!best) {
    return FailedPreconditionError(
        "--threshold-for " + goal.ToString() + ": no threshold reaches " +
        (goal.kind == ThresholdGoal::Kind::kPrecision ? "precision " : "recall ") +
        FormatDouble(goal.target) + " on the " + FormatCount(static_cast<int64_t>(labels.size())) +
        " validation rows");
  }
  best->threshold = std::clamp(best->threshold, 0.0, 1.0);
  return *best;
}

}  // namespace churnml
