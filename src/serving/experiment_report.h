// `churnml experiments report`: A/B outcomes measured offline. The
// prediction log of `serve --prediction-log` is joined with churn outcomes
// that arrive weeks later (a CSV of customerID and the label), by customer
// id; each customer counts once, with the first prediction logged for it
// (the split is sticky, so that is its variant). Per variant: customers,
// churners, ROC AUC with its standard error (Hanley & McNeil 1982) and 95%
// confidence interval. Each variant against the primary: the AUC difference
// with an unpaired z-test (a customer sees one variant, so the samples are
// independent), and the customers still needed for a conclusive answer at
// the observed effect (two-sided 5% level, 80% power, same allocation).
// Pure functions over their inputs; thread-compatible.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "serving/prediction_log.h"

namespace churnml::serving {

struct OutcomeOptions {
  std::string id_column = "customerID";
  std::string label_column = "Churn";
  std::string positive_label = "Yes";  // "1" and "true" count as positive too
};

// customerID → 1 (churned) / 0. InvalidArgument naming the file, row and
// column for a missing column, a label that is neither positive nor
// negative ("No", "0", "false"), or a customer given twice with different
// labels; at most 50M rows.
Result<std::unordered_map<std::string, uint8_t>> ReadOutcomes(const std::filesystem::path& csv,
                                                              const OutcomeOptions& options);

struct VariantResult {
  std::string variant;
  std::vector<std::string> versions;  // model versions logged for it
  int64_t customers = 0;              // joined with an outcome
  int64_t churned = 0;
  std::optional<double> auc;  // empty without both classes
  double se = 0;
  double ci_low = 0;
  double ci_high = 0;
};

struct VariantComparison {
  std::string baseline;  // "primary"
  std::string variant;
  double difference = 0;  // AUC(variant) - AUC(baseline)
  double se = 0;
  double z = 0;
  double p_value = 1;
  bool significant = false;  // p < 0.05
  // More customers (both variants, in their current proportion) for 80%
  // power at the observed difference; nullopt when the difference is 0.
  std::optional<int64_t> customers_still_needed;
};

struct ExperimentReport {
  int64_t predictions = 0;       // log records read
  int64_t skipped_lines = 0;     // torn or invalid log lines
  int64_t customers_logged = 0;  // distinct customer ids in the log
  int64_t customers_joined = 0;  // of those, with an outcome
  int64_t predictions_without_id = 0;
  std::vector<VariantResult> variants;  // "primary" first, then by name
  std::vector<VariantComparison> comparisons;
};

ExperimentReport AnalyzeExperiment(const PredictionLogContents& log,
                                   const std::unordered_map<std::string, uint8_t>& outcomes);

std::string RenderExperimentText(const ExperimentReport& report);
std::string RenderExperimentJson(const ExperimentReport& report);
// One self-contained HTML page (no external requests).
std::string RenderExperimentHtml(const ExperimentReport& report);

}  // namespace churnml::serving
