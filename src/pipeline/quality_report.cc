// Assembles the HTML report from eval's curves and SVG charts. Long for a
// file here (~400 lines) because it is one page's layout, section by section.
#include "pipeline/quality_report.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <optional>

#include "common/atomic_file.h"
#include "common/random.h"
#include "common/strings.h"
#include "data/csv_loader.h"
#include "eval/curves.h"
#include "eval/metrics_json.h"
#include "eval/svg_chart.h"
#include "pipeline/calibration_check.h"

namespace churnml {
namespace {

constexpr const char* kBlue = "#4472c4";
constexpr const char* kOrange = "#ed7d31";
constexpr const char* kGreen = "#2e8b57";
constexpr const char* kGray = "#888888";

constexpr const char* kStyle =
    "body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1320px}"
    "h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}"
    "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;"
    "text-align:right}th{background:#f3f3f3}td.n{text-align:left}.drift{color:#b00;font-weight:600}"
    ".grid{display:flex;flex-wrap:wrap;gap:12px}.chart{background:#fff;border:1px solid #eee}"
    ".chart .t{font-size:13px;font-weight:600}.chart .a{font-size:10px;fill:#444}"
    ".chart .l{font-size:10px}.chart .v{font-size:16px;fill:#000}"
    ".chart .frame{fill:none;stroke:#bbb}.chart .diag{stroke:#999;stroke-dasharray:4 3}"
    ".muted{color:#666;font-size:13px}";

std::string Cell(const std::optional<double>& v) {
  return v ? FormatFixed(*v, 4) : std::string("–");
}

std::string MetricsTable(const BinaryMetrics& now, const BinaryMetrics* training) {
  std::string s = "<table data-table=\"metrics\"><tr><th>metric</th>";
  if (training != nullptr) s += "<th>training (test split)</th>";
  s += "<th>this data</th></tr>";
  const std::vector<NamedMetric> current = ScalarMetrics(now);
  const std::vector<NamedMetric> before =
      training != nullptr ? ScalarMetrics(*training) : std::vector<NamedMetric>{};
  for (size_t i = 0; i < current.size(); ++i) {
    s += "<tr><td class=\"n\">" + EscapeXml(current[i].name) + "</td>";
    if (training != nullptr) s += "<td>" + Cell(before[i].value) + "</td>";
    s += "<td>" + Cell(current[i].value) + "</td></tr>";
  }
  s += "<tr><td class=\"n\">rows</td>";
  if (training != nullptr) s += "<td>" + FormatCount(training->rows) + "</td>";
  s += "<td>" + FormatCount(now.rows) + "</td></tr>";
  s += "<tr><td class=\"n\">positive rate</td>";
  auto rate = [](const BinaryMetrics& m) {
    return m.rows == 0 ? 0.0 : static_cast<double>(m.positives) / static_cast<double>(m.rows);
  };
  if (training != nullptr) s += "<td>" + FormatFixed(rate(*training), 4) + "</td>";
  s += "<td>" + FormatFixed(rate(now), 4) + "</td></tr></table>";
  return s;
}

// Score histogram per class: 20 equal-width bins, shares within each class.
std::string ScoreHistogram(const QualityReportInput& in) {
  constexpr int kBins = 20;
  std::vector<double> neg(kBins, 0), pos(kBins, 0);
  double n_neg = 0, n_pos = 0;
  for (size_t i = 0; i < in.scores.size(); ++i) {
    const int b = std::min(kBins - 1, static_cast<int>(in.scores[i] * kBins));
    if (in.labels[i]) {
      ++pos[b];
      ++n_pos;
    } else {
      ++neg[b];
      ++n_neg;
    }
  }
  BarChart c;
  c.id = "score_histogram";
  c.title = "Score distribution per class (share of the class)";
  c.value_label = "share";
  c.series_names = {in.negative_label, in.positive_label};
  c.colors = {kBlue, kOrange};
  for (int b = 0; b < kBins; ++b) {
    c.groups.push_back({FormatFixed(static_cast<double>(b) / kBins, 2),
                        {n_neg > 0 ? neg[b] / n_neg : 0, n_pos > 0 ? pos[b] / n_pos : 0}});
  }
  return RenderBarChart(c);
}

std::string BinLabel(const Histogram& h, size_t bin) {
  if (bin == h.missing_bin()) return "missing";
  if (h.kind == HistogramKind::kCategorical) {
    return bin < h.levels.size() ? h.levels[bin] : std::string("unseen");
  }
  if (h.edges.empty()) return "all";
  if (bin == 0) return "<" + FormatFixed(h.edges[0], 2);
  if (bin == h.edges.size()) return "≥" + FormatFixed(h.edges.back(), 2);
  return FormatFixed(h.edges[bin - 1], 2) + "–" + FormatFixed(h.edges[bin], 2);
}

std::string DriftHistogram(const HistogramDrift& d) {
  BarChart c;
  c.id = "drift_" + d.name;
  c.title = d.name + (d.drifted ? " (drift)" : "");
  c.value_label = "share of rows";
  c.series_names = {"reference", "current"};
  c.colors = {kGray, d.drifted ? "#c00000" : kBlue};
  const double ref_total = std::max<double>(1, static_cast<double>(d.reference.Total()));
  const double cur_total = std::max<double>(1, static_cast<double>(d.current.Total()));
  for (size_t b = 0; b < d.reference.counts.size(); ++b) {
    // Skip bins empty on both sides (missing/unseen usually).
    if (d.reference.counts[b] == 0 && d.current.counts[b] == 0) continue;
    c.groups.push_back({BinLabel(d.reference, b),
                        {static_cast<double>(d.reference.counts[b]) / ref_total,
                         static_cast<double>(d.current.counts[b]) / cur_total}});
  }
  return RenderBarChart(c);
}

std::string DriftSection(const DriftComparison& drift) {
  std::string s = "<h2>Drift against the training profile</h2><p>";
  s += std::to_string(drift.drifted_features) + " of " + std::to_string(drift.features.size()) +
       " features drifted (" + FormatFixed(drift.drifted_share * 100, 1) + "%); score " +
       (drift.score_drifted ? "<span class=\"drift\">drifted</span>" : "stable") +
       ". Dataset drift: " + (drift.dataset_drifted ? "<span class=\"drift\">yes</span>" : "no") +
       ". A feature drifts when PSI reaches its threshold and its test is significant.</p>";
  s += "<table data-table=\"drift\"><tr><th>feature</th><th>test</th><th>PSI</th><th>JS "
       "distance</th><th>statistic</th><th>p-value</th><th>missing ref → "
       "now</th><th>drift</th></tr>";
  auto row = [&](const HistogramDrift& d) {
    s += "<tr><td class=\"n\">" + EscapeXml(d.name) + "</td><td>" + d.test + "</td><td>" +
         FormatFixed(d.psi, 4) + "</td><td>" + FormatFixed(d.js_distance, 4) + "</td><td>" +
         FormatFixed(d.result.statistic, 4) + "</td><td>" + FormatPValue(d.result.p_value) +
         "</td><td>" + FormatFixed(d.reference_missing_rate * 100, 1) + "% → " +
         FormatFixed(d.current_missing_rate * 100, 1) + "%</td><td>" +
         (d.drifted ? "<span class=\"drift\">DRIFT</span>" : "–") + "</td></tr>";
  };
  for (const HistogramDrift& d : drift.features) row(d);
  if (drift.score) row(*drift.score);
  s += "</table><div class=\"grid\">";
  if (drift.score) s += DriftHistogram(*drift.score);
  for (const HistogramDrift& d : drift.features) s += DriftHistogram(d);
  return s + "</div>";
}

std::vector<CurvePoint> ReliabilityPoints(const CalibrationCheck& check) {
  std::vector<CurvePoint> points;
  for (const CalibrationBin& b : check.bins) {
    if (b.count > 0) points.push_back({b.mean_predicted, b.observed_rate});
  }
  return points;
}

// The reliability diagram (after and, for a calibrated model, before
// calibration) and the table of bins with the ECE of each.
Result<std::string> CalibrationSection(const QualityReportInput& in) {
  CHURNML_ASSIGN_OR_RETURN(CalibrationCheck after, CheckCalibration(in.labels, in.scores));
  std::optional<CalibrationCheck> before;
  if (!in.uncalibrated_scores.empty()) {
    if (in.uncalibrated_scores.size() != in.labels.size()) {
      return InvalidArgumentError("report: " + std::to_string(in.uncalibrated_scores.size()) +
                                  " uncalibrated scores for " + std::to_string(in.labels.size()) +
                                  " labels");
    }
    CHURNML_ASSIGN_OR_RETURN(before, CheckCalibration(in.labels, in.uncalibrated_scores));
  }
  const std::string& method = in.calibration_method;  // the chart escapes its text
  LineChart chart{
      .id = "calibration",
      .title = before
                   ? "Calibration (10 bins): ECE " + FormatFixed(after.ece, 4) + " after " +
                         method + ", " + FormatFixed(before->ece, 4) + " before"
                   : "Calibration (reliability diagram, 10 bins): ECE " + FormatFixed(after.ece, 4),
      .x_label = "mean predicted probability",
      .y_label = "observed churn rate",
      .series = {},
      .diagonal = true};
  chart.series.push_back(
      {before ? "after " + method : "", ReliabilityPoints(after), kOrange, true});
  if (before)
    chart.series.push_back({"before calibration", ReliabilityPoints(*before), kGray, true});
  std::string html = RenderLineChart(chart);
  // The numbers behind the chart, as a table a reader can quote.
  html +=
      "<div><table id=\"calibration-table\"><tr><th>bin</th><th>rows</th><th>mean "
      "predicted</th><th>observed</th>";
  if (before)
    html += "<th>before: rows</th><th>before: mean predicted</th><th>before: observed</th>";
  html += "</tr>";
  auto cells = [](const CalibrationBin& b) {
    return "<td>" + std::to_string(b.count) + "</td><td>" +
           (b.count > 0 ? FormatFixed(b.mean_predicted, 3) : "–") + "</td><td>" +
           (b.count > 0 ? FormatFixed(b.observed_rate, 3) : "–") + "</td>";
  };
  for (size_t i = 0; i < after.bins.size(); ++i) {
    const CalibrationBin& b = after.bins[i];
    html +=
        "<tr><td>" + FormatFixed(b.lower, 1) + "–" + FormatFixed(b.upper, 1) + "</td>" + cells(b);
    if (before && i < before->bins.size()) html += cells(before->bins[i]);
    html += "</tr>";
  }
  html +=
      "<tr><th>ECE</th><td colspan=\"3\" id=\"ece-after\">" + FormatFixed(after.ece, 4) + "</td>";
  if (before) {
    html += "<td colspan=\"3\" id=\"ece-before\">" + FormatFixed(before->ece, 4) + "</td>";
  }
  html += "</tr></table></div>";
  return html;
}

}  // namespace

Result<std::string> RenderQualityReport(const QualityReportInput& in) {
  if (in.labels.size() != in.scores.size()) {
    return InvalidArgumentError("report: " + std::to_string(in.labels.size()) + " labels but " +
                                std::to_string(in.scores.size()) + " scores");
  }
  std::string html = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" +
                     EscapeXml(in.title) + "</title><style>" + kStyle + "</style></head><body>";
  html += "<h1>" + EscapeXml(in.title) + "</h1><p class=\"muted\">model " +
          EscapeXml(in.model_name) + " · data " + EscapeXml(in.data_name) + " · threshold " +
          FormatFixed(in.threshold, 3) + "</p>";
  if (in.metrics != nullptr && !in.labels.empty()) {
    html += "<h2>Metrics</h2>" + MetricsTable(*in.metrics, in.training_metrics);
    CHURNML_ASSIGN_OR_RETURN(std::vector<CurvePoint> roc, RocCurve(in.labels, in.scores));
    CHURNML_ASSIGN_OR_RETURN(std::vector<CurvePoint> pr,
                             PrecisionRecallCurve(in.labels, in.scores));
    CHURNML_ASSIGN_OR_RETURN(std::vector<CurvePoint> gains, CumulativeGains(in.labels, in.scores));
    const size_t k = in.max_curve_points;
    html += "<h2>Ranking and calibration</h2><div class=\"grid\">";
    LineChart roc_chart{.id = "roc",
                        .title = "ROC curve (AUC " + Cell(in.metrics->roc_auc) + ")",
                        .x_label = "false positive rate",
                        .y_label = "true positive rate",
                        .series = {{"", DownsampleLttb(roc, k), kBlue, false}},
                        .diagonal = true};
    html += RenderLineChart(roc_chart);
    const double base_rate =
        static_cast<double>(in.metrics->positives) / static_cast<double>(in.metrics->rows);
    LineChart pr_chart{.id = "pr",
                       .title = "Precision–recall (AP " + Cell(in.metrics->average_precision) + ")",
                       .x_label = "recall",
                       .y_label = "precision",
                       .series = {{"model", DownsampleLttb(pr, k), kBlue, false},
                                  {"base rate", {{0, base_rate}, {1, base_rate}}, kGray, false}}};
    html += RenderLineChart(pr_chart);
    CHURNML_ASSIGN_OR_RETURN(std::string calibration_html, CalibrationSection(in));
    html += calibration_html;
    html += ScoreHistogram(in);
    const ConfusionMatrix& cm = in.metrics->confusion;
    html += RenderConfusionChart("confusion", in.negative_label, in.positive_label, cm.tn, cm.fp,
                                 cm.fn, cm.tp);
    // Gains and lift: what a retention team reads ("the top 10% hold X%").
    std::vector<CurvePoint> lift;
    for (const CurvePoint& p : DownsampleLttb(gains, k)) {
      if (p.x > 0) lift.push_back({p.x, p.y / p.x});
    }
    double at_ten = 0;
    for (const CurvePoint& p : gains) {
      if (p.x <= 0.1) at_ten = p.y;
    }
    LineChart gains_chart{
        .id = "gains",
        .title = "Gains: top 10% of scores hold " + FormatFixed(at_ten * 100, 1) + "% of churners",
        .x_label = "share of customers, by descending score",
        .y_label = "share of churners reached",
        .series = {{"", DownsampleLttb(gains, k), kGreen, false}},
        .diagonal = true};
    html += RenderLineChart(gains_chart);
    double max_lift = 1;
    for (const CurvePoint& p : lift) max_lift = std::max(max_lift, p.y);
    LineChart lift_chart{
        .id = "lift",
        .title = "Lift",
        .x_label = "share of customers, by descending score",
        .y_label = "lift over random",
        .y_max = std::ceil(max_lift),
        .series = {{"model", lift, kGreen, false}, {"random", {{0, 1}, {1, 1}}, kGray, false}}};
    html += RenderLineChart(lift_chart);
    html += "</div>";
  }
  if (!in.importance.empty()) {
    BarChart importance{.id = "importance",
                        .title = "Feature importance (" + in.importance_method + ")",
                        .value_label = in.importance_method,
                        .series_names = {"importance"},
                        .colors = {kBlue},
                        .groups = {},
                        .horizontal = true};
    for (const auto& [name, value] : in.importance) importance.groups.push_back({name, {value}});
    html += "<h2>Feature importance</h2>" + RenderBarChart(importance);
  }
  if (in.drift != nullptr) html += DriftSection(*in.drift);
  html +=
      "<p class=\"muted\">Written by churnml. Every chart is inline SVG; the file needs no "
      "network.</p></body></html>\n";
  return html;
}

Result<std::vector<std::pair<std::string, double>>> PermutationImportance(
    const ModelArtifact& artifact, const Dataset& data, int64_t max_rows, uint64_t seed) {
  std::vector<size_t> rows;
  const size_t n = data.num_rows();
  const size_t take = std::min(n, static_cast<size_t>(std::max<int64_t>(max_rows, 2)));
  for (size_t i = 0; i < take; ++i) rows.push_back(i * n / take);  // an even stride
  Dataset sample = data.Select(rows);
  std::vector<double> scores;
  CHURNML_RETURN_IF_ERROR(artifact.PredictProba(sample, &scores));
  CHURNML_ASSIGN_OR_RETURN(double baseline, RocAuc(sample.target(), scores));
  std::vector<std::pair<std::string, double>> out;
  Rng rng(seed);
  std::vector<size_t> perm(sample.num_rows());
  const Schema& schema = sample.schema();
  for (size_t index : schema.feature_indices()) {
    std::iota(perm.begin(), perm.end(), size_t{0});
    for (size_t i = perm.size(); i > 1; --i) std::swap(perm[i - 1], perm[rng.Next() % i]);
    Dataset shuffled = sample;
    ColumnData& column = shuffled.mutable_column(index);
    const ColumnData& original = sample.column(index);
    for (size_t i = 0; i < perm.size(); ++i) {
      if (!column.numbers.empty()) column.numbers[i] = original.numbers[perm[i]];
      if (!column.codes.empty()) column.codes[i] = original.codes[perm[i]];
    }
    CHURNML_RETURN_IF_ERROR(artifact.PredictProba(shuffled, &scores));
    CHURNML_ASSIGN_OR_RETURN(double auc, RocAuc(shuffled.target(), scores));
    out.emplace_back(schema.column(index).name, baseline - auc);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return out;
}

Status WriteQualityReport(const ModelArtifact& artifact, const ReportOptions& options,
                          ReportSummary* summary) {
  const auto start = std::chrono::steady_clock::now();
  LoadOptions load;
  load.target = TargetPolicy::kRequired;
  load.invalid_rows = InvalidRowPolicy::kDrop;
  CHURNML_ASSIGN_OR_RETURN(LoadResult loaded,
                           LoadCsv(options.data_path.string(), artifact.schema(), load));
  const Dataset& data = loaded.dataset;
  if (data.num_rows() == 0) {
    return FailedPreconditionError(options.data_path.string() + " has no valid rows to report on");
  }
  std::vector<double> scores;
  CHURNML_RETURN_IF_ERROR(ScoreInChunks(artifact, data, &scores));
  CHURNML_ASSIGN_OR_RETURN(BinaryMetrics metrics,
                           ComputeBinaryMetrics(data.target(), scores, artifact.threshold()));
  if (!metrics.roc_auc) {
    return FailedPreconditionError(options.data_path.string() +
                                   " holds only one class: a report needs churners and stayers");
  }
  std::optional<BinaryMetrics> training;
  if (artifact.metadata().contains("metrics")) {
    Result<BinaryMetrics> t = BinaryMetricsFromJson(artifact.metadata()["metrics"]);
    if (t.ok()) training = *t;
  }
  CHURNML_ASSIGN_OR_RETURN(
      auto importance,
      PermutationImportance(artifact, data, options.importance_rows, options.seed));
  std::optional<DriftComparison> drift;
  Result<ReferenceProfile> reference = LoadReferenceProfile(artifact);
  if (reference.ok()) {
    CHURNML_RETURN_IF_ERROR(ValidateDriftRules(options.rules, *reference));
    CHURNML_ASSIGN_OR_RETURN(ReferenceProfile current, BinLikeReference(*reference, data, scores));
    CHURNML_ASSIGN_OR_RETURN(drift, CompareProfiles(*reference, current, options.rules));
  } else if (reference.status().code() != StatusCode::kNotFound) {
    return reference.status();
  }
  QualityReportInput in;
  in.title = "Model report: " + options.model_name;
  in.model_name = options.model_name;
  in.data_name = options.data_path.filename().string();
  in.negative_label = artifact.schema().negative_label();
  in.positive_label = artifact.schema().positive_label();
  in.metrics = &metrics;
  in.training_metrics = training ? &*training : nullptr;
  in.labels = data.target();
  in.scores = scores;
  in.threshold = artifact.threshold();
  std::vector<double> uncalibrated;
  if (artifact.calibration()) {
    // The model's own probabilities, a chunk at a time like the scores.
    constexpr size_t kChunk = 65536;
    uncalibrated.reserve(data.num_rows());
    std::vector<size_t> rows;
    std::vector<double> part;
    for (size_t begin = 0; begin < data.num_rows(); begin += kChunk) {
      rows.clear();
      for (size_t r = begin; r < std::min(data.num_rows(), begin + kChunk); ++r) rows.push_back(r);
      CHURNML_RETURN_IF_ERROR(artifact.PredictUncalibrated(data.Select(rows), &part));
      uncalibrated.insert(uncalibrated.end(), part.begin(), part.end());
    }
    in.uncalibrated_scores = uncalibrated;
    in.calibration_method = std::string(CalibrationMethodName(artifact.calibration()->method()));
  }
  in.importance = std::move(importance);
  in.importance_method = "drop in ROC AUC when shuffled";
  in.drift = drift ? &*drift : nullptr;
  CHURNML_ASSIGN_OR_RETURN(std::string html, RenderQualityReport(in));
  CHURNML_RETURN_IF_ERROR(WriteFileAtomically(options.out_path, html));
  summary->rows = static_cast<int64_t>(data.num_rows());
  summary->bytes = static_cast<int64_t>(html.size());
  size_t charts = 0;
  for (size_t at = html.find("class=\"chart\""); at != std::string::npos;
       at = html.find("class=\"chart\"", at + 1)) {
    ++charts;
  }
  summary->charts = static_cast<int>(charts);
  summary->drift_section = drift.has_value();
  summary->seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return Status::Ok();
}

}  // namespace churnml
