// The job kinds `churnml worker` runs and `churnml jobs submit` validates:
// each parses its arguments with the flags of the command of the same name
// (`predict`, `evaluate`: the same definitions, checks and messages) and
// calls the pipeline use case in-process. Outputs are written under the
// job's staging names and published by the queue only while the worker
// holds the lease (orchestration/job_queue.h).
#pragma once

#include "cli/command.h"
#include "orchestration/job_kind.h"

namespace churnml::cli {

// Registers noop, predict and evaluate. `globals` (the store) must outlive
// the registry.
Status RegisterJobKinds(orchestration::JobKindRegistry& registry, const GlobalOptions& globals);

}  // namespace churnml::cli
