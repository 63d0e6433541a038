// libFuzzer target: every input is translated as a `runs list --filter`
// and as an `--order-by`. A translation that succeeds must be SQL that
// SQLite prepares against the store's tables (with one bound parameter per
// '?'); a failure must be one short line. Crashes (the unbounded recursion
// of nested parentheses was one), sanitizer reports and hangs are failures.
#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tracking/run_filter.h"

namespace {

// The columns run_filter.cc refers to, in the shape of the store's schema.
constexpr char kTables[] =
    "CREATE TABLE experiments (experiment_id INTEGER PRIMARY KEY, name TEXT);"
    "CREATE TABLE runs (run_id TEXT PRIMARY KEY, experiment_id INTEGER, status TEXT,"
    "  start_time_ms INTEGER, end_time_ms INTEGER, deleted_ms INTEGER);"
    "CREATE TABLE latest_metrics (run_id TEXT, key TEXT, value REAL);"
    "CREATE TABLE params (run_id TEXT, key TEXT, value TEXT);"
    "CREATE TABLE tags (run_id TEXT, key TEXT, value TEXT);";

sqlite3* Database() {
  static sqlite3* db = [] {
    sqlite3* opened = nullptr;
    if (sqlite3_open(":memory:", &opened) != SQLITE_OK) std::abort();
    if (sqlite3_exec(opened, kTables, nullptr, nullptr, nullptr) != SQLITE_OK) std::abort();
    return opened;
  }();
  return db;
}

void RequirePrepares(const std::string& sql, size_t params) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(Database(), sql.c_str(), static_cast<int>(sql.size()), &stmt,
                                    nullptr);
  if (rc != SQLITE_OK) std::abort();
  if (static_cast<size_t>(sqlite3_bind_parameter_count(stmt)) != params) std::abort();
  sqlite3_finalize(stmt);
}

void RequireShortError(const churnml::Status& status) {
  if (status.code() != churnml::StatusCode::kInvalidArgument) std::abort();
  if (status.message().size() > 600) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace churnml::tracking;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string select =
      "SELECT r.run_id FROM runs r JOIN experiments e ON e.experiment_id = r.experiment_id";

  churnml::Result<SqlFragment> filter = TranslateRunFilter(text);
  if (filter.ok()) {
    if (!filter->sql.empty()) RequirePrepares(select + " WHERE " + filter->sql, filter->params.size());
  } else {
    RequireShortError(filter.status());
  }

  churnml::Result<SqlFragment> order = TranslateRunOrder(text);
  if (order.ok()) {
    if (!order->sql.empty()) RequirePrepares(select + " ORDER BY " + order->sql, order->params.size());
  } else {
    RequireShortError(order.status());
  }
  return 0;
}
