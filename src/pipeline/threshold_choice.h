// Choosing the serving threshold on validation rows: `--threshold-for
// f1|precision=P|recall=R|cost=FN:FP`. Pure functions; a row is predicted
// positive when its probability is at or above the threshold, as everywhere
// else in churnml.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace churnml {

struct ThresholdGoal {
  enum class Kind { kF1, kPrecision, kRecall, kCost };
  Kind kind = Kind::kF1;
  double target = 0;               // precision or recall to reach, in (0, 1]
  double false_negative_cost = 0;  // cost of a missed churner (kCost), > 0
  double false_positive_cost = 0;  // cost of a needless contact (kCost), > 0

  // "f1", "precision=0.8", "recall=0.7", "cost=5:1" (FN:FP). InvalidArgument
  // naming --threshold-for and the valid forms.
  static Result<ThresholdGoal> Parse(std::string_view text);
  std::string ToString() const;
};

struct ThresholdChoice {
  double threshold = 0.5;
  double precision = 0;
  double recall = 0;
  double f1 = 0;
  double cost = 0;  // kCost: FN * cost_fn + FP * cost_fp over the rows
};

// Candidates are the distinct probabilities (plus "above every row" for
// cost). kF1: the highest F1 (ties: the higher threshold). kPrecision: the
// lowest threshold whose precision reaches the target, i.e. the most
// recall at that precision. kRecall: the highest threshold whose recall
// reaches the target, i.e. the most precision at that recall. kCost: the
// lowest total cost (ties: the higher threshold). InvalidArgument for
// mismatched sizes or no rows; FailedPrecondition when no positive row
// exists or no threshold reaches the precision target (naming it).
Result<ThresholdChoice> ChooseThreshold(std::span<const uint8_t> labels,
                                        std::span<const double> probabilities,
                                        const ThresholdGoal& goal);

}  // namespace churnml
