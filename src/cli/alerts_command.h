// `churnml alerts list|silence|expire|check`: thin adapters over
// monitoring/alerts (AlertsClient for a running `churnml serve`,
// LoadAlertRules for offline checks). Reference: docs/alerts.md.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace churnml::cli {

void RegisterAlertsCommands(CLI::App& app, CommandContext& ctx);

}  // namespace churnml::cli
