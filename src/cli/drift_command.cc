// `churnml drift`: compare new rows with the model's reference profile.
// Exit 0 no drift, 1 drift (with --fail-on drift, the default), 2 error.
#include "cli/drift_command.h"

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/model_ref.h"
#include "common/atomic_file.h"
#include "common/json_dump.h"
#include "common/strings.h"
#include "pipeline/drift.h"
#include "pipeline/quality_report.h"

namespace churnml::cli {
namespace {

struct DriftFlags {
  std::string model;
  std::string data;
  bool json = false;
  std::string html;
  std::string fail_on = "drift";
  DriftRuleFlags rules;
};

Status ReadThreshold(const YAML::Node& node, const std::string& where, DriftThreshold* t) {
  if (!node.IsMap()) return InvalidArgumentError(where + " must be a map of psi and alpha");
  for (const auto& entry : node) {
    const std::string key = entry.first.as<std::string>();
    if (key == "psi") {
      t->psi = entry.second.as<double>();
    } else if (key == "alpha") {
      t->alpha = entry.second.as<double>();
    } else {
      return InvalidArgumentError(where + ": unknown key \"" + key + "\" (psi, alpha)");
    }
  }
  return Status::Ok();
}

Status ReadRulesFile(const std::string& path, DriftRules* rules) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(path + ": " + e.what());
  }
  if (root.IsNull()) return Status::Ok();
  if (!root.IsMap()) return InvalidArgumentError(path + ": expected a map at the top level");
  try {
    for (const auto& entry : root) {
      const std::string key = entry.first.as<std::string>();
      if (key == "psi") {
        rules->feature.psi = entry.second.as<double>();
      } else if (key == "alpha") {
        rules->feature.alpha = entry.second.as<double>();
      } else if (key == "share") {
        rules->share_threshold = entry.second.as<double>();
      } else if (key == "score") {
        CHURNML_RETURN_IF_ERROR(ReadThreshold(entry.second, path + ": score", &rules->score));
      } else if (key == "features") {
        if (!entry.second.IsMap()) return InvalidArgumentError(path + ": features must be a map");
        for (const auto& feature : entry.second) {
          const std::string name = feature.first.as<std::string>();
          DriftThreshold t = rules->feature;
          CHURNML_RETURN_IF_ERROR(ReadThreshold(feature.second, path + ": features." + name, &t));
          rules->features[name] = t;
        }
      } else {
        return InvalidArgumentError(path + ": unknown key \"" + key +
                                    "\" (psi, alpha, share, score, features)");
      }
    }
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(path + ": " + e.what());
  }
  return Status::Ok();
}

std::string Percent(double v) { return FormatDouble(std::round(v * 1000.0) / 10.0) + "%"; }

