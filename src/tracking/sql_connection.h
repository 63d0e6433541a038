// The narrow database seam under TrackingStore: one SQL connection that runs
// statements with '?' parameter markers bound to typed values. Two adapters
// implement it — sqlite_connection.cc (the only file that includes sqlite3.h)
// and postgres_connection.cc (the only file that includes libpqxx) — so the
// store's logic, schema and queries exist once for both databases.
//
// Not thread-safe: one connection per thread (or per TrackingStore).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"

namespace churnml::tracking {

enum class SqlDialect { kSqlite, kPostgres };

// NULL, integer, double or text. PostgreSQL results come back as text; the
// As* readers below convert.
using SqlValue = std::variant<std::monostate, int64_t, double, std::string>;
using SqlRow = std::vector<SqlValue>;
using SqlRows = std::vector<SqlRow>;

bool IsNull(const SqlValue& v);
int64_t AsInt(const SqlValue& v);         // NULL → 0
double AsDouble(const SqlValue& v);       // NULL → NaN
std::string AsString(const SqlValue& v);  // NULL → ""

enum class TransactionMode {
  kRead,   // a consistent snapshot for several reads
  kWrite,  // takes the write lock up front (SQLite BEGIN IMMEDIATE)
};

class SqlConnection {
 public:
  virtual ~SqlConnection() = default;

  virtual SqlDialect dialect() const = 0;
  // "sqlite:/path/churnml.db" or "postgresql://user@host:port/db" (no password).
  virtual std::string Describe() const = 0;

  virtual Status Begin(TransactionMode mode) = 0;
  virtual Status Commit() = 0;
  // Never fails: a failed rollback leaves the connection to be reset by the
  // next Begin().
  virtual void Rollback() = 0;

  // Runs one statement; `?` parameter markers are bound in order. Inside a
  // transaction when Begin() was called, else in its own (autocommit).
  virtual Result<SqlRows> Query(std::string_view sql, const std::vector<SqlValue>& params) = 0;
  // Runs several ';'-separated statements without parameters (DDL).
  virtual Status ExecScript(std::string_view sql) = 0;

  // Whether the last failure was a lock conflict, serialization failure or
  // deadlock that a retry of the whole transaction may cure.
  virtual bool LastErrorRetryable() const = 0;
};

struct SqliteConnectionOptions {
  std::filesystem::path file;
  std::chrono::milliseconds busy_timeout{10000};
};
// Opens (creating if missing) a SQLite database in WAL mode with foreign keys
// on and the busy timeout set. IOError names the file.
Result<std::unique_ptr<SqlConnection>> OpenSqliteConnection(const SqliteConnectionOptions& options);

struct PostgresConnectionOptions {
  std::string uri;  // postgresql://user[:password]@host[:port]/db[?libpq params]
  std::chrono::seconds connect_timeout{10};
};
// Connects within connect_timeout. Unavailable names the host and the
// server's reason when the server is unreachable or refuses.
Result<std::unique_ptr<SqlConnection>> OpenPostgresConnection(
    const PostgresConnectionOptions& options);

}  // namespace churnml::tracking

// CHURNML_RETURN_IF_ERROR for a statement whose argument holds a lambda that
// itself uses CHURNML_RETURN_IF_ERROR (a distinct name avoids -Wshadow).
#define CHURNML_RETURN_IF_TX_ERROR(expr)                     \
  do {                                                       \
    const ::churnml::Status churnml_tx_status_ = (expr);     \
    if (!churnml_tx_status_.ok()) return churnml_tx_status_; \
  } while (false)
