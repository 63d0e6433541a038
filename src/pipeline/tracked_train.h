// Train and record: the train use case wrapped in an experiment run of the
// tracking store — params, metrics (test split at step 0, one step per
// cross-validation fold), data fingerprint, the artifact copied into the
// store, and optionally a new registered model version with an alias.
//
// The run is created before training starts (so a killed process leaves a
// RUNNING run that `runs list` marks stale), FINISHED on success and FAILED
// on any error, with the error text in the tag "error".
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "common/status.h"
#include "pipeline/train.h"
#include "tracking/tracking_store.h"

namespace churnml {

struct TrackingOptions {
  tracking::StoreOptions store;
  std::string experiment = "default";
  std::string register_model;  // empty: do not register a version
  std::string alias;           // empty: no alias; needs register_model
  std::map<std::string, std::string> tags;
  // Called with the run id once the run exists (the CLI uses it to mark the
  // run KILLED when interrupted). May be empty.
  std::function<void(const std::string& run_id)> on_run_created;
};

struct TrackedRun {
  std::string run_id;
  std::string store;                    // the store's description
  std::filesystem::path artifact_path;  // the copy inside the store
  std::optional<int64_t> version;       // with register_model
};

// `train.out_dir` may be empty: the artifact then lives only in the store.
// Errors: those of Train(), the store's (Unavailable when unreachable,
// InvalidArgument for bad experiment/model/alias names, checked before
// training starts).
Status TrainTracked(const TrainOptions& train, const TrackingOptions& tracking,
                    const ModelRegistry& registry, TrainReport* report, TrackedRun* run);

// `churnml models register DIR --name NAME [--alias A]`: an artifact trained
// with --no-track or copied from elsewhere enters the registry like a trained
// one. The directory is loaded and validated exactly as `predict` and
// `serve` load it (ModelArtifact::Load) before the store is touched; then a
// run in `experiment` records it (params: the model kind and its
// hyperparameters; metrics: the artifact's test-split and cross-validation
// figures; tag source=register and the source folder), the artifact is
// copied into the store, and a new version of `model_name` is registered
// from that run.
struct RegisterArtifactOptions {
  std::filesystem::path artifact_dir;
  tracking::StoreOptions store;
  std::string experiment = "default";
  std::string model_name;  // required
  std::string alias;       // empty: no alias
};

struct RegisteredArtifact {
  std::string run_id;
  std::string store;
  std::string kind;  // the artifact's model kind
  std::filesystem::path artifact_path;
  int64_t version = 0;
};

// Errors: InvalidArgument for a bad name or alias, NotFound / InvalidArgument
// / FailedPrecondition from loading the artifact (nothing is recorded then),
// the store's errors otherwise (the run is then FAILED with an "error" tag).
Status RegisterArtifact(const RegisterArtifactOptions& options, const ModelRegistry& registry,
                        RegisteredArtifact* out);

}  // namespace churnml
