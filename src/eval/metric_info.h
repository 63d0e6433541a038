// The metric catalogue: every metric churnml computes or records, under the
// one name it has everywhere (JSON, the tracking store, text output, run
// filters), with a name for people and whether higher or lower is better.
// The CLI asks this table instead of guessing a direction from the name.
//
// Cross-validation keys are derived from a base metric (see CvMeanKey and
// friends) and inherit its direction; a spread (…_std) is better low.
// All functions are pure and thread-safe.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace churnml {

enum class MetricGoal { kMaximize, kMinimize };

// "max" or "min" (the --json spelling).
std::string_view MetricGoalName(MetricGoal goal);

struct MetricInfo {
  std::string_view name;          // the key everywhere, e.g. "average_precision"
  std::string_view display_name;  // for people, e.g. "PR AUC (average precision)"
  MetricGoal goal;
  // An older spelling some output used (e.g. "pr_auc"); empty when none.
  // Only ever used to suggest `name`, never accepted in its place.
  std::string_view former_name;
};

// Every known metric: the eight scalar metrics of ScalarMetrics() in their
// order, then the ones training records about itself (train_seconds).
std::span<const MetricInfo> MetricCatalog();

// The entry for a canonical name, or nullptr.
const MetricInfo* FindMetric(std::string_view name);

// The direction of a recorded key: a catalogue name, or a cross-validation
// key derived from one (cv_<name>_mean and cv_<name>_fold follow <name>,
// cv_<name>_std is minimised). Empty for a key the catalogue does not know
// (a user's own metric): no direction is guessed.
std::optional<MetricGoal> GoalOf(std::string_view key);

// The canonical name for a former spelling ("pr_auc" → "average_precision",
// also inside cv keys: "cv_pr_auc_mean" → "cv_average_precision_mean").
std::optional<std::string> CanonicalNameFor(std::string_view former);

// Keys under which training records cross-validation: the mean and the
// population standard deviation over the folds, and each fold's value at
// steps 1..K.
std::string CvMeanKey(std::string_view metric);
std::string CvStdKey(std::string_view metric);
std::string CvFoldKey(std::string_view metric);

// The metrics `runs list` shows by default, most sorted-by first.
std::vector<std::string> HeadlineMetrics();

}  // namespace churnml
