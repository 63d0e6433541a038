#include "cli/model_ref.h"

#include <cstdio>
#include <filesystem>

#include "tracking/tracking_store.h"

namespace churnml::cli {

namespace {

// NAME@ALIAS, or NAME/VERSION with a numeric version, that is not also an
// existing directory: a registry reference rather than a path.
bool IsRegistryRef(const std::string& ref) {
  std::error_code ec;
  if (std::filesystem::is_directory(ref, ec)) return false;
  if (ref.find('@') != std::string::npos) return true;
  size_t slash = ref.find('/');
  if (slash == std::string::npos || slash == 0 || ref.find('/', slash + 1) != std::string::npos) {
    return false;
  }
  std::string version = ref.substr(slash + 1);
  return !version.empty() && version.find_first_not_of("0123456789") == std::string::npos;
}

// Prints what loading the artifact warned about (e.g. no checksums).
Result<std::shared_ptr<const ModelArtifact>> WithWarnings(
    Result<std::shared_ptr<const ModelArtifact>> artifact) {
  if (artifact.ok()) {
    for (const std::string& warning : (*artifact)->warnings()) {
      std::fprintf(stderr, "churnml: warning: %s\n", warning.c_str());
    }
  }
  return artifact;
}

}  // namespace

Result<std::shared_ptr<const ModelArtifact>> LoadModelRef(const std::string& ref,
                                                          const CommandContext& ctx) {
  if (!IsRegistryRef(ref)) return WithWarnings(ModelArtifact::Load(ref, ctx.models));
  tracking::StoreOptions options;
  options.uri = ctx.globals.store;
  CHURNML_ASSIGN_OR_RETURN(std::unique_ptr<tracking::TrackingStore> store,
                           tracking::TrackingStore::Open(options));
  CHURNML_ASSIGN_OR_RETURN(tracking::ResolvedModel resolved, store->ResolveModel(ref));
  // A registered version's files must still have the checksums the store
  // recorded at registration (docs/artifact.md).
  ArtifactLoadOptions load_options;
  load_options.expected_sha256 = std::move(resolved.artifact_sha256);
  load_options.record_name =
      "version " + std::to_string(resolved.version) + " of model \"" + resolved.model + "\"";
  return WithWarnings(ModelArtifact::Load(resolved.artifact_path, ctx.models, load_options));
}

Result<Schema> LoadSchemaOption(const std::string& path) {
  if (path.empty()) return Schema::Telco();
  return Schema::FromYamlFile(path);
}

}  // namespace churnml::cli
