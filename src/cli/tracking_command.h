// `churnml runs …`, `churnml models …` and `churnml store check`: thin
// adapters over tracking/tracking_store.h. The --json shapes are documented
// in docs/store.md and are a contract for scripts.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "tracking/tracking_store.h"

namespace churnml::cli {

void RegisterTrackingCommands(CLI::App& app, CommandContext& ctx);

// The store options every command derives from the global --store.
tracking::StoreOptions TrackingStoreOptions(const GlobalOptions& globals);

}  // namespace churnml::cli