void PrintText(const DriftReport& r) {
  const DriftComparison& c = r.comparison;
  std::string out;
  char line[256];
  std::snprintf(line, sizeof(line), "%-18s %-11s %8s %8s %10s %9s  %s\n", "feature", "test", "psi",
                "js", "statistic", "p-value", "drift");
  out += line;
  auto row = [&](const HistogramDrift& d) {
    std::snprintf(line, sizeof(line), "%-18s %-11s %8s %8s %10s %9s  %s\n", d.name.c_str(),
                  d.test.c_str(), FormatFixed(d.psi, 4).c_str(),
                  FormatFixed(d.js_distance, 4).c_str(), FormatFixed(d.result.statistic, 4).c_str(),
                  FormatPValue(d.result.p_value).c_str(), d.drifted ? "DRIFT" : "-");
    out += line;
  };
  for (const HistogramDrift& d : c.features) row(d);
  if (c.score) row(*c.score);
  out += "\n" + std::to_string(c.drifted_features) + " of " + std::to_string(c.features.size()) +
         " features drifted (" + Percent(c.drifted_share) + "); score " +
         (c.score_drifted ? "drifted" : "stable") + "\n";
  out += std::string("dataset drift: ") + (c.dataset_drifted ? "YES" : "no") + "\n";
  if (r.current_metrics) {
    out += "\nmetric            training    current\n";
    auto metric = [&](const char* name, std::optional<double> train, std::optional<double> now) {
      std::snprintf(line, sizeof(line), "%-16s %9s %10s\n", name,
                    train ? FormatFixed(*train, 4).c_str() : "-",
                    now ? FormatFixed(*now, 4).c_str() : "-");
      out += line;
    };
    const BinaryMetrics& now = *r.current_metrics;
    const std::optional<BinaryMetrics>& train = r.training_metrics;
    metric("roc_auc", train ? train->roc_auc : std::nullopt, now.roc_auc);
    metric("brier_score", train ? std::optional(train->brier_score) : std::nullopt,
           now.brier_score);
    metric("log_loss", train ? std::optional(train->log_loss) : std::nullopt, now.log_loss);
    metric("recall", train ? std::optional(train->recall) : std::nullopt, now.recall);
    metric("label_rate", c.reference_label_rate, c.current_label_rate);
    metric("mean_score", std::nullopt, r.mean_score);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
}

int RunDrift(const DriftFlags& f, const CommandContext& ctx) {
  if (f.fail_on != "drift" && f.fail_on != "never") {
    return ReportError(InvalidArgumentError("--fail-on must be drift or never"));
  }
  Result<DriftRules> rules = BuildDriftRules(f.rules);
  if (!rules.ok()) return ReportError(rules.status());
  Result<std::shared_ptr<const ModelArtifact>> artifact = LoadModelRef(f.model, ctx);
  if (!artifact.ok()) return ReportError(artifact.status());
  Result<ReferenceProfile> reference = LoadReferenceProfile(**artifact);
  if (!reference.ok()) return ReportError(reference.status().WithContext(f.model));
  DriftOptions options;
  options.data_path = f.data;
  options.rules = *rules;
  DriftReport report;
  Status s = MeasureDrift(**artifact, *reference, options, &report);
  if (!s.ok()) return ReportError(s);
  if (report.rows_dropped > 0) {
    Say(FormatCount(report.rows_dropped) + " invalid row(s) of " + f.data + " left out (first: " +
        (report.issues.issues().empty() ? std::string("?") : report.issues.issues()[0].message) +
        ")");
  }
  if (!f.html.empty()) {
    QualityReportInput input;
    input.title = "Drift report: " + f.model + " on " + f.data;
    input.model_name = f.model;
    input.data_name = f.data;
    input.drift = &report.comparison;
    Result<std::string> html = RenderQualityReport(input);
    if (!html.ok()) return ReportError(html.status());
    Status written = WriteFileAtomically(f.html, *html);
    if (!written.ok()) return ReportError(written);
  }
  if (f.json) {
    nlohmann::json doc = DriftReportJson(report);
    doc["model"] = f.model;
    std::printf("%s\n", DumpJson(doc, 2).c_str());
  } else {
    PrintText(report);
  }
  std::fflush(stdout);
  return report.comparison.dataset_drifted && f.fail_on == "drift" ? kExitFindings : kExitOk;
}

}  // namespace

void AddDriftRuleFlags(CLI::App* cmd, DriftRuleFlags* flags) {
  cmd->add_option("--thresholds", flags->thresholds,
                  "YAML file of drift thresholds (psi, alpha, share, score, features.NAME)");
  cmd->add_option("--psi", flags->psi, "PSI at or above which a feature may drift (default 0.1)");
  cmd->add_option("--alpha", flags->alpha, "significance level of the drift tests (default 0.05)");
  cmd->add_option("--share", flags->share,
                  "share of drifted features that makes the dataset drift (default 0.5)");
}

Result<DriftRules> BuildDriftRules(const DriftRuleFlags& flags) {
  DriftRules rules;
  if (!flags.thresholds.empty()) CHURNML_RETURN_IF_ERROR(ReadRulesFile(flags.thresholds, &rules));
  if (flags.psi) rules.feature.psi = *flags.psi;
  if (flags.alpha) rules.feature.alpha = *flags.alpha;
  if (flags.share) rules.share_threshold = *flags.share;
  return rules;
}

void RegisterDriftCommand(CLI::App& app, CommandContext& ctx) {
  auto flags = std::make_shared<DriftFlags>();
  CLI::App* cmd = app.add_subcommand(
      "drift",
      "Compare new rows with the model's training profile; exit 0 no drift, 1 drift, 2 error");
  cmd->footer(
      "Examples:\n  churnml drift --model churn@champion --data new.csv\n  churnml drift --model "
      "churn@champion --data new.csv --json --html drift.html");
  cmd->add_option("--model", flags->model, "model: a directory, NAME@ALIAS or NAME/VERSION")
      ->required();
  cmd->add_option("--data", flags->data, "CSV of new rows (raw schema; the target is optional)")
      ->required();
  cmd->add_flag("--json", flags->json, "print the report as JSON on stdout");
  cmd->add_option("--html", flags->html, "also write a self-contained HTML report to this file");
  cmd->add_option("--fail-on", flags->fail_on,
                  "drift: exit 1 when the dataset drifts; never: exit 0 unless an error")
      ->capture_default_str();
  AddDriftRuleFlags(cmd, &flags->rules);
  cmd->callback([flags, &ctx] { ctx.exit_code = RunDrift(*flags, ctx); });
}

}  // namespace churnml::cli
