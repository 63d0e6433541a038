// `churnml jobs …` (submit, list, show, cancel, retry, wait, stats, rescue,
// limit) and `churnml worker`: thin adapters over orchestration/ (the job
// queue in the tracking store). docs/jobs.md describes both.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "orchestration/job_queue.h"

namespace churnml::cli {

void RegisterJobsCommands(CLI::App& app, CommandContext& ctx);
void RegisterWorkerCommand(CLI::App& app, CommandContext& ctx);

// The queue options every jobs command derives from the global --store.
orchestration::QueueOptions JobQueueOptions(const GlobalOptions& globals);

}  // namespace churnml::cli
