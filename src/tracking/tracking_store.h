// TrackingStore: experiment tracking and the model registry over one SQL
// store — SQLite (a folder: <folder>/churnml.db in WAL mode + <folder>/artifacts/)
// or PostgreSQL (postgresql://user@host:port/db, artifacts in a shared folder).
// Both databases run the same schema, queries and conformance tests; the
// schema and artifact layout are documented in docs/store.md.
//
// Thread safety: a TrackingStore owns one connection and is not thread-safe;
// open one per thread. Any number of processes may use the same store at
// once: writes are transactions retried on lock conflicts.
//
// Errors: NotFound (unknown run, model, version, alias), InvalidArgument (bad
// names, filters, references), FailedPrecondition (deleting what an alias
// uses, a newer schema), Unavailable (database unreachable or locked past the
// retries), IOError (artifact files).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "tracking/sql_connection.h"
#include "tracking/tracking_types.h"

namespace churnml::tracking {

// The schema version this build writes (docs/store.md lists each one).
inline constexpr int kLatestSchemaVersion = 6;

// A write fence: the store's writes commit only while job `job_id` is
// `running` under `epoch` (the job queue's fencing token, docs/jobs.md).
// Checked inside every write transaction, with the job's row locked (FOR
// UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE holds the database), so a
// rescue that moves the epoch waits for the write's COMMIT or the write sees
// the new epoch and is refused.
struct WriteFence {
  int64_t job_id = 0;
  int64_t epoch = 0;
};

struct StoreOptions {
  // A folder (SQLite) or postgresql://user[:password]@host[:port]/db. A
  // PostgreSQL URI may carry ?artifact_root=/shared/folder.
  std::string uri = "./mlruns";
  // Where artifacts go. Empty: <folder>/artifacts for SQLite, the URI's
  // artifact_root parameter for PostgreSQL (required there).
  std::filesystem::path artifact_root;
  // PostgreSQL: bound on connecting, seconds.
  std::chrono::seconds connect_timeout{10};
  // SQLite: how long one statement waits for another writer's lock.
  std::chrono::milliseconds busy_timeout{10000};
  // Attempts of one transaction on lock conflicts / serialization failures.
  int max_transaction_attempts = 30;
  // Sleeps of the backoff between attempts (full jitter on a cap growing
  // 4, 8, ... 200 ms) go through this clock: tests pass a ManualClock and
  // read the sleeps without waiting. Not owned; null = RealClock().
  const Clock* retry_clock = nullptr;
  // Seed of the backoff jitter. 0: one per store from the wall clock and the
  // process id, so contending processes draw different delays.
  uint64_t retry_seed = 0;
  // A RUNNING run with no write for this long is reported stale.
  std::chrono::milliseconds stale_after = std::chrono::hours(6);
  // Staging folders and unreferenced artifact folders younger than this are
  // left alone by store check (another process may be writing them).
  std::chrono::milliseconds repair_grace = std::chrono::minutes(10);
  // Milliseconds since the Unix epoch; tests pass a manual clock.
  std::function<int64_t()> clock;
  // 0 = kLatestSchemaVersion. A lower value creates/migrates only that far
  // (migration tests and tooling).
  int schema_version = 0;
  // Fault injection for crash tests: called at named points of StoreArtifact
  // ("artifact.staged", "artifact.renamed") and RegisterModelVersion
  // ("register.inserted", before COMMIT). Empty in production.
  std::function<void(std::string_view point)> checkpoint;
  // Set for a store opened by a job (src/orchestration): every write
  // transaction first checks the fence and fails with FailedPrecondition
  // ("write refused: job J lease lost …") when the job is no longer running
  // under that epoch; nothing of the transaction commits.
  std::optional<WriteFence> write_fence;
};

// Reported to `train` by StoreArtifact and RegisterModelVersion callers.
class TrackingStore {
 public:
  // Opens or creates the store, migrating an older schema. FailedPrecondition
  // when the store's schema is newer than this build.
  static Result<std::unique_ptr<TrackingStore>> Open(const StoreOptions& options);
  ~TrackingStore();
  TrackingStore(const TrackingStore&) = delete;
  TrackingStore& operator=(const TrackingStore&) = delete;

  // "sqlite:/abs/mlruns/churnml.db" or the PostgreSQL URI without password.
  std::string Describe() const;
  const std::filesystem::path& artifact_root() const { return artifact_root_; }
  Result<int> SchemaVersion();
  // The store's own connection, for a layer above that keeps its tables in
  // the same schema (the job queue: src/orchestration). Same thread rules as
  // the store; do not leave a transaction open across store calls.
  SqlConnection& connection() { return *connection_; }

  // --- runs -------------------------------------------------------------
  // Creates a RUNNING run in `experiment` (created on first use) recording
  // this build's version and commit. Returns the run id.
  Result<std::string> CreateRun(const std::string& experiment,
                                const std::map<std::string, std::string>& tags = {});
  // Upserts params (string values). One transaction.
  Status LogParams(const std::string& run_id, const std::map<std::string, std::string>& params);
  // Appends a batch of metrics in one transaction; timestamp 0 means now.
  Status LogMetrics(const std::string& run_id, const std::vector<Metric>& metrics);
  Status SetTags(const std::string& run_id, const std::map<std::string, std::string>& tags);
  Status SetDataFingerprint(const std::string& run_id, const DataFingerprint& data);
  // Ends a RUNNING run. InvalidArgument for kRunning; FailedPrecondition when
  // the run already ended.
  Status FinishRun(const std::string& run_id, RunStatus status);
  // Copies `local_dir` (a finished model directory) to
  // <artifact_root>/<run_id>/model atomically (staging name, then rename) and
  // records it on the run. Returns the final absolute path. AlreadyExists if
  // the run already has an artifact.
  Result<std::filesystem::path> StoreArtifact(const std::string& run_id,
                                              const std::filesystem::path& local_dir);

