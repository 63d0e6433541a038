// TrackingStore: the model registry — versions, aliases, and resolving a
// model reference (NAME@ALIAS, NAME/VERSION, a directory) to an artifact.
#include <algorithm>
#include <cctype>
#include <system_error>

#include "common/strings.h"
#include "tracking/artifact_checksums.h"
#include "tracking/model_reference.h"
#include "tracking/names.h"
#include "tracking/tracking_store.h"

namespace churnml::tracking {
namespace fs = std::filesystem;

namespace {

std::string VersionName(const std::string& model, int64_t version) {
  return "version " + std::to_string(version) + " of model \"" + model + "\"";
}

// The artifact_sha256 column: NULL (registered before schema version 3) is
// an empty record.
Result<ArtifactChecksums> ReadChecksumColumn(const SqlValue& value, const std::string& what) {
  if (IsNull(value)) return ArtifactChecksums{};
  Result<ArtifactChecksums> parsed = ParseChecksums(AsString(value));
  if (!parsed.ok()) {
    return InternalError("the store's checksum record of " + what +
                         " is damaged: " + parsed.status().message());
  }
  return parsed;
}

}  // namespace

Status TrackingStore::RequireModel(const std::string& model) {
  CHURNML_ASSIGN_OR_RETURN(
      SqlRows rows,
      connection_->Query("SELECT name FROM registered_models WHERE name = ?", {model}));
  if (!rows.empty()) return Status::Ok();
  CHURNML_ASSIGN_OR_RETURN(
      SqlRows all, connection_->Query("SELECT name FROM registered_models ORDER BY name", {}));
  std::vector<std::string> names;
  for (const SqlRow& row : all) names.push_back(AsString(row[0]));
  return NotFoundError(
      "model \"" + model + "\" not found in " + Describe() +
      (names.empty() ? " (no models registered)" : " (models: " + Join(names, ", ") + ")"));
}

Result<int64_t> TrackingStore::RegisterModelVersion(const std::string& model,
                                                    const std::string& run_id) {
  CHURNML_RETURN_IF_ERROR(ValidateName("model name", model));
  CHURNML_RETURN_IF_ERROR(ValidateRunId(run_id));
  int64_t version = 0;
  int64_t now = Now();
  CHURNML_RETURN_IF_TX_ERROR(InTransaction(TransactionMode::kWrite, [&]() -> Status {
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows runs,
        connection_->Query("SELECT artifact_path, deleted_ms FROM runs WHERE run_id = ?",
                           {run_id}));
    if (runs.empty()) return NotFoundError("run " + run_id + " not found in " + Describe());
    if (!IsNull(runs[0][1])) {
      return FailedPreconditionError("run " + run_id + " is deleted: restore it before registering");
    }
    if (IsNull(runs[0][0])) {
      return FailedPreconditionError("run " + run_id +
                                     " has no stored artifact to register: store the model first");
    }
    std::string artifact = AsString(runs[0][0]);
    std::error_code ec;
    if (!fs::is_directory(artifact_root_ / artifact, ec)) {
      return FailedPreconditionError("artifact of run " + run_id + " is missing at " +
                                     (artifact_root_ / artifact).string());
    }
    // Hashed inside the transaction: the record describes the artifact as
    // it was when the version came to exist.
    Result<ArtifactChecksums> checksums = ChecksumArtifactDirectory(artifact_root_ / artifact);
    if (!checksums.ok()) {
      return checksums.status().WithContext("cannot register the artifact of run " + run_id);
    }
    CHURNML_RETURN_IF_ERROR(connection_->Query(
        "INSERT INTO registered_models (name, created_ms, last_version) VALUES (?, ?, 0) "
        "ON CONFLICT (name) DO NOTHING",
        {model, now}));
    // The row lock taken by this UPDATE serializes concurrent registrations,
    // so version numbers are consecutive and never handed out twice.
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows counter,
        connection_->Query("UPDATE registered_models SET last_version = last_version + 1 "
                           "WHERE name = ? RETURNING last_version",
                           {model}));
    if (counter.empty()) return InternalError("model \"" + model + "\" vanished");
    version = AsInt(counter[0][0]);
    CHURNML_RETURN_IF_ERROR(connection_->Query(
        "INSERT INTO model_versions (name, version, run_id, artifact_path, created_ms, "
        "artifact_sha256) VALUES (?, ?, ?, ?, ?, ?)",
        {model, version, run_id, artifact, now, FormatChecksums(*checksums)}));
    CHURNML_RETURN_IF_ERROR(
        connection_->Query("INSERT INTO model_version_metrics (name, version, key, value) "
                           "SELECT ?, ?, key, value FROM latest_metrics WHERE run_id = ?",
                           {model, version, run_id}));
    Checkpoint("register.inserted");
    return Status::Ok();
  }));
  return version;
}

