#include "eval/metric_info.h"

#include <array>

namespace churnml {
namespace {

constexpr std::array<MetricInfo, 9> kCatalog = {{
    {"accuracy", "accuracy", MetricGoal::kMaximize, ""},
    {"precision", "precision", MetricGoal::kMaximize, ""},
    {"recall", "recall", MetricGoal::kMaximize, ""},
    {"f1", "F1", MetricGoal::kMaximize, ""},
    {"roc_auc", "ROC AUC", MetricGoal::kMaximize, ""},
    {"average_precision", "PR AUC (average precision)", MetricGoal::kMaximize, "pr_auc"},
    {"log_loss", "log loss", MetricGoal::kMinimize, ""},
    {"brier_score", "Brier score", MetricGoal::kMinimize, "brier"},
    {"train_seconds", "training time (seconds)", MetricGoal::kMinimize, ""},
}};

constexpr std::string_view kCvPrefix = "cv_";
constexpr std::string_view kMeanSuffix = "_mean";
constexpr std::string_view kStdSuffix = "_std";
constexpr std::string_view kFoldSuffix = "_fold";

bool StripSuffix(std::string_view& s, std::string_view suffix) {
  if (s.size() <= suffix.size() || s.substr(s.size() - suffix.size()) != suffix) return false;
  s.remove_suffix(suffix.size());
  return true;
}

// Splits "cv_<base>_<suffix>" into base and suffix; false for other keys.
bool SplitCvKey(std::string_view key, std::string_view& base, std::string_view& suffix) {
  if (key.substr(0, kCvPrefix.size()) != kCvPrefix) return false;
  std::string_view rest = key.substr(kCvPrefix.size());
  for (std::string_view s : {kMeanSuffix, kStdSuffix, kFoldSuffix}) {
    std::string_view candidate = rest;
    if (StripSuffix(candidate, s)) {
      base = candidate;
      suffix = s;
      return true;
    }
  }
  return false;
}

}  // namespace

std::string_view MetricGoalName(MetricGoal goal) {
  return goal == MetricGoal::kMaximize ? "max" : "min";
}

std::span<const MetricInfo> MetricCatalog() { return kCatalog; }

const MetricInfo* FindMetric(std::string_view name) {
  for (const MetricInfo& info : kCatalog) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

std::optional<MetricGoal> GoalOf(std::string_view key) {
  if (const MetricInfo* info = FindMetric(key)) return info->goal;
  std::string_view base, suffix;
  if (!SplitCvKey(key, base, suffix)) return std::nullopt;
  const MetricInfo* info = FindMetric(base);
  if (info == nullptr) return std::nullopt;
  return suffix == kStdSuffix ? MetricGoal::kMinimize : info->goal;
}

std::optional<std::string> CanonicalNameFor(std::string_view former) {
  for (const MetricInfo& info : kCatalog) {
    if (!info.former_name.empty() && info.former_name == former) return std::string(info.name);
  }
  std::string_view base, suffix;
  if (SplitCvKey(former, base, suffix)) {
    for (const MetricInfo& info : kCatalog) {
      if (!info.former_name.empty() && info.former_name == base) {
        return std::string(kCvPrefix) + std::string(info.name) + std::string(suffix);
      }
    }
  }
  return std::nullopt;
}

std::string CvMeanKey(std::string_view metric) {
  return std::string(kCvPrefix) + std::string(metric) + std::string(kMeanSuffix);
}
std::string CvStdKey(std::string_view metric) {
  return std::string(kCvPrefix) + std::string(metric) + std::string(kStdSuffix);
}
std::string CvFoldKey(std::string_view metric) {
  return std::string(kCvPrefix) + std::string(metric) + std::string(kFoldSuffix);
}

std::vector<std::string> HeadlineMetrics() {
  return {"roc_auc", "average_precision", "f1", "accuracy"};
}

}  // namespace churnml
