#include "serving/experiment_report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <span>

#include "common/json_dump.h"
#include "common/strings.h"
#include "data/csv_reader.h"
#include "eval/binary_metrics.h"

namespace churnml::serving {

namespace {

constexpr int64_t kMaxOutcomeRows = 50'000'000;
constexpr double kZ975 = 1.959963984540054;  // two-sided 5%
constexpr double kZ80 = 0.8416212335729143;  // 80% power

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Hanley & McNeil (1982): the standard error of an AUC from the class sizes.
double HanleyMcNeilSe(double auc, double positives, double negatives) {
  const double q1 = auc / (2 - auc);
  const double q2 = 2 * auc * auc / (1 + auc);
  const double variance =
      (auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc)) /
      (positives * negatives);
  return std::sqrt(std::max(0.0, variance));
}

std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string AucText(const VariantResult& v) {
  if (!v.auc) return "n/a (needs churners and non-churners)";
  return FormatFixed(*v.auc, 4) + " [" + FormatFixed(v.ci_low, 4) + ", " +
         FormatFixed(v.ci_high, 4) + "]";
}

std::string NeededText(const VariantComparison& c) {
  if (!c.customers_still_needed) return "no difference observed";
  if (*c.customers_still_needed == 0) return "0 (conclusive at 80% power)";
  return FormatCount(*c.customers_still_needed);
}

}  // namespace

Result<std::unordered_map<std::string, uint8_t>> ReadOutcomes(const std::filesystem::path& csv,
                                                              const OutcomeOptions& options) {
  const std::string name = csv.string();
  CHURNML_ASSIGN_OR_RETURN(CsvReader reader, CsvReader::Open(name));
  CHURNML_ASSIGN_OR_RETURN(std::vector<std::string> header, reader.ReadHeader());
  int id = -1, label = -1;
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == options.id_column) id = static_cast<int>(i);
    if (header[i] == options.label_column) label = static_cast<int>(i);
  }
  if (id < 0 || label < 0) {
    return InvalidArgumentError("--outcomes " + name + ": needs columns \"" + options.id_column +
                                "\" and \"" + options.label_column + "\" (found " +
                                Abbreviate(Join(header, ", "), 200) + ")");
  }
  const std::string positive = Lower(options.positive_label);
  std::unordered_map<std::string, uint8_t> outcomes;
  CsvRecord record;
  int64_t rows = 0;
  while (true) {
    CHURNML_ASSIGN_OR_RETURN(bool more, reader.Next(&record));
    if (!more) break;
    if (++rows > kMaxOutcomeRows) {
      return InvalidArgumentError("--outcomes " + name + ": more than " +
                                  FormatCount(kMaxOutcomeRows) + " rows");
    }
    const std::string where = "--outcomes " + name + ", line " + std::to_string(record.line);
    if (record.fields.size() != header.size()) {
      return InvalidArgumentError(where + ": " + std::to_string(record.fields.size()) +
                                  " fields, the header has " + std::to_string(header.size()));
    }
    const std::string value = Lower(record.fields[static_cast<size_t>(label)]);
    uint8_t y;
    if (value == positive || value == "1" || value == "true") {
      y = 1;
    } else if (value == "no" || value == "0" || value == "false") {
      y = 0;
    } else {
      return InvalidArgumentError(where + ", column \"" + options.label_column + "\": \"" +
                                  Abbreviate(record.fields[static_cast<size_t>(label)], 64) +
                                  "\" is not an outcome (" + options.positive_label +
                                  "/No, 1/0, true/false)");
    }
    std::string customer(record.fields[static_cast<size_t>(id)]);
    if (customer.empty()) continue;
    auto [it, inserted] = outcomes.emplace(std::move(customer), y);
    if (!inserted && it->second != y) {
      return InvalidArgumentError(where + ": customer \"" + Abbreviate(it->first, 64) +
                                  "\" has two different outcomes");
    }
  }
  return outcomes;
}

