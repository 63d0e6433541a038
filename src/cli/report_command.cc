// `churnml report`: one self-contained HTML file about a model on labelled data.
#include <cmath>
#include <memory>

#include "cli/command.h"
#include "cli/drift_command.h"
#include "cli/model_ref.h"
#include "common/strings.h"
#include "pipeline/quality_report.h"

namespace churnml::cli {
namespace {

struct ReportFlags {
  std::string model;
  std::string data;
  std::string out;
  int64_t importance_rows = 20000;
  DriftRuleFlags rules;
};

int RunReport(const ReportFlags& f, const CommandContext& ctx) {
  if (f.importance_rows < 2) {
    return ReportError(InvalidArgumentError("--importance-rows must be at least 2"));
  }
  Result<DriftRules> rules = BuildDriftRules(f.rules);
  if (!rules.ok()) return ReportError(rules.status());
  Result<std::shared_ptr<const ModelArtifact>> artifact = LoadModelRef(f.model, ctx);
  if (!artifact.ok()) return ReportError(artifact.status());
  ReportOptions options;
  options.data_path = f.data;
  options.out_path = f.out;
  options.model_name = f.model;
  options.rules = *rules;
  options.importance_rows = f.importance_rows;
  ReportSummary summary;
  Status s = WriteQualityReport(**artifact, options, &summary);
  if (!s.ok()) return ReportError(s);
  Say("wrote " + f.out + ": " + FormatCount(summary.bytes) + " bytes, " +
      std::to_string(summary.charts) + " charts, " + FormatCount(summary.rows) + " rows" +
      (summary.drift_section ? ", with drift" : ", no drift profile in the model") + " (" +
      FormatDouble(std::round(summary.seconds * 100) / 100) + " s)");
  return kExitOk;
}

}  // namespace

void RegisterReportCommand(CLI::App& app, CommandContext& ctx) {
  auto flags = std::make_shared<ReportFlags>();
  CLI::App* cmd = app.add_subcommand(
      "report", "Write a self-contained HTML report (metrics, curves, calibration, drift)");
  cmd->footer(
      "Example:\n  churnml report --model churn@champion --data labelled.csv --out report.html");
  cmd->add_option("--model", flags->model, "model: a directory, NAME@ALIAS or NAME/VERSION")
      ->required();
  cmd->add_option("--data", flags->data, "labelled CSV (raw schema, with the target)")->required();
  cmd->add_option("--out", flags->out, "HTML file to write")->required();
  cmd->add_option("--importance-rows", flags->importance_rows,
                  "rows sampled for permutation importance")
      ->capture_default_str();
  AddDriftRuleFlags(cmd, &flags->rules);
  cmd->callback([flags, &ctx] { ctx.exit_code = RunReport(*flags, ctx); });
}

}  // namespace churnml::cli