Status TrackingStore::SetAlias(const std::string& model, const std::string& alias,
                               int64_t version) {
  CHURNML_RETURN_IF_ERROR(ValidateName("model name", model));
  CHURNML_RETURN_IF_ERROR(ValidateAlias(alias));
  return InTransaction(TransactionMode::kWrite, [&]() -> Status {
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows rows, connection_->Query(
                          "SELECT artifact_path FROM model_versions WHERE name = ? AND version = ?",
                          {model, version}));
    if (rows.empty()) {
      CHURNML_RETURN_IF_ERROR(RequireModel(model));
      return NotFoundError(VersionName(model, version) + " not found in " + Describe());
    }
    std::error_code ec;
    if (!fs::is_directory(artifact_root_ / AsString(rows[0][0]), ec)) {
      return FailedPreconditionError("cannot point " + model + "@" + alias + " at " +
                                     VersionName(model, version) + ": its artifact is missing");
    }
    return connection_
        ->Query(
            "INSERT INTO aliases (name, alias, version, updated_ms) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version, "
            "updated_ms = excluded.updated_ms",
            {model, alias, version, Now()})
        .status();
  });
}

Status TrackingStore::DeleteAlias(const std::string& model, const std::string& alias) {
  CHURNML_RETURN_IF_ERROR(ValidateName("model name", model));
  CHURNML_RETURN_IF_ERROR(ValidateAlias(alias));
  return InTransaction(TransactionMode::kWrite, [&]() -> Status {
    CHURNML_ASSIGN_OR_RETURN(SqlRows rows,
                             connection_->Query("DELETE FROM aliases WHERE name = ? AND alias = ? "
                                                "RETURNING alias",
                                                {model, alias}));
    if (rows.empty()) {
      CHURNML_RETURN_IF_ERROR(RequireModel(model));
      return NotFoundError("model \"" + model + "\" has no alias \"" + alias + "\"");
    }
    return Status::Ok();
  });
}

Status TrackingStore::DeleteModelVersion(const std::string& model, int64_t version) {
  CHURNML_RETURN_IF_ERROR(ValidateName("model name", model));
  return InTransaction(TransactionMode::kWrite, [&]() -> Status {
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows aliases,
        connection_->Query(
            "SELECT alias FROM aliases WHERE name = ? AND version = ? ORDER BY alias",
            {model, version}));
    if (!aliases.empty()) {
      std::vector<std::string> names;
      for (const SqlRow& row : aliases) names.push_back(model + "@" + AsString(row[0]));
      return FailedPreconditionError("cannot delete " + VersionName(model, version) + ": alias " +
                                     Join(names, ", ") +
                                     " points at it (move or delete the alias first)");
    }
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows deleted,
        connection_->Query("DELETE FROM model_versions WHERE name = ? AND version = ? "
                           "RETURNING version",
                           {model, version}));
    if (deleted.empty()) {
      CHURNML_RETURN_IF_ERROR(RequireModel(model));
      return NotFoundError(VersionName(model, version) + " not found in " + Describe());
    }
    return Status::Ok();
  });
}

