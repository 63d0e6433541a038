#include "cli/model_ref.h"

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

}  // namespace

Result<std::shared_ptr<const ModelArtifact>> LoadModelRef(const std::string& ref,
                                                          const CommandContext& ctx) {
  if (!IsRegistryRef(ref)) return ModelArtifact::Load(ref, ctx.models);
  tracking::StoreOptions options;
  options.uri = ctx.globals.store;
  CHURNML_ASSIGN_OR_RETURN(std::unique_ptr<tracking::TrackingStore> store,
                           tracking::TrackingStore::Open(options));
  CHURNML_ASSIGN_OR_RETURN(std::filesystem::path dir, store->ResolveModelUri(ref));
  return ModelArtifact::Load(dir, ctx.models);
}

Result<Schema> LoadSchemaOption(const std::string& path) {
  if (path.empty()) return Schema::Telco();
  return Schema::FromYamlFile(path);
}

}  // namespace churnml::cli