ExperimentReport AnalyzeExperiment(const PredictionLogContents& log,
                                   const std::unordered_map<std::string, uint8_t>& outcomes) {
  ExperimentReport report;
  report.predictions = static_cast<int64_t>(log.records.size());
  report.skipped_lines = log.skipped_lines;
  // The first prediction of each customer: its variant and score.
  std::unordered_map<std::string, const PredictionLogRecord*> first;
  for (const PredictionLogRecord& r : log.records) {
    if (r.customer_id.empty()) {
      ++report.predictions_without_id;
      continue;
    }
    first.emplace(r.customer_id, &r);
  }
  report.customers_logged = static_cast<int64_t>(first.size());
  struct Arm {
    std::vector<uint8_t> labels;
    std::vector<double> scores;
    std::set<std::string> versions;
  };
  std::map<std::string, Arm> arms;
  for (const PredictionLogRecord& r : log.records) arms[r.variant].versions.insert(r.version);
  for (const auto& [customer, r] : first) {
    auto outcome = outcomes.find(customer);
    if (outcome == outcomes.end()) continue;
    ++report.customers_joined;
    Arm& arm = arms[r->variant];
    arm.labels.push_back(outcome->second);
    arm.scores.push_back(r->score);
  }
  std::vector<std::string> names;
  if (arms.count("primary")) names.push_back("primary");
  for (const auto& [name, arm] : arms) {
    if (name != "primary") names.push_back(name);
  }
  for (const std::string& name : names) {
    const Arm& arm = arms[name];
    VariantResult v;
    v.variant = name;
    v.versions.assign(arm.versions.begin(), arm.versions.end());
    v.customers = static_cast<int64_t>(arm.labels.size());
    for (uint8_t y : arm.labels) v.churned += y;
    Result<double> auc = RocAuc(arm.labels, arm.scores);
    if (auc.ok() && v.churned > 0 && v.churned < v.customers) {
      v.auc = *auc;
      v.se = HanleyMcNeilSe(*auc, static_cast<double>(v.churned),
                            static_cast<double>(v.customers - v.churned));
      v.ci_low = std::max(0.0, *auc - kZ975 * v.se);
      v.ci_high = std::min(1.0, *auc + kZ975 * v.se);
    }
    report.variants.push_back(std::move(v));
  }
  if (report.variants.empty()) return report;
  const VariantResult& base = report.variants[0];
  for (size_t i = 1; i < report.variants.size(); ++i) {
    const VariantResult& v = report.variants[i];
    if (!base.auc || !v.auc) continue;
    VariantComparison c;
    c.baseline = base.variant;
    c.variant = v.variant;
    c.difference = *v.auc - *base.auc;
    c.se = std::sqrt(base.se * base.se + v.se * v.se);
    if (c.se > 0) {
      c.z = c.difference / c.se;
      c.p_value = std::erfc(std::abs(c.z) / std::sqrt(2.0));
    }
    c.significant = c.p_value < 0.05;
    if (c.difference != 0 && c.se > 0) {
      // The standard error shrinks as 1/sqrt(n): the sample that makes
      // |difference| / se reach z_0.975 + z_0.8.
      const double now = static_cast<double>(base.customers + v.customers);
      const double factor = std::pow((kZ975 + kZ80) / std::abs(c.z), 2);
      c.customers_still_needed =
          std::max<int64_t>(0, static_cast<int64_t>(std::ceil(now * factor - now)));
    }
    report.comparisons.push_back(std::move(c));
  }
  return report;
}