  // A full run id or a unique prefix of one (at least kMinRunIdPrefix hex
  // digits, as git takes commit ids) → the full id; deleted runs count.
  // NotFound when nothing matches; InvalidArgument listing the matching ids
  // when the prefix is ambiguous.
  Result<std::string> ResolveRunId(const std::string& id_or_prefix);
  // Any run, deleted or not (Run::deleted_ms tells).
  Result<Run> GetRun(const std::string& run_id);
  // Every observation of `key` (all keys when empty), by key, step, time.
  Result<std::vector<Metric>> GetMetricHistory(const std::string& run_id,
                                               const std::string& key = "");
  // InvalidArgument for a malformed filter or order (message has the
  // column), and for a metric, param or tag key that no run in the store has
  // (the message lists the known keys and the closest one) unless the store
  // has no runs at all.
  Result<std::vector<Run>> ListRuns(const RunQuery& query);
  // Soft delete: the run leaves listings but keeps its data and artifact
  // until PurgeDeletedRuns. FailedPrecondition while a model version comes
  // from it, or when it is already deleted.
  Status DeleteRun(const std::string& run_id);
  // Undoes DeleteRun. FailedPrecondition when the run is not deleted.
  Status RestoreRun(const std::string& run_id);
  // Removes for good (rows and artifact folder) every run deleted at least
  // `older_than` ago. A deleted run that is the source of a model version is
  // kept and reported. Artifact folders go after the commit: a crash leaves
  // orphans for Check().
  Result<GcReport> PurgeDeletedRuns(std::chrono::milliseconds older_than);
  Result<std::vector<std::string>> ListExperiments();

  // --- registry -----------------------------------------------------------
  // Creates the next version of `model` (the model is created on first use)
  // from the run's stored artifact, snapshotting its latest metrics and
  // recording the SHA-256 of each of its files (ChecksumArtifactDirectory).
  // Versions are consecutive under concurrency. FailedPrecondition when the
  // run has no artifact; InvalidArgument when the artifact folder holds
  // something other than regular files.
  Result<int64_t> RegisterModelVersion(const std::string& model, const std::string& run_id);
  // Points `alias` at `version` in one transaction (creating or moving it).
  Status SetAlias(const std::string& model, const std::string& alias, int64_t version);
  Status DeleteAlias(const std::string& model, const std::string& alias);
  // FailedPrecondition while an alias points at the version. The artifact
  // stays with its run.
  Status DeleteModelVersion(const std::string& model, int64_t version);
  Result<std::vector<RegisteredModel>> ListModels();
  // With every version, ascending.
  Result<RegisteredModel> GetModel(const std::string& model);
  Result<ModelVersion> GetModelVersion(const std::string& model, int64_t version);

  // NAME@ALIAS, NAME@latest, NAME/VERSION, or an existing directory → the
  // artifact directory. NotFound names what is missing.
  Result<std::filesystem::path> ResolveModelUri(const std::string& ref);
  // The same, with the model name and version the reference resolved to (a
  // directory gives an empty name and version 0) and the checksums recorded
  // at registration. Serving watches this to notice an alias that moved.
  // Internal when the recorded checksums are unreadable.
  Result<ResolvedModel> ResolveModel(const std::string& ref);

  // --- promotion (tracking_promotion.cc) -----------------------------------
  // Where `alias` of `model` points and when it last moved (ms since epoch).
  // NotFound when the alias does not exist.
  Result<AliasState> GetAlias(const std::string& model, const std::string& alias);
  // In one transaction: checks that `alias` still points at
  // expected_version (else FailedPrecondition: someone moved it), that it did
  // not move within `cooldown_ms` (FailedPrecondition), then points it at
  // new_version, points `previous_alias` at expected_version, and marks
  // `run_id` (the decision's run, RUNNING) FINISHED with `tags`. A crash
  // before COMMIT leaves the aliases as they were.
  Status PromoteAlias(const AliasPromotion& promotion);

  // --- maintenance --------------------------------------------------------
  Result<StoreCheckReport> Check(RepairMode mode);

 private:
  TrackingStore(std::unique_ptr<SqlConnection> connection, std::filesystem::path artifact_root,
                StoreOptions options);

  int64_t Now() const;
  // Runs `body` in a transaction, retrying the whole of it on lock conflicts.
  Status InTransaction(TransactionMode mode, const std::function<Status()>& body);
  // FailedPrecondition unless options_.write_fence's job is running under
  // its epoch; locks the job's row until the transaction ends.
  Status CheckWriteFence();
  Status Migrate();
  Status RequireRun(const std::string& run_id, bool must_be_running);
  Status TouchRun(const std::string& run_id);
  // NotFound listing the registered models (inside or outside a transaction).
  Status RequireModel(const std::string& model);
  Status LoadRunDetails(std::vector<Run>& runs);
  Result<std::vector<Run>> QueryRuns(const std::string& where, const std::vector<SqlValue>& params,
                                     const std::string& order, int64_t limit);
  Result<ResolvedModel> ResolveVersion(const std::string& model, int64_t version);
  Result<ResolvedModel> ResolveAlias(const std::string& model, const std::string& alias);
  Status CheckArtifacts(RepairMode mode, StoreCheckReport& report);
  void Checkpoint(std::string_view point) const;

  std::unique_ptr<SqlConnection> connection_;
  std::filesystem::path artifact_root_;
  StoreOptions options_;
  Rng retry_jitter_;        // the backoff's random delays
  bool migrating_ = false;  // the fence does not apply to schema migrations
};

}  // namespace churnml::tracking
