// The job kinds `churnml worker` runs and `churnml jobs submit` validates:
// each parses its arguments with the flags of the command of the same name
// (`predict`, `evaluate`: the same definitions, checks and messages) and
// calls the pipeline use case in-process. Outputs are written under the
// job's staging names and published by the queue only while the worker
// holds the lease (orchestration/job_queue.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/command.h"
#include "orchestration/job_kind.h"

namespace churnml::cli {

// Registers noop, predict and evaluate. `globals` (the store) must outlive
// the registry.
Status RegisterJobKinds(orchestration::JobKindRegistry& registry, const GlobalOptions& globals);

// `jobs submit predict … --partitions N`: the parent's and the children's
// arguments (docs/jobs.md, "Batch scoring across machines").
struct PartitionedSubmission {
  std::string model;  // the --model the partitions use: an alias resolved to NAME/VERSION
  std::vector<std::string> parent_args;
  std::vector<std::vector<std::string>> children_args;  // in partition order
};

// nullopt when `args` has no --partitions. Otherwise checks the args as
// predict's, resolves a NAME@ALIAS model once to NAME/VERSION, and splits
// --data at record boundaries (data/csv_partition.h) into at most N byte
// ranges. InvalidArgument naming the flag; NotFound for an unknown model.
Result<std::optional<PartitionedSubmission>> PlanPredictPartitions(std::vector<std::string> args,
                                                                   const GlobalOptions& globals);

}  // namespace churnml::cli