Result<std::vector<RegisteredModel>> TrackingStore::ListModels() {
  std::vector<RegisteredModel> models;
  CHURNML_RETURN_IF_TX_ERROR(InTransaction(TransactionMode::kRead, [&]() -> Status {
    models.clear();
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows rows,
        connection_->Query("SELECT m.name, m.created_ms, (SELECT MAX(v.version) FROM "
                           "model_versions v WHERE v.name = m.name) FROM registered_models m "
                           "ORDER BY m.name",
                           {}));
    std::map<std::string, size_t> index;
    for (const SqlRow& row : rows) {
      index[AsString(row[0])] = models.size();
      models.push_back(RegisteredModel{AsString(row[0]), AsInt(row[1]), AsInt(row[2]), {}, {}});
    }
    CHURNML_ASSIGN_OR_RETURN(SqlRows aliases,
                             connection_->Query("SELECT name, alias, version FROM aliases", {}));
    for (const SqlRow& row : aliases) {
      auto it = index.find(AsString(row[0]));
      if (it != index.end()) models[it->second].aliases[AsString(row[1])] = AsInt(row[2]);
    }
    return Status::Ok();
  }));
  return models;
}

Result<RegisteredModel> TrackingStore::GetModel(const std::string& model) {
  CHURNML_RETURN_IF_ERROR(ValidateName("model name", model));
  RegisteredModel out;
  CHURNML_RETURN_IF_TX_ERROR(InTransaction(TransactionMode::kRead, [&]() -> Status {
    out = RegisteredModel{};
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows rows,
        connection_->Query("SELECT name, created_ms FROM registered_models WHERE name = ?",
                           {model}));
    if (rows.empty()) return RequireModel(model);
    out.name = model;
    out.created_ms = AsInt(rows[0][1]);
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows versions,
        connection_->Query("SELECT version, run_id, artifact_path, created_ms, artifact_sha256 "
                           "FROM model_versions WHERE name = ? ORDER BY version",
                           {model}));
    std::map<int64_t, size_t> index;
    for (const SqlRow& row : versions) {
      ModelVersion v;
      v.model = model;
      v.version = AsInt(row[0]);
      v.run_id = AsString(row[1]);
      v.artifact_path = artifact_root_ / AsString(row[2]);
      v.created_ms = AsInt(row[3]);
      CHURNML_ASSIGN_OR_RETURN(v.artifact_sha256,
                               ReadChecksumColumn(row[4], VersionName(model, v.version)));
      index[v.version] = out.versions.size();
      out.versions.push_back(std::move(v));
    }
    if (!out.versions.empty()) out.latest_version = out.versions.back().version;
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows metrics,
        connection_->Query("SELECT version, key, value FROM model_version_metrics WHERE name = ?",
                           {model}));
    for (const SqlRow& row : metrics) {
      auto it = index.find(AsInt(row[0]));
      if (it != index.end()) out.versions[it->second].metrics[AsString(row[1])] = AsDouble(row[2]);
    }
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows aliases,
        connection_->Query("SELECT alias, version FROM aliases WHERE name = ? ORDER BY alias",
                           {model}));
    for (const SqlRow& row : aliases) {
      out.aliases[AsString(row[0])] = AsInt(row[1]);
      auto it = index.find(AsInt(row[1]));
      if (it != index.end()) out.versions[it->second].aliases.push_back(AsString(row[0]));
    }
    return Status::Ok();
  }));
  return out;
}

Result<ModelVersion> TrackingStore::GetModelVersion(const std::string& model, int64_t version) {
  CHURNML_ASSIGN_OR_RETURN(RegisteredModel m, GetModel(model));
  for (ModelVersion& v : m.versions) {
    if (v.version == version) return std::move(v);
  }
  return NotFoundError(VersionName(model, version) + " not found in " + Describe());
}

