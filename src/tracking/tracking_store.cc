// Opening a store: URI → connection + artifact root, schema migrations, and
// the retried-transaction helper every write goes through.
#include "tracking/tracking_store.h"

#include <unistd.h>

#include <chrono>

#include "tracking/names.h"
#include "tracking/schema_migrations.h"
#include "tracking/store_uri.h"

namespace churnml::tracking {
namespace fs = std::filesystem;

namespace {

bool IsPostgresUri(const std::string& uri) {
  return uri.rfind("postgresql://", 0) == 0 || uri.rfind("postgres://", 0) == 0;
}

// Splits "…?artifact_root=/x&connect_timeout=3" into the URI for libpq
// (without artifact_root) and the artifact root.
void SplitArtifactRoot(const std::string& uri, std::string& libpq_uri, std::string& artifact_root) {
  size_t q = uri.find('?');
  libpq_uri = uri.substr(0, q);
  if (q == std::string::npos) return;
  std::string kept;
  size_t start = q + 1;
  while (start <= uri.size()) {
    size_t end = uri.find('&', start);
    if (end == std::string::npos) end = uri.size();
    std::string part = uri.substr(start, end - start);
    if (part.rfind("artifact_root=", 0) == 0) {
      artifact_root = part.substr(std::string("artifact_root=").size());
    } else if (!part.empty()) {
      kept += (kept.empty() ? "" : "&") + part;
    }
    start = end + 1;
  }
  if (!kept.empty()) libpq_uri += "?" + kept;
}

Result<int> ReadSchemaVersion(SqlConnection& connection) {
  const char* exists_sql =
      connection.dialect() == SqlDialect::kSqlite
          ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
          : "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_name = 'schema_version'";
  CHURNML_ASSIGN_OR_RETURN(SqlRows exists, connection.Query(exists_sql, {}));
  if (exists.empty() || AsInt(exists[0][0]) == 0) return 0;
  CHURNML_ASSIGN_OR_RETURN(SqlRows rows,
                           connection.Query("SELECT MAX(version) FROM schema_version", {}));
  if (rows.empty()) return 0;
  return static_cast<int>(AsInt(rows[0][0]));
}

Status NewerSchemaError(const std::string& store, int version) {
  return FailedPreconditionError("store " + store + " has schema version " +
                                 std::to_string(version) + ", newer than this churnml supports (" +
                                 std::to_string(kLatestSchemaVersion) +
                                 "): upgrade churnml to open it");
}

// A per-store jitter seed when none is given: processes started together
// (a job fan-out) still draw different delays.
uint64_t RetrySeed() {
  uint64_t seed = static_cast<uint64_t>(RealClock().WallNow().time_since_epoch().count()) ^
                  (static_cast<uint64_t>(::getpid()) << 32);
  return SplitMix64(&seed);
}

}  // namespace

Result<std::unique_ptr<TrackingStore>> TrackingStore::Open(const StoreOptions& options) {
  if (options.uri.empty())
    return InvalidArgumentError("--store is empty: give a folder or a postgresql:// URI");
  std::unique_ptr<SqlConnection> connection;
  fs::path artifact_root = options.artifact_root;
  std::error_code ec;
  if (IsPostgresUri(options.uri)) {
    std::string libpq_uri, uri_root;
    SplitArtifactRoot(options.uri, libpq_uri, uri_root);
    if (artifact_root.empty()) artifact_root = uri_root;
    if (artifact_root.empty()) {
      return InvalidArgumentError("PostgreSQL store " + RedactStoreUri(libpq_uri) +
                                  " needs a shared artifact folder: add "
                                  "?artifact_root=/shared/folder to the URI");
    }
    CHURNML_ASSIGN_OR_RETURN(connection,
                             OpenPostgresConnection({libpq_uri, options.connect_timeout}));
  } else if (options.uri.find("://") != std::string::npos) {
    // A mistyped scheme ("postgress://") would otherwise become a folder
    // named after the URI, password included, and be echoed in messages.
    return InvalidArgumentError("--store " + RedactStoreUri(options.uri) +
                                ": unknown URI scheme (give a folder or a postgresql:// URI)");
  } else {
    fs::path folder = options.uri;
    fs::create_directories(folder, ec);
    if (ec) return IOError("cannot create store folder " + folder.string() + ": " + ec.message());
    if (artifact_root.empty()) artifact_root = folder / "artifacts";
    CHURNML_ASSIGN_OR_RETURN(connection, OpenSqliteConnection({fs::absolute(folder / "churnml.db"),
                                                               options.busy_timeout}));
  }
  artifact_root = fs::absolute(artifact_root).lexically_normal();
  fs::create_directories(artifact_root, ec);
  if (ec)
    return IOError("cannot create artifact folder " + artifact_root.string() + ": " + ec.message());
  std::unique_ptr<TrackingStore> store(
      new TrackingStore(std::move(connection), std::move(artifact_root), options));
  CHURNML_RETURN_IF_ERROR(store->Migrate());
  return store;
}

TrackingStore::TrackingStore(std::unique_ptr<SqlConnection> connection, fs::path artifact_root,
                             StoreOptions options)
    : connection_(std::move(connection)),
      artifact_root_(std::move(artifact_root)),
      options_(std::move(options)),
      retry_jitter_(options_.retry_seed != 0 ? options_.retry_seed : RetrySeed()) {
  if (options_.max_transaction_attempts < 1) options_.max_transaction_attempts = 1;
}

TrackingStore::~TrackingStore() = default;

std::string TrackingStore::Describe() const { return connection_->Describe(); }

int64_t TrackingStore::Now() const {
  if (options_.clock) return options_.clock();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void TrackingStore::Checkpoint(std::string_view point) const {
  if (options_.checkpoint) options_.checkpoint(point);
}

Status TrackingStore::InTransaction(TransactionMode mode, const std::function<Status()>& body) {
  const Clock& clock = options_.retry_clock != nullptr ? *options_.retry_clock : RealClock();
  Status last;
  for (int attempt = 1; attempt <= options_.max_transaction_attempts; ++attempt) {
    Status s = connection_->Begin(mode);
    if (s.ok() && mode == TransactionMode::kWrite && options_.write_fence && !migrating_) {
      s = CheckWriteFence();
    }
    if (s.ok()) s = body();
    if (s.ok()) s = connection_->Commit();
    if (s.ok()) return s;
    bool retryable = connection_->LastErrorRetryable();
    connection_->Rollback();
    if (!retryable) return s;
    last = s;
    if (attempt == options_.max_transaction_attempts) break;
    // Full jitter on an exponential cap: conflicting writers spread out.
    const int cap_ms = std::min(200, 2 << std::min(attempt, 7));
    clock.SleepFor(
        std::chrono::milliseconds(retry_jitter_.Below(static_cast<uint64_t>(cap_ms) + 1)));
  }
  return UnavailableError(last.message() + " (gave up after " +
                          std::to_string(options_.max_transaction_attempts) + " attempts)");
}

Status TrackingStore::CheckWriteFence() {
  const WriteFence& fence = *options_.write_fence;
  std::string sql = "SELECT state, epoch, worker FROM jobs WHERE job_id = ?";
  if (connection_->dialect() == SqlDialect::kPostgres) sql += " FOR UPDATE";
  CHURNML_ASSIGN_OR_RETURN(SqlRows rows, connection_->Query(sql, {fence.job_id}));
  const std::string presented = "write refused: job " + std::to_string(fence.job_id) +
                                " lease lost (epoch " + std::to_string(fence.epoch) +
                                " presented; ";
  if (rows.empty()) return FailedPreconditionError(presented + "the job does not exist)");
  const std::string state = AsString(rows[0][0]);
  const int64_t epoch = AsInt(rows[0][1]);
  if (state == "running" && epoch == fence.epoch) return Status::Ok();
  return FailedPreconditionError(presented + "the job is " + state + " at epoch " +
                                 std::to_string(epoch) + " held by " +
                                 (IsNull(rows[0][2]) ? "nobody" : AsString(rows[0][2])) + ")");
}

Result<int> TrackingStore::SchemaVersion() { return ReadSchemaVersion(*connection_); }

Status TrackingStore::Migrate() {
  int target = options_.schema_version > 0 ? options_.schema_version : kLatestSchemaVersion;
  if (target > kLatestSchemaVersion) {
    return InvalidArgumentError("schema version " + std::to_string(target) +
                                " does not exist (latest is " +
                                std::to_string(kLatestSchemaVersion) + ")");
  }
  CHURNML_ASSIGN_OR_RETURN(int current, ReadSchemaVersion(*connection_));
  if (current > kLatestSchemaVersion) return NewerSchemaError(Describe(), current);
  if (current >= target) return Status::Ok();
  migrating_ = true;
  Status migrated = InTransaction(TransactionMode::kWrite, [&]() -> Status {
    if (connection_->dialect() == SqlDialect::kPostgres) {
      // Serializes concurrent first opens: DDL races fail in PostgreSQL.
      CHURNML_RETURN_IF_ERROR(connection_->Query("SELECT pg_advisory_xact_lock(7301171)", {}));
    }
    CHURNML_RETURN_IF_ERROR(connection_->ExecScript(
        "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)"));
    CHURNML_ASSIGN_OR_RETURN(int locked_current, ReadSchemaVersion(*connection_));
    if (locked_current > kLatestSchemaVersion) return NewerSchemaError(Describe(), locked_current);
    CHURNML_ASSIGN_OR_RETURN(SqlRows rows,
                             connection_->Query("SELECT COUNT(*) FROM schema_version", {}));
    if (AsInt(rows[0][0]) == 0) {
      CHURNML_RETURN_IF_ERROR(
          connection_->Query("INSERT INTO schema_version (version) VALUES (0)", {}));
    }
    for (int v = locked_current + 1; v <= target; ++v) {
      Status s = connection_->ExecScript(MigrationScript(v, connection_->dialect()));
      if (!s.ok()) return s.WithContext("migrating to schema version " + std::to_string(v));
      CHURNML_RETURN_IF_ERROR(
          connection_->Query("UPDATE schema_version SET version = ?", {int64_t{v}}));
    }
    return Status::Ok();
  });
  migrating_ = false;
  return migrated;
}

}  // namespace churnml::tracking
