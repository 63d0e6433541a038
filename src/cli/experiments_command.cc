// `churnml experiments report`: A/B outcomes from serve's prediction log
// joined with churn outcomes (docs/serving.md, "Experiments").
#include <memory>
#include <string>

#include "cli/command.h"
#include "common/atomic_file.h"
#include "common/strings.h"
#include "serving/experiment_report.h"
#include "serving/prediction_log.h"

namespace churnml::cli {
namespace {

struct ExperimentsFlags {
  std::string log;
  std::string outcomes;
  std::string html;
  bool json = false;
  serving::OutcomeOptions outcome;
};

int RunExperimentsReport(const ExperimentsFlags& f) {
  Result<serving::PredictionLogContents> log = serving::ReadPredictionLog(f.log);
  if (!log.ok()) return ReportError(log.status());
  Result<std::unordered_map<std::string, uint8_t>> outcomes =
      serving::ReadOutcomes(f.outcomes, f.outcome);
  if (!outcomes.ok()) return ReportError(outcomes.status());
  const serving::ExperimentReport report = serving::AnalyzeExperiment(*log, *outcomes);
  if (report.customers_joined == 0) {
    return ReportError(FailedPreconditionError(
        "no customer of the prediction log (" + FormatCount(report.customers_logged) +
        " customers) has an outcome in " + f.outcomes + ": are the ids the same?"));
  }
  if (!f.html.empty()) {
    Result<AtomicFileWriter> out = AtomicFileWriter::Create(f.html);
    if (!out.ok()) return ReportError(out.status());
    Status written = out->Write(serving::RenderExperimentHtml(report));
    if (written.ok()) written = out->Commit();
    if (!written.ok()) return ReportError(written);
    Say("wrote " + f.html);
  }
  std::fputs(
      (f.json ? serving::RenderExperimentJson(report) : serving::RenderExperimentText(report))
          .c_str(),
      stdout);
  return kExitOk;
}

}  // namespace

void RegisterExperimentsCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* group =
      app.add_subcommand("experiments", "A/B experiments of serve --variant (docs/serving.md)");
  group->require_subcommand(1);
  auto flags = std::make_shared<ExperimentsFlags>();
  CLI::App* cmd = group->add_subcommand(
      "report",
      "compare variants on real outcomes: ROC AUC and its 95% CI per variant, the "
      "difference and its test, customers still needed");
  cmd->footer(
      "Example:\n  churnml experiments report --log predictions/ --outcomes churned.csv --html "
      "ab.html");
  cmd->add_option("--log", flags->log, "serve --prediction-log directory")->required();
  cmd->add_option("--outcomes", flags->outcomes,
                  "CSV of outcomes: a customerID column and a Churn column (Yes/No, 1/0)")
      ->required();
  cmd->add_option("--id-column", flags->outcome.id_column, "customer id column of --outcomes")
      ->capture_default_str();
  cmd->add_option("--label-column", flags->outcome.label_column, "outcome column of --outcomes")
      ->capture_default_str();
  cmd->add_option("--html", flags->html, "also write a self-contained HTML page");
  cmd->add_flag("--json", flags->json, "print JSON instead of text");
  cmd->callback([flags, &ctx] { ctx.exit_code = RunExperimentsReport(*flags); });
}

}  // namespace churnml::cli