Result<ResolvedModel> TrackingStore::ResolveVersion(const std::string& model, int64_t version) {
  CHURNML_ASSIGN_OR_RETURN(
      SqlRows rows,
      connection_->Query("SELECT artifact_path, artifact_sha256 FROM model_versions "
                         "WHERE name = ? AND version = ?",
                         {model, version}));
  if (rows.empty()) {
    CHURNML_RETURN_IF_ERROR(RequireModel(model));
    return NotFoundError(VersionName(model, version) + " not found in " + Describe());
  }
  CHURNML_ASSIGN_OR_RETURN(ArtifactChecksums checksums,
                           ReadChecksumColumn(rows[0][1], VersionName(model, version)));
  fs::path path = artifact_root_ / AsString(rows[0][0]);
  std::error_code ec;
  if (!fs::is_directory(path, ec)) {
    return FailedPreconditionError("artifact of " + VersionName(model, version) +
                                   " is missing at " + path.string() +
                                   " (run `churnml store check`)");
  }
  return ResolvedModel{model, version, path, std::move(checksums)};
}

Result<ResolvedModel> TrackingStore::ResolveAlias(const std::string& model,
                                                  const std::string& alias) {
  if (alias == "latest") {
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows rows,
        connection_->Query("SELECT MAX(version) FROM model_versions WHERE name = ?", {model}));
    if (rows.empty() || IsNull(rows[0][0])) {
      CHURNML_RETURN_IF_ERROR(RequireModel(model));
      return NotFoundError("model \"" + model + "\" has no versions");
    }
    return ResolveVersion(model, AsInt(rows[0][0]));
  }
  CHURNML_RETURN_IF_ERROR(ValidateAlias(alias));
  // One statement: the alias and the version it names are read together, and
  // a version row only exists once its artifact was renamed into place.
  CHURNML_ASSIGN_OR_RETURN(
      SqlRows rows,
      connection_->Query("SELECT v.artifact_path, v.version, v.artifact_sha256 "
                         "FROM aliases a JOIN model_versions v "
                         "ON v.name = a.name AND v.version = a.version "
                         "WHERE a.name = ? AND a.alias = ?",
                         {model, alias}));
  if (rows.empty()) {
    CHURNML_ASSIGN_OR_RETURN(RegisteredModel m, GetModel(model));
    std::vector<std::string> names;
    for (const auto& [name, version] : m.aliases) names.push_back(name);
    return NotFoundError(
        "model \"" + model + "\" has no alias \"" + alias + "\"" +
        (names.empty() ? " (it has no aliases)" : " (aliases: " + Join(names, ", ") + ")"));
  }
  CHURNML_ASSIGN_OR_RETURN(
      ArtifactChecksums checksums,
      ReadChecksumColumn(rows[0][2], VersionName(model, AsInt(rows[0][1]))));
  fs::path path = artifact_root_ / AsString(rows[0][0]);
  std::error_code ec;
  if (!fs::is_directory(path, ec)) {
    return FailedPreconditionError("artifact of " + model + "@" + alias + " (" +
                                   VersionName(model, AsInt(rows[0][1])) + ") is missing at " +
                                   path.string() + " (run `churnml store check`)");
  }
  return ResolvedModel{model, AsInt(rows[0][1]), path, std::move(checksums)};
}

Result<fs::path> TrackingStore::ResolveModelUri(const std::string& ref) {
  CHURNML_ASSIGN_OR_RETURN(ResolvedModel resolved, ResolveModel(ref));
  return std::move(resolved.artifact_path);
}

Result<ResolvedModel> TrackingStore::ResolveModel(const std::string& ref) {
  std::error_code ec;
  if (ref.empty()) return InvalidArgumentError("model reference is empty");
  if (fs::is_directory(ref, ec)) {
    return ResolvedModel{"", 0, fs::absolute(ref).lexically_normal(), {}};
  }
  const ModelReference parsed = ParseModelReference(ref);
  if (parsed.kind == ModelReference::Kind::kAlias) {
    CHURNML_RETURN_IF_ERROR(ValidateName("model name", parsed.model));
    return ResolveAlias(parsed.model, parsed.alias);
  }
  if (parsed.kind == ModelReference::Kind::kVersion) {
    return ResolveVersion(parsed.model, parsed.version);
  }
  return NotFoundError("model reference \"" + ref +
                       "\" is neither an existing directory, NAME@ALIAS nor NAME/VERSION");
}

}  // namespace churnml::tracking
