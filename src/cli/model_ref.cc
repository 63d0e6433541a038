#include "cli/model_ref.h"

#include <cstdio>
#include <filesystem>
#include <optional>

#include "common/strings.h"
#include "tracking/model_reference.h"
#include "tracking/store_uri.h"
#include "tracking/tracking_store.h"

namespace churnml::cli {

namespace {

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

// A hint for a --model that is neither a loadable directory nor a registry
// reference: a file inside an artifact, or a bare registered model name.
std::optional<Status> HintForBadRef(const std::string& ref, const CommandContext& ctx) {
  std::error_code ec;
  const std::filesystem::file_status st = std::filesystem::status(ref, ec);
  if (ec == std::errc::too_many_symbolic_link_levels) {
    return InvalidArgumentError("--model " + Abbreviate(ref) + ": " + ec.message());
  }
  if (!ec && std::filesystem::is_regular_file(st)) {
    std::filesystem::path dir = std::filesystem::path(ref).parent_path();
    return InvalidArgumentError("--model " + Abbreviate(ref) +
                                " is a file; pass the model's directory (" +
                                (dir.empty() ? std::string(".") : Abbreviate(dir.string())) + ")");
  }
  if (std::filesystem::exists(st) || ref.empty() || ref.find('/') != std::string::npos ||
      ref.find('@') != std::string::npos || !RequireExistingStore(ctx.globals.store).ok()) {
    return std::nullopt;
  }
  tracking::StoreOptions options;
  options.uri = ctx.globals.store;
  auto store = tracking::TrackingStore::Open(options);
  if (!store.ok()) return std::nullopt;
  auto model = (*store)->GetModel(ref);
  if (!model.ok()) return std::nullopt;
  std::vector<std::string> refs;
  for (const auto& [alias, version] : model->aliases) refs.push_back(ref + "@" + alias);
  if (model->latest_version > 0) refs.push_back(ref + "/" + std::to_string(model->latest_version));
  if (refs.empty()) return NotFoundError("model " + ref + " has no versions in the store");
  return InvalidArgumentError(
      "--model " + ref + " is a registered model; name a version or an alias: " + Join(refs, ", "));
}

}  // namespace

Status RequireExistingStore(const std::string& uri) {
  if (uri.starts_with("postgresql://") || uri.starts_with("postgres://")) return Status::Ok();
  std::error_code ec;
  if (std::filesystem::exists(std::filesystem::path(uri) / "churnml.db", ec)) return Status::Ok();
  return NotFoundError("no tracking store at " + Abbreviate(tracking::RedactStoreUri(uri)) +
                       " (nothing was recorded there); pass --store with the folder `train` "
                       "used, or train a model first");
}

Result<std::shared_ptr<const ModelArtifact>> LoadModelRef(const std::string& ref,
                                                          const CommandContext& ctx) {
  if (std::optional<Status> hint = HintForBadRef(ref, ctx)) return *hint;
  if (!tracking::ParseModelReference(ref).names_registry())
    return WithWarnings(ModelArtifact::Load(ref, ctx.models));
  CHURNML_RETURN_IF_ERROR(RequireExistingStore(ctx.globals.store));
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

Result<EnsembleMember> LoadEnsembleMemberRef(const std::string& ref, const CommandContext& ctx) {
  if (std::optional<Status> hint = HintForBadRef(ref, ctx)) {
    return hint->WithContext("--members");
  }
  if (!tracking::ParseModelReference(ref).names_registry()) {
    return ModelArtifact::LoadMember(ref, ctx.models, {}, ref);
  }
  CHURNML_RETURN_IF_ERROR(RequireExistingStore(ctx.globals.store));
  tracking::StoreOptions options;
  options.uri = ctx.globals.store;
  CHURNML_ASSIGN_OR_RETURN(std::unique_ptr<tracking::TrackingStore> store,
                           tracking::TrackingStore::Open(options));
  CHURNML_ASSIGN_OR_RETURN(tracking::ResolvedModel resolved, store->ResolveModel(ref));
  ArtifactLoadOptions load_options;
  load_options.expected_sha256 = std::move(resolved.artifact_sha256);
  load_options.record_name =
      "version " + std::to_string(resolved.version) + " of model \"" + resolved.model + "\"";
  // The store's checksums are checked on the bytes the ensemble copies.
  return ModelArtifact::LoadMember(resolved.artifact_path, ctx.models, load_options,
                                   resolved.model + "/" + std::to_string(resolved.version));
}

Result<Schema> LoadSchemaOption(const std::string& path) {
  if (path.empty()) return Schema::Telco();
  return Schema::FromYamlFile(path);
}

}  // namespace churnml::cli
