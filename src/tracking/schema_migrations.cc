#include "tracking/schema_migrations.h"

namespace churnml::tracking {
namespace {

// Version 1: experiments, runs with params/metrics/tags, the registry.
constexpr char kVersion1[] = R"sql(
CREATE TABLE experiments (
  experiment_id @ID@,
  name TEXT NOT NULL UNIQUE,
  created_ms BIGINT NOT NULL
);
CREATE TABLE runs (
  run_id TEXT PRIMARY KEY,
  experiment_id BIGINT NOT NULL REFERENCES experiments(experiment_id),
  status TEXT NOT NULL,
  start_time_ms BIGINT NOT NULL,
  end_time_ms BIGINT,
  churnml_version TEXT NOT NULL,
  build_commit TEXT NOT NULL,
  data_hash TEXT,
  data_rows BIGINT,
  artifact_path TEXT
);
CREATE TABLE params (
  run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
);
CREATE TABLE tags (
  run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
);
CREATE TABLE metrics (
  run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value DOUBLE PRECISION,
  step BIGINT NOT NULL,
  timestamp_ms BIGINT NOT NULL
);
CREATE INDEX metrics_by_run ON metrics (run_id, key, step);
CREATE TABLE latest_metrics (
  run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value DOUBLE PRECISION,
  step BIGINT NOT NULL,
  timestamp_ms BIGINT NOT NULL,
  PRIMARY KEY (run_id, key)
);
CREATE TABLE registered_models (
  name TEXT PRIMARY KEY,
  created_ms BIGINT NOT NULL,
  last_version BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE model_versions (
  name TEXT NOT NULL REFERENCES registered_models(name),
  version BIGINT NOT NULL,
  run_id TEXT NOT NULL REFERENCES runs(run_id),
  artifact_path TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  PRIMARY KEY (name, version)
);
CREATE TABLE model_version_metrics (
  name TEXT NOT NULL,
  version BIGINT NOT NULL,
  key TEXT NOT NULL,
  value DOUBLE PRECISION,
  PRIMARY KEY (name, version, key),
  FOREIGN KEY (name, version) REFERENCES model_versions(name, version) ON DELETE CASCADE
);
CREATE TABLE aliases (
  name TEXT NOT NULL,
  alias TEXT NOT NULL,
  version BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL,
  PRIMARY KEY (name, alias),
  FOREIGN KEY (name, version) REFERENCES model_versions(name, version)
);
)sql";

// Version 2: a per-run heartbeat so `runs list` can tell a dead RUNNING run
// (killed process) from a live one, and indexes for listing and filtering.
constexpr char kVersion2[] = R"sql(
ALTER TABLE runs ADD COLUMN last_update_ms BIGINT;
UPDATE runs SET last_update_ms = COALESCE(end_time_ms, start_time_ms);
CREATE INDEX runs_by_experiment ON runs (experiment_id, start_time_ms);
CREATE INDEX latest_metrics_by_key ON latest_metrics (key, value);
)sql";

// Version 3: the SHA-256 of every file of a version's artifact, recorded at
// registration ("<hex>  <file>" lines, sha256sum's format), so a file changed
// afterwards is refused on load even when its model.json was edited too.
// NULL for versions registered before version 3.
constexpr char kVersion3[] = R"sql(
ALTER TABLE model_versions ADD COLUMN artifact_sha256 TEXT;
)sql";

// Version 4: soft-deleted runs (`runs delete` → `runs restore`, purged by
// `store gc`): when the run was deleted; NULL while it is live.
constexpr char kVersion4[] = R"sql(
ALTER TABLE runs ADD COLUMN deleted_ms BIGINT;
)sql";

void ReplaceAll(std::string& text, const std::string& from, const std::string& to) {
  for (size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos)) {
    text.replace(pos, from.size(), to);
    pos += to.size();
  }
}

}  // namespace

std::string MigrationScript(int version, SqlDialect dialect) {
  std::string script;
  if (version == 1) script = kVersion1;
  if (version == 2) script = kVersion2;
  if (version == 3) script = kVersion3;
  if (version == 4) script = kVersion4;
  ReplaceAll(script, "@ID@",
             dialect == SqlDialect::kSqlite ? "INTEGER PRIMARY KEY" : "BIGSERIAL PRIMARY KEY");
  return script;
}

}  // namespace churnml::tracking
