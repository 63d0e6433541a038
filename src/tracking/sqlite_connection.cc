// The SQLite adapter: the only file that includes sqlite3.h. Turns sqlite
// result codes into Status once.
#include <sqlite3.h>

#include <cmath>
#include <string>

#include "tracking/sql_connection.h"

namespace churnml::tracking {
namespace {

bool IsBusy(int rc) {
  int primary = rc & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

class SqliteConnection final : public SqlConnection {
 public:
  SqliteConnection(sqlite3* db, std::filesystem::path file) : db_(db), file_(std::move(file)) {}
  ~SqliteConnection() override {
    if (in_transaction_) Rollback();
    sqlite3_close_v2(db_);
  }

  SqlDialect dialect() const override { return SqlDialect::kSqlite; }
  std::string Describe() const override { return "sqlite:" + file_.lexically_normal().string(); }

  Status Begin(TransactionMode mode) override {
    CHURNML_RETURN_IF_ERROR(
        ExecScript(mode == TransactionMode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED"));
    in_transaction_ = true;
    return Status::Ok();
  }

  Status Commit() override {
    Status s = ExecScript("COMMIT");
    // A failed COMMIT (busy) keeps the transaction open; the caller rolls back.
    if (s.ok()) in_transaction_ = false;
    return s;
  }

  void Rollback() override {
    if (sqlite3_get_autocommit(db_) == 0) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    in_transaction_ = false;
  }

  Result<SqlRows> Query(std::string_view sql, const std::vector<SqlValue>& params) override {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) return Error(rc, "cannot prepare statement");
    StatementGuard guard{stmt};
    for (size_t i = 0; i < params.size(); ++i) {
      int index = static_cast<int>(i) + 1;
      const SqlValue& p = params[i];
      if (const auto* n = std::get_if<int64_t>(&p)) {
        rc = sqlite3_bind_int64(stmt, index, *n);
      } else if (const auto* d = std::get_if<double>(&p)) {
        // SQLite stores NaN as NULL; AsDouble reads NULL back as NaN.
        rc = std::isnan(*d) ? sqlite3_bind_null(stmt, index) : sqlite3_bind_double(stmt, index, *d);
      } else if (const auto* s = std::get_if<std::string>(&p)) {
        rc = sqlite3_bind_text(stmt, index, s->data(), static_cast<int>(s->size()),
                               SQLITE_TRANSIENT);
      } else {
        rc = sqlite3_bind_null(stmt, index);
      }
      if (rc != SQLITE_OK) return Error(rc, "cannot bind parameter " + std::to_string(index));
    }
    SqlRows rows;
    int columns = sqlite3_column_count(stmt);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      SqlRow row;
      row.reserve(columns);
      for (int c = 0; c < columns; ++c) row.push_back(ReadColumn(stmt, c));
      rows.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) return Error(rc, "statement failed");
    retryable_ = false;
    return rows;
  }

  Status ExecScript(std::string_view sql) override {
    std::string text(sql);
    char* message = nullptr;
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
      std::string detail = message != nullptr ? message : sqlite3_errstr(rc);
      sqlite3_free(message);
      retryable_ = IsBusy(rc);
      Status s = retryable_ ? UnavailableError(Describe() + ": " + detail)
                            : InternalError(Describe() + ": " + detail);
      return s;
    }
    retryable_ = false;
    return Status::Ok();
  }

  bool LastErrorRetryable() const override { return retryable_; }

 private:
  struct StatementGuard {
    sqlite3_stmt* stmt;
    ~StatementGuard() { sqlite3_finalize(stmt); }
  };

  static SqlValue ReadColumn(sqlite3_stmt* stmt, int c) {
    switch (sqlite3_column_type(stmt, c)) {
      case SQLITE_INTEGER:
        return static_cast<int64_t>(sqlite3_column_int64(stmt, c));
      case SQLITE_FLOAT:
        return sqlite3_column_double(stmt, c);
      case SQLITE_NULL:
        return std::monostate{};
      default: {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
        return std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt, c)));
      }
    }
  }

  Status Error(int rc, const std::string& what) {
    retryable_ = IsBusy(rc);
    std::string message = Describe() + ": " + what + ": " + sqlite3_errmsg(db_);
    if (retryable_) return UnavailableError(message);
    if ((rc & 0xff) == SQLITE_CONSTRAINT) return FailedPreconditionError(message);
    return InternalError(message);
  }

  sqlite3* db_;
  std::filesystem::path file_;
  bool in_transaction_ = false;
  bool retryable_ = false;
};

}  // namespace

Result<std::unique_ptr<SqlConnection>> OpenSqliteConnection(
    const SqliteConnectionOptions& options) {
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(options.file.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string reason = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return IOError("cannot open SQLite store " + options.file.string() + ": " + reason);
  }
  sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));
  auto connection = std::make_unique<SqliteConnection>(db, options.file);
  // journal_mode=WAL is persistent; setting it again is cheap. NORMAL sync is
  // durable in WAL mode except for the last transactions on power loss.
  Status s = connection->ExecScript(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
  if (!s.ok()) {
    // Another process may hold the lock while switching to WAL on creation.
    for (int attempt = 0; attempt < 50 && !s.ok() && connection->LastErrorRetryable(); ++attempt) {
      sqlite3_sleep(20);
      s = connection->ExecScript(
          "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
    }
    if (!s.ok()) return s;
  }
  return std::unique_ptr<SqlConnection>(std::move(connection));
}

}  // namespace churnml::tracking
