// churnml: one binary from a CSV of customers to a trained, evaluated model
// and batch predictions. Each command is registered by its *_command.cc.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "cli/alerts_command.h"
#include "cli/command.h"
#include "cli/tracking_command.h"
#include "cli/yaml_config.h"
#include "common/build_info.h"
#include "common/logging.h"

int main(int argc, char** argv) {
  using namespace churnml::cli;
  CLI::App app{"churnml: churn prediction from a CSV of customers to a trained, tracked model"};
  app.name("churnml");
  app.set_version_flag("--version",
                       std::string(churnml::kVersion) + " (" + churnml::kGitCommit + ")");
  app.require_subcommand(1);
  app.fallthrough();
  app.config_formatter(std::make_shared<YamlConfig>());
  app.set_config("--config", "churnml.yaml",
                 "YAML file of defaults for any flag (keys nest by command)");
  app.allow_config_extras(CLI::config_extras_mode::error);

  CommandContext ctx;
  if (churnml::Status s = churnml::RegisterBuiltinModels(ctx.models); !s.ok()) {
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
  RegisterEvaluateCommand(app, ctx);
  RegisterPredictCommand(app, ctx);
  RegisterDemoCommand(app, ctx);
  RegisterAuditCommand(app, ctx);
  RegisterServeCommand(app, ctx);
  RegisterAlertsCommands(app, ctx);
  RegisterTrackingCommands(app, ctx);
  RegisterDriftCommand(app, ctx);
  RegisterReportCommand(app, ctx);
  AssignEnvironmentNames(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitError;
  }
  return ctx.exit_code;
}
