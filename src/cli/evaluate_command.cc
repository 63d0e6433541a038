// `churnml evaluate`: score a labelled CSV with a saved model, print metrics.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/cli_errors.h"
#include "cli/command.h"
#include "cli/model_ref.h"
#include "common/atomic_file.h"
#include "common/json_dump.h"
#include "common/strings.h"
#include "eval/metrics_json.h"
#include "eval/metrics_text.h"
#include "models/calibration.h"
#include "pipeline/evaluate.h"

namespace churnml::cli {
namespace {

struct EvaluateFlags {
  std::string model;
  std::string data;
  std::optional<double> threshold;
  bool detailed = false;
  std::string output;
  bool json = false;
};

int RunEvaluate(const EvaluateFlags& f, const CommandContext& ctx) {
  Result<std::shared_ptr<const ModelArtifact>> artifact = LoadModelRef(f.model, ctx);
  if (!artifact.ok()) return ReportError(artifact.status());
  EvaluateOptions options;
  options.data_path = f.data;
  options.threshold = f.threshold;
  EvaluateReport report;
  Status status = Evaluate(**artifact, options, &report);
  if (!status.ok()) {
    for (const ValidationIssue& issue : report.issues.issues()) Say("  " + issue.message);
    return ReportError(status);
  }
  nlohmann::json doc = {{"model", f.model},
                        {"data", f.data},
                        {"kind", (*artifact)->model().kind()},
                        {"metrics", ToJson(report.metrics)}};
  if (report.calibration) {
    doc["calibration"] = report.calibration->ToJson();
    if (report.uncalibrated) {
      doc["calibration"]["method"] =
          std::string(CalibrationMethodName((*artifact)->calibration()->method()));
      doc["calibration"]["before"] = report.uncalibrated->ToJson();
    }
  }
  if (!f.output.empty()) {
    Status written = WriteFileAtomically(f.output, DumpJson(doc, 2) + "\n");
    if (!written.ok()) return ReportError(written);
  }
  if (f.json) {
    std::printf("%s\n", DumpJson(doc, 2).c_str());
  } else {
    const Schema& schema = (*artifact)->schema();
    ClassNames names{schema.negative_label(), schema.positive_label()};
    std::printf("%s", f.detailed ? FormatMetricsDetailed(report.metrics, names).c_str()
                                 : FormatMetrics(report.metrics).c_str());
    if (report.calibration) {
      std::string line =
          "calibration error (ECE, 10 bins): " + FormatFixed(report.calibration->ece, 4);
      if (report.uncalibrated) {
        line += " (" + std::string(CalibrationMethodName((*artifact)->calibration()->method())) +
                "; " + FormatFixed(report.uncalibrated->ece, 4) + " before calibration)";
      }
      std::printf("%s\n", line.c_str());
      if (f.detailed) {
        std::printf("reliability: bin, rows, mean predicted, observed%s\n",
                    report.uncalibrated ? " | before calibration: mean predicted, observed" : "");
        for (size_t i = 0; i < report.calibration->bins.size(); ++i) {
          const CalibrationBin& b = report.calibration->bins[i];
          std::string row = "  [" + FormatFixed(b.lower, 1) + ", " + FormatFixed(b.upper, 1) +
                            ")  " + std::to_string(b.count) + "  " +
                            FormatFixed(b.mean_predicted, 3) + "  " +
                            FormatFixed(b.observed_rate, 3);
          if (report.uncalibrated && i < report.uncalibrated->bins.size()) {
            const CalibrationBin& u = report.uncalibrated->bins[i];
            row += "  |  " + std::to_string(u.count) + "  " + FormatFixed(u.mean_predicted, 3) +
                   "  " + FormatFixed(u.observed_rate, 3);
          }
          std::printf("%s\n", row.c_str());
        }
      }
    }
  }
  return kExitOk;
}

}  // namespace

void RegisterEvaluateCommand(CLI::App& app, CommandContext& ctx) {
  auto flags = std::make_shared<EvaluateFlags>();
  CLI::App* cmd =
      app.add_subcommand("evaluate", "Compute metrics of a saved model on labelled data");
  cmd->add_option("--model", flags->model, "model: a directory, NAME@ALIAS or NAME/VERSION")
      ->required();
  cmd->add_option("--data", flags->data, "labelled CSV (raw schema, with the target)")->required();
  cmd->add_option("--threshold", flags->threshold,
                  "probability at or above which churn is predicted (default: the model's)");
  cmd->add_flag("--detailed", flags->detailed, "add the confusion matrix and per-class report");
  AddFlagAlias(
      cmd, "--output",
      cmd->add_option("--out", flags->output, "also write the metrics as JSON to this file"));
  cmd->add_flag("--json", flags->json, "print the metrics as JSON on stdout");
  cmd->footer(
      "Examples:\n"
      "  churnml evaluate --model churn@champion --data holdout.csv --detailed\n"
      "  churnml evaluate --model models/xgb --data holdout.csv --json --out metrics.json");
  cmd->callback([flags, &ctx] { ctx.exit_code = RunEvaluate(*flags, ctx); });
}

}  // namespace churnml::cli
