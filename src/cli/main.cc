// churnml: one binary from a CSV of customers to a trained, evaluated model
// and batch predictions. Each command is registered by its *_command.cc.
//
// Every way out goes through main(): parse errors, errors a command returns
// and exceptions nothing else caught become one `churnml: error: ...` line
// and exit 2 (after the command's destructors ran: the handler is here, not
// std::terminate), and a write error on stdout is exit 2 too.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <memory>
#include <new>

#include "cli/alerts_command.h"
#include "cli/cli_errors.h"
#include "cli/command.h"
#include "cli/jobs_command.h"
#include "cli/tracking_command.h"
#include "cli/yaml_config.h"
#include "common/build_info.h"
#include "common/logging.h"

namespace churnml::cli {
namespace {

int ParseAndRun(int argc, char** argv) {
  CLI::App app{"churnml: churn prediction from a CSV of customers to a trained, tracked model"};
  app.name("churnml");
  app.set_version_flag("--version",
                       std::string(churnml::kVersion) + " (" + churnml::kGitCommit + ")");
  app.require_subcommand(1);
  app.fallthrough();
  app.config_formatter(std::make_shared<YamlConfig>(&app));
  app.set_config("--config", "churnml.yaml",
                 "YAML file of defaults for any flag (keys nest by command)");
  app.allow_config_extras(CLI::config_extras_mode::error);

  CommandContext ctx;
  if (Status s = RegisterBuiltinModels(ctx.models); !s.ok()) {
    return ReportError(s);
  }
  app.add_option("--log-level", ctx.globals.log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str();
  app.add_option("--store", ctx.globals.store,
                 "tracking store: a folder (SQLite) or postgresql://user@host:port/db")
      ->capture_default_str();
  app.parse_complete_callback([&ctx] {
    churnml::Status s = churnml::InitLogging(ctx.globals.log_level);
    if (!s.ok()) throw CLI::ValidationError("--log-level", s.message());
  });

  RegisterDataCommands(app, ctx);
  RegisterTrainCommands(app, ctx);
  RegisterTuneCommand(app, ctx);
  RegisterEvaluateCommand(app, ctx);
  RegisterPredictCommand(app, ctx);
  RegisterExplainCommand(app, ctx);
  RegisterExportCommand(app, ctx);
  RegisterDemoCommand(app, ctx);
  RegisterAuditCommand(app, ctx);
  RegisterServeCommand(app, ctx);
  RegisterDeployCommand(app, ctx);
  RegisterAutoscaleCommand(app, ctx);
  RegisterAlertsCommands(app, ctx);
  RegisterTrackingCommands(app, ctx);
  RegisterDriftCommand(app, ctx);
  RegisterReportCommand(app, ctx);
  RegisterExperimentsCommands(app, ctx);
  RegisterRetrainCommand(app, ctx);
  RegisterJobsCommands(app, ctx);
  RegisterWorkerCommand(app, ctx);
  AssignEnvironmentNames(app);
  // After registration: a footer set earlier is inherited by every command.
  app.footer(
      "Examples:\n"
      "  churnml demo\n"
      "  churnml data generate --rows 20000 --out customers.csv\n"
      "  churnml train --data customers.csv --model xgboost --register churn --alias champion\n"
      "  churnml predict --model churn@champion --data new.csv --out scored.csv\n"
      "  churnml serve --model churn@champion\n"
      "Each command's --help has its own examples; docs/cli.md has flags, exit codes and "
      "churnml.yaml.");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    return ReportError(InvalidArgumentError(DescribeParseError(app, e)));
  }
  return ctx.exit_code;
}

}  // namespace
}  // namespace churnml::cli

int main(int argc, char** argv) {
  using namespace churnml::cli;
  int code = kExitError;
  try {
    code = ParseAndRun(argc, argv);
  } catch (const std::bad_alloc&) {
    code = ReportError(churnml::InternalError("out of memory"));
  } catch (const std::exception& e) {
    code = ReportError(churnml::InternalError(e.what()));
  } catch (...) {
    code = ReportError(churnml::InternalError("unexpected exception"));
  }
  return FinishStandardOutput(code);
}
