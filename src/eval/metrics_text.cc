#include "eval/metrics_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string_view>

#include "common/strings.h"

namespace churnml {
namespace {

// Metrics print under the names JSON, the store and run filters use
// (eval/metric_info.h), so what a user reads is what a user can filter on.
constexpr size_t kMetricsPerLine = 4;

std::string FormatValue(const std::optional<double>& value) {
  return value ? fmt::format("{:.4f}", *value) : std::string("undefined");
}

std::string FormatThreshold(double threshold) { return FormatDouble(threshold); }

std::string CountLine(const BinaryMetrics& m) {
  const double share = m.rows > 0 ? 100.0 * static_cast<double>(m.positives) / m.rows : 0.0;
  return fmt::format("rows {}  positives {} ({:.1f}%)  threshold {}\n", FormatCount(m.rows),
                     FormatCount(m.positives), share, FormatThreshold(m.threshold));
}

std::string ConfusionBlock(const BinaryMetrics& m, const ClassNames& names) {
  const std::string actual_neg = "actual " + names.negative;
  const std::string actual_pos = "actual " + names.positive;
  const std::string pred_neg = "predicted " + names.negative;
  const std::string pred_pos = "predicted " + names.positive;
  const size_t label_width = std::max(actual_neg.size(), actual_pos.size());
  const size_t col_width = std::max({pred_neg.size(), pred_pos.size(), size_t{10}});
  std::string out = "confusion matrix (threshold " + FormatThreshold(m.threshold) + ")\n";
  out += fmt::format("  {:<{}}  {:>{}}  {:>{}}\n", "", label_width, pred_neg, col_width, pred_pos,
                     col_width);
  out +=
      fmt::format("  {:<{}}  {:>{}}  {:>{}}\n", actual_neg, label_width,
                  FormatCount(m.confusion.tn), col_width, FormatCount(m.confusion.fp), col_width);
  out +=
      fmt::format("  {:<{}}  {:>{}}  {:>{}}\n", actual_pos, label_width,
                  FormatCount(m.confusion.fn), col_width, FormatCount(m.confusion.tp), col_width);
  return out;
}

std::string ReportBlock(const ClassReport& report, const ClassNames& names) {
  const size_t width = std::max(
      {names.negative.size(), names.positive.size(), std::string_view("weighted avg").size()});
  std::string out = fmt::format("  {:>{}}  {:>9}  {:>9}  {:>9}  {:>9}\n", "", width, "precision",
                                "recall", "f1", "support");
  auto row = [&](std::string_view label, const ClassScores& s) {
    out += fmt::format("  {:>{}}  {:>9.4f}  {:>9.4f}  {:>9.4f}  {:>9}\n", label, width, s.precision,
                       s.recall, s.f1, FormatCount(s.support));
  };
  row(names.negative, report.negative);
  row(names.positive, report.positive);
  out += fmt::format("  {:>{}}  {:>9}  {:>9}  {:>9.4f}  {:>9}\n", "accuracy", width, "", "",
                     report.accuracy, FormatCount(report.macro_avg.support));
  row("macro avg", report.macro_avg);
  row("weighted avg", report.weighted_avg);
  return out;
}

}  // namespace

std::string FormatMetrics(const BinaryMetrics& m) {
  std::string out = CountLine(m);
  const std::vector<NamedMetric> metrics = ScalarMetrics(m);
  // Each of the four columns is as wide as its longest name.
  std::vector<size_t> widths(kMetricsPerLine, 0);
  for (size_t i = 0; i < metrics.size(); ++i) {
    widths[i % kMetricsPerLine] = std::max(widths[i % kMetricsPerLine], metrics[i].name.size());
  }
  for (size_t i = 0; i < metrics.size(); ++i) {
    const bool last_in_line = i % kMetricsPerLine == kMetricsPerLine - 1 || i + 1 == metrics.size();
    out += fmt::format("{:<{}} ", metrics[i].name, widths[i % kMetricsPerLine]);
    out += last_in_line ? FormatValue(metrics[i].value) + "\n"
                        : fmt::format("{:<9}  ", FormatValue(metrics[i].value));
  }
  return out;
}

std::string FormatMetricsDetailed(const BinaryMetrics& m, const ClassNames& names) {
  return FormatMetrics(m) + "\n" + ConfusionBlock(m, names) + "\n" + ReportBlock(m.report, names);
}

std::string FormatMetricsSideBySide(const std::vector<NamedMetrics>& sets) {
  // Rows as (label, one cell per set).
  std::vector<std::pair<std::string, std::vector<std::string>>> rows;
  auto add_row = [&](std::string label, auto cell) {
    std::vector<std::string> cells;
    cells.reserve(sets.size());
    for (const NamedMetrics& set : sets) cells.push_back(cell(set.metrics));
    rows.emplace_back(std::move(label), std::move(cells));
  };
  add_row("rows", [](const BinaryMetrics& m) { return FormatCount(m.rows); });
  add_row("positives", [](const BinaryMetrics& m) { return FormatCount(m.positives); });
  add_row("threshold", [](const BinaryMetrics& m) { return FormatThreshold(m.threshold); });
  const size_t num_metrics = ScalarMetrics(BinaryMetrics{}).size();
  for (size_t k = 0; k < num_metrics; ++k) {
    const std::string name = ScalarMetrics(BinaryMetrics{})[k].name;
    add_row(name, [k](const BinaryMetrics& m) { return FormatValue(ScalarMetrics(m)[k].value); });
  }
  add_row("tn", [](const BinaryMetrics& m) { return FormatCount(m.confusion.tn); });
  add_row("fp", [](const BinaryMetrics& m) { return FormatCount(m.confusion.fp); });
  add_row("fn", [](const BinaryMetrics& m) { return FormatCount(m.confusion.fn); });
  add_row("tp", [](const BinaryMetrics& m) { return FormatCount(m.confusion.tp); });

  size_t label_width = std::string_view("metric").size();
  for (const auto& row : rows) label_width = std::max(label_width, row.first.size());
  std::vector<size_t> widths;
  for (size_t c = 0; c < sets.size(); ++c) {
    size_t width = sets[c].name.size();
    for (const auto& row : rows) width = std::max(width, row.second[c].size());
    widths.push_back(width);
  }

  std::string out = fmt::format("{:<{}}", "metric", label_width);
  for (size_t c = 0; c < sets.size(); ++c) out += fmt::format("  {:>{}}", sets[c].name, widths[c]);
  out += "\n";
  for (const auto& [label, cells] : rows) {
    out += fmt::format("{:<{}}", label, label_width);
    for (size_t c = 0; c < cells.size(); ++c) out += fmt::format("  {:>{}}", cells[c], widths[c]);
    out += "\n";
  }
  return out;
}

std::string FormatFoldSummary(const FoldSummary& summary) {
  std::string out = fmt::format("{} folds (mean +/- std)\n", summary.folds);
  size_t width = 0;
  for (const FoldSummaryEntry& entry : summary.metrics) width = std::max(width, entry.name.size());
  for (const FoldSummaryEntry& entry : summary.metrics) {
    out += fmt::format("{:<{}} ", entry.name, width);
    if (!entry.summary) {
      out += "undefined (no fold has both classes)\n";
      continue;
    }
    out += fmt::format("{:.4f} +/- {:.4f}", entry.summary->mean, entry.summary->std);
    if (entry.summary->folds != summary.folds) {
      out += fmt::format("  ({} of {} folds)", entry.summary->folds, summary.folds);
    }
    out += "\n";
  }
  return out;
}

}  // namespace churnml
