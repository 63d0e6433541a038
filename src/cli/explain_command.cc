// `churnml explain`: CSV in, CSV out with each row's score and the top-k
// features behind it (contributions in log-odds), via pipeline/batch_explain.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/command.h"
#include "cli/interrupt_guard.h"
#include "cli/model_ref.h"
#include "common/json_dump.h"
#include "common/strings.h"
#include "pipeline/batch_explain.h"
#include "pipeline/explanations.h"

namespace churnml::cli {
namespace {

struct ExplainFlags {
  std::string model;
  std::string input;
  std::string output;
  size_t top_k = 5;
  std::optional<double> threshold;
  bool json = false;
};

int RunExplain(const ExplainFlags& f, const CommandContext& ctx) {
  InterruptGuard guard;
  Result<std::shared_ptr<const ModelArtifact>> artifact = LoadModelRef(f.model, ctx);
  if (!artifact.ok()) return ReportError(artifact.status());
  ExplainBatchOptions options;
  options.input_path = f.input;
  options.output_path = f.output;
  options.top_k = f.top_k;
  options.threshold = f.threshold;
  ExplainBatchReport report;
  Status status = ExplainBatch(*artifact, options, &report);
  if (!status.ok()) return ReportError(status);
  if (f.json) {
    nlohmann::json doc = {{"output", report.output_path.string()},
                          {"rows", report.rows},
                          {"top_k", report.top_k},
                          {"unit", kContributionUnit},
                          {"seconds", report.seconds}};
    std::printf("%s\n", DumpJson(doc, 2).c_str());
  } else {
    Say("explained " + FormatCount(report.rows) + " rows (top " + std::to_string(report.top_k) +
        " features each, contributions in log-odds) in " + FormatFixed(report.seconds, 3) +
        " s → " + report.output_path.string());
  }
  return kExitOk;
}

}  // namespace

void RegisterExplainCommand(CLI::App& app, CommandContext& ctx) {
  auto flags = std::make_shared<ExplainFlags>();
  CLI::App* cmd = app.add_subcommand(
      "explain", "Explain each row's score: the features that moved it most, in log-odds");
  cmd->add_option("--model", flags->model, "model: a directory, NAME@ALIAS or NAME/VERSION")
      ->required();
  cmd->add_option("--input", flags->input,
                  "CSV to explain (raw schema; target optional; - = stdin)")
      ->required();
  cmd->add_option("--output", flags->output,
                  "CSV to write: id, probability, prediction, base_value, topN_feature/value/"
                  "contribution (- = stdout)")
      ->required();
  cmd->add_option("--top-k", flags->top_k, "features per row, by |contribution|")
      ->check(CLI::Range(size_t{1}, size_t{4096}))
      ->capture_default_str();
  cmd->add_option("--threshold", flags->threshold,
                  "probability at or above which churn is predicted (default: the model's)");
  cmd->add_flag("--json", flags->json, "print the summary as JSON on stdout");
  cmd->footer(
      "Examples:\n"
      "  churnml explain --model churn@champion --input customers.csv --output why.csv\n"
      "  churnml explain --model models/xgboost --input new.csv --output - --top-k 3");
  cmd->callback([flags, &ctx] { ctx.exit_code = RunExplain(*flags, ctx); });
}

}  // namespace churnml::cli
