// `churnml predict`: CSV in, CSV out with customerID, any --keep-columns,
// probability, prediction.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/cli_errors.h"
#include "cli/command.h"
#include "cli/interrupt_guard.h"
#include "cli/model_ref.h"
#include "common/json_dump.h"
#include "common/strings.h"
#include "common/suggest.h"
#include "pipeline/batch_predict.h"

namespace churnml::cli {
namespace {

struct PredictFlags {
  std::string model;
  std::string input;
  std::string output;
  std::string rejects;
  std::optional<double> threshold;
  std::vector<std::string> keep_columns;
  int threads = 0;
  bool profile = false;
  bool json = false;
};

std::string Seconds(double s) { return FormatFixed(s, 3); }

int RunPredict(const PredictFlags& f, const CommandContext& ctx) {
  // SIGINT/SIGTERM: remove the temporaries, then exit. First, so that every
  // thread (the model's included) is created with the signals blocked.
  InterruptGuard guard;
  Result<std::shared_ptr<const ModelArtifact>> artifact = LoadModelRef(f.model, ctx);
  if (!artifact.ok()) return ReportError(artifact.status());
  PredictOptions options;
  options.input_path = f.input;
  options.output_path = f.output;
  options.rejects_path = f.rejects;
  options.threshold = f.threshold;
  options.threads = f.threads;
  options.keep_columns = f.keep_columns;
  PredictReport report;
  Status status = PredictBatch(**artifact, options, &report);
  if (!status.ok()) return ReportError(status);
  if (f.json) {
    nlohmann::json doc = {{"output", report.output_path.string()},
                          {"rejects", report.rejects_path.string()},
                          {"rows",
                           {{"read", report.rows_read},
                            {"scored", report.rows_scored},
                            {"rejected", report.rows_rejected}}},
                          {"kept_columns", report.kept_columns},
                          {"threads", report.threads},
                          {"seconds", report.seconds},
                          {"stages_seconds",
                           {{"parse", report.stages.parse},
                            {"score", report.stages.score},
                            {"encode", report.stages.encode},
                            {"write", report.stages.write}}},
                          {"slowest_stage", report.SlowestStage()}};
    std::printf("%s\n", DumpJson(doc, 2).c_str());
  } else {
    Say("scored " + FormatCount(report.rows_scored) + " of " + FormatCount(report.rows_read) +
        " rows in " + Seconds(report.seconds) + " s on " +
        CountNoun(report.threads, "thread", "threads") + " → " + report.output_path.string());
    if (report.rows_rejected > 0) {
      Say("rejected " + FormatCount(report.rows_rejected) + " row(s); reasons in " +
          report.rejects_path.string());
    }
  }
  if (f.profile) {
    const PredictStageTimes& s = report.stages;
    Say("profile (thread-seconds): parse " + Seconds(s.parse) + ", score " + Seconds(s.score) +
        ", encode " + Seconds(s.encode) + ", write " + Seconds(s.write) +
        "; slowest: " + report.SlowestStage());
  }
  return report.rows_rejected > 0 ? kExitPartial : kExitOk;
}

}  // namespace

void RegisterPredictCommand(CLI::App& app, CommandContext& ctx) {
  auto flags = std::make_shared<PredictFlags>();
  CLI::App* cmd = app.add_subcommand("predict", "Score a CSV of customers with a saved model");
  cmd->add_option("--model", flags->model, "model: a directory, NAME@ALIAS or NAME/VERSION")
      ->required();
  CLI::Option* data = cmd->add_option("--data", flags->input,
                                      "CSV to score (raw schema; target optional; - = stdin)")
                          ->required();
  AddFlagAlias(cmd, "--input", data);
  CLI::Option* out =
      cmd->add_option("--out", flags->output,
                      "CSV to write: id, kept columns, probability, prediction (- = stdout)")
          ->required();
  AddFlagAlias(cmd, "--output", out);
  cmd->add_option("--rejects", flags->rejects,
                  "CSV of rejected rows with reasons (default: <output>.rejects.csv)");
  cmd->add_option("--keep-columns", flags->keep_columns,
                  "input columns to copy into the output beside the score, e.g. "
                  "tenure,Region (any input column, in the schema or not)")
      ->delimiter(',')
      ->type_name("COL[,COL...]");
  cmd->add_option("--threshold", flags->threshold,
                  "probability at or above which churn is predicted (default: the model's)");
  CLI::Option* threads =
      cmd->add_option("--threads", flags->threads, "worker threads (0 = one per core)")
          ->capture_default_str();
  AddFlagAlias(cmd, "--jobs,-j", threads);
  cmd->add_flag("--profile", flags->profile, "print time per stage and the slowest stage");
  cmd->footer(
      "Examples:\n"
      "  churnml predict --model models/logistic --data new.csv --out scored.csv\n"
      "  churnml predict --model churn@champion --data new.csv --out - > scored.csv\n"
      "  churnml predict --model churn/3 --data - --out scored.csv --threshold 0.3 < new.csv\n"
      "  churnml predict --model churn@champion --data new.csv --out scored.csv "
      "--keep-columns tenure,Region");
  cmd->add_flag("--json", flags->json, "print the summary as JSON on stdout");
  cmd->callback([flags, &ctx] { ctx.exit_code = RunPredict(*flags, ctx); });
}

}  // namespace churnml::cli
