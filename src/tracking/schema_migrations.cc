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

// Version 5: the job queue (src/orchestration, docs/jobs.md). A job moves
// scheduled → available → running → succeeded | retryable | failed |
// cancelled | expired; every move is a job_events row. `epoch` is the
// fencing token, incremented on every claim: a running job's writes are
// conditional on it. Times are ms since the Unix epoch.
constexpr char kVersion5[] = R"sql(
CREATE TABLE jobs (
  job_id @ID@,
  kind TEXT NOT NULL,
  args TEXT NOT NULL,
  queue TEXT NOT NULL,
  priority BIGINT NOT NULL,
  state TEXT NOT NULL,
  not_before_ms BIGINT NOT NULL,
  deadline_ms BIGINT,
  attempt BIGINT NOT NULL DEFAULT 0,
  max_attempts BIGINT NOT NULL,
  epoch BIGINT NOT NULL DEFAULT 0,
  lease_expires_ms BIGINT,
  worker TEXT,
  unique_key TEXT,
  submitter TEXT NOT NULL,
  parent_id BIGINT,
  created_ms BIGINT NOT NULL,
  started_ms BIGINT,
  finished_ms BIGINT,
  updated_ms BIGINT NOT NULL,
  last_error TEXT,
  result TEXT
);
CREATE INDEX jobs_by_state ON jobs (state, priority, not_before_ms, job_id);
CREATE INDEX jobs_by_lease ON jobs (state, lease_expires_ms);
CREATE INDEX jobs_by_parent ON jobs (parent_id);
CREATE UNIQUE INDEX jobs_unique_unfinished ON jobs (unique_key)
  WHERE unique_key IS NOT NULL AND state IN ('scheduled', 'available', 'running', 'retryable');
CREATE TABLE job_events (
  event_id @ID@,
  job_id BIGINT NOT NULL REFERENCES jobs(job_id) ON DELETE CASCADE,
  at_ms BIGINT NOT NULL,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  attempt BIGINT NOT NULL,
  epoch BIGINT NOT NULL,
  worker TEXT,
  message TEXT
);
CREATE INDEX job_events_by_job ON job_events (job_id, event_id);
CREATE TABLE job_schedules (
  name TEXT PRIMARY KEY,
  cron TEXT NOT NULL,
  timezone TEXT NOT NULL,
  kind TEXT NOT NULL,
  args TEXT NOT NULL,
  queue TEXT NOT NULL,
  priority BIGINT NOT NULL,
  paused BIGINT NOT NULL DEFAULT 0,
  last_tick_ms BIGINT,
  created_ms BIGINT NOT NULL
);
CREATE TABLE job_queue_limits (
  queue TEXT PRIMARY KEY,
  max_running BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL
);
)sql";

// Version 6: per-queue rate limits (`jobs limit QUEUE --rate N/s`), enforced
// across every worker by the claim transaction, which holds the limits
// rows' locks: at most rate_count claims per rate_period_ms, with bursts of
// up to rate_count, by GCRA on rate_tat_us (the theoretical arrival time of
// the next claim, microseconds since the Unix epoch). A row may hold a rate
// without a running cap: max_running 0 means no cap.
constexpr char kVersion6[] = R"sql(
ALTER TABLE job_queue_limits ADD COLUMN rate_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE job_queue_limits ADD COLUMN rate_period_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE job_queue_limits ADD COLUMN rate_tat_us BIGINT NOT NULL DEFAULT 0;
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
  if (version == 5) script = kVersion5;
  if (version == 6) script = kVersion6;
  ReplaceAll(script, "@ID@",
             dialect == SqlDialect::kSqlite ? "INTEGER PRIMARY KEY" : "BIGSERIAL PRIMARY KEY");
  return script;
}

}  // namespace churnml::tracking