std::string RenderExperimentText(const ExperimentReport& r) {
  std::string out;
  out += "predictions read: " + FormatCount(r.predictions) + " (" + FormatCount(r.skipped_lines) +
         " torn or invalid lines skipped, " + FormatCount(r.predictions_without_id) +
         " without a customer id)\n";
  out += "customers: " + FormatCount(r.customers_logged) + " logged, " +
         FormatCount(r.customers_joined) + " with an outcome\n\n";
  for (const VariantResult& v : r.variants) {
    out += v.variant + " (version " + Join(v.versions, ", ") + "): " + FormatCount(v.customers) +
           " customers, " + FormatCount(v.churned) + " churned, ROC AUC " + AucText(v) + "\n";
  }
  for (const VariantComparison& c : r.comparisons) {
    out += "\n" + c.variant + " vs " + c.baseline + ": AUC difference " +
           FormatFixed(c.difference, 4) + " (se " + FormatFixed(c.se, 4) + ", z " +
           FormatFixed(c.z, 2) + ", p " + FormatPValue(c.p_value) + ", unpaired) — " +
           (c.significant ? "significant at 5%" : "not significant at 5%") +
           "; customers still needed for 80% power: " + NeededText(c) + "\n";
  }
  return out;
}

std::string RenderExperimentJson(const ExperimentReport& r) {
  nlohmann::json j;
  j["predictions"] = r.predictions;
  j["skipped_lines"] = r.skipped_lines;
  j["predictions_without_id"] = r.predictions_without_id;
  j["customers_logged"] = r.customers_logged;
  j["customers_joined"] = r.customers_joined;
  j["variants"] = nlohmann::json::array();
  for (const VariantResult& v : r.variants) {
    nlohmann::json e = {{"variant", v.variant},
                        {"versions", v.versions},
                        {"customers", v.customers},
                        {"churned", v.churned}};
    if (v.auc) {
      e["roc_auc"] = *v.auc;
      e["se"] = v.se;
      e["ci95"] = {v.ci_low, v.ci_high};
    } else {
      e["roc_auc"] = nullptr;
    }
    j["variants"].push_back(std::move(e));
  }
  j["comparisons"] = nlohmann::json::array();
  for (const VariantComparison& c : r.comparisons) {
    j["comparisons"].push_back(
        {{"baseline", c.baseline},
         {"variant", c.variant},
         {"difference", c.difference},
         {"se", c.se},
         {"z", c.z},
         {"p_value", c.p_value},
         {"test", "unpaired z (Hanley-McNeil standard errors)"},
         {"significant", c.significant},
         {"customers_still_needed", c.customers_still_needed
                                        ? nlohmann::json(*c.customers_still_needed)
                                        : nlohmann::json(nullptr)}});
  }
  return DumpJson(j) + "\n";
}

std::string RenderExperimentHtml(const ExperimentReport& r) {
  std::string out =
      "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>churnml experiment</title>"
      "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
      "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}</style></head><body>"
      "<h1>A/B experiment</h1><p>";
  out += Escape(FormatCount(r.customers_joined)) + " customers with an outcome of " +
         Escape(FormatCount(r.customers_logged)) + " logged; " +
         Escape(FormatCount(r.skipped_lines)) + " log lines skipped.</p>";
  out +=
      "<table><tr><th>variant</th><th>versions</th><th>customers</th><th>churned</th>"
      "<th>ROC AUC [95% CI]</th></tr>";
  for (const VariantResult& v : r.variants) {
    out += "<tr><td>" + Escape(v.variant) + "</td><td>" + Escape(Join(v.versions, ", ")) +
           "</td><td>" + FormatCount(v.customers) + "</td><td>" + FormatCount(v.churned) +
           "</td><td>" + Escape(AucText(v)) + "</td></tr>";
  }
  out += "</table>";
  if (!r.comparisons.empty()) {
    out +=
        "<h2>Against the primary</h2><table><tr><th>variant</th><th>AUC difference</th>"
        "<th>se</th><th>p (unpaired)</th><th>customers still needed (80% power)</th></tr>";
    for (const VariantComparison& c : r.comparisons) {
      out += "<tr><td>" + Escape(c.variant) + "</td><td>" + FormatFixed(c.difference, 4) +
             "</td><td>" + FormatFixed(c.se, 4) + "</td><td>" + Escape(FormatPValue(c.p_value)) +
             "</td><td>" + Escape(NeededText(c)) + "</td></tr>";
    }
    out += "</table>";
  }
  return out + "</body></html>\n";
}

}  // namespace churnml::serving
