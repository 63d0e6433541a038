// What every `churnml` command shares: exit codes, global options, and the
// registration functions, one per command family (each in its own
// *_command.cc, a thin adapter from flags to a library call).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "common/status.h"
#include "models/model_registry.h"

namespace churnml::cli {

// Documented in docs/cli.md; scripts depend on them.
enum ExitCode : int {
  kExitOk = 0,
  kExitFindings = 1,  // validation problems, audit findings, metric gates
  kExitError = 2,     // usage, I/O, or any other error
  kExitPartial = 3,   // a batch finished but some rows were rejected
};

struct GlobalOptions {
  std::string log_level = "warn";  // spdlog level name
  std::string store = "./mlruns";  // tracking store: folder or postgresql:// URI
};

struct CommandContext {
  GlobalOptions globals;
  // The model kinds (logistic, xgboost), registered once in main().
  ModelRegistry models;
  int exit_code = kExitOk;
};

// Prints "churnml: error: <message>" on stderr (one line) and returns
// kExitError.
int ReportError(const Status& status);

// Prints a human message on stderr (data goes to stdout or files).
void Say(const std::string& message);

void RegisterDataCommands(CLI::App& app, CommandContext& ctx);
void RegisterTrainCommands(CLI::App& app, CommandContext& ctx);
void RegisterTuneCommand(CLI::App& app, CommandContext& ctx);
void RegisterEvaluateCommand(CLI::App& app, CommandContext& ctx);
void RegisterPredictCommand(CLI::App& app, CommandContext& ctx);
void RegisterExplainCommand(CLI::App& app, CommandContext& ctx);
void RegisterExportCommand(CLI::App& app, CommandContext& ctx);
void RegisterDemoCommand(CLI::App& app, CommandContext& ctx);
void RegisterAuditCommand(CLI::App& app, CommandContext& ctx);
void RegisterServeCommand(CLI::App& app, CommandContext& ctx);
void RegisterDeployCommand(CLI::App& app, CommandContext& ctx);
void RegisterAutoscaleCommand(CLI::App& app, CommandContext& ctx);
void RegisterDriftCommand(CLI::App& app, CommandContext& ctx);
void RegisterReportCommand(CLI::App& app, CommandContext& ctx);
void RegisterExperimentsCommands(CLI::App& app, CommandContext& ctx);
// Also adds `models rollback`: call after RegisterTrackingCommands.
void RegisterRetrainCommand(CLI::App& app, CommandContext& ctx);

}  // namespace churnml::cli
