// Resolves the model reference a user gives (`--model`): a directory path
// today, and NAME@ALIAS or NAME/VERSION through the tracking store.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "cli/command.h"
#include "models/model_registry.h"
#include "pipeline/model_artifact.h"

namespace churnml::cli {

// Loads the artifact `ref` names (a directory, or NAME@ALIAS / NAME/VERSION
// in ctx.globals.store). NotFound names the reference.
Result<std::shared_ptr<const ModelArtifact>> LoadModelRef(const std::string& ref,
                                                          const CommandContext& ctx);

// Loads `ref` (same grammar) as an ensemble member: the artifact and the
// verified bytes of its files (ModelArtifact::LoadMember). A registry
// reference is recorded as NAME/VERSION, so the ensemble names the exact
// version it copied even when it was given an alias.
Result<EnsembleMember> LoadEnsembleMemberRef(const std::string& ref, const CommandContext& ctx);

// NotFound (with a hint) when `uri` is a folder store that does not exist:
// commands that only read a store call this first, so a mistyped --store
// never creates an empty store as a side effect. PostgreSQL URIs pass.
Status RequireExistingStore(const std::string& uri);

// Loads `--schema FILE`, or the built-in Telco schema when `path` is empty.
Result<Schema> LoadSchemaOption(const std::string& path);

}  // namespace churnml::cli
