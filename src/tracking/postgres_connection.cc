// The PostgreSQL adapter: the only file that includes libpqxx. Every pqxx
// exception stops here and becomes a Status.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <pqxx/pqxx>
#include <string>

#include "tracking/sql_connection.h"
#include "tracking/store_uri.h"

namespace churnml::tracking {
namespace {

using ReadTransaction =
    pqxx::transaction<pqxx::isolation_level::repeatable_read, pqxx::readwrite_policy::read_only>;

// "?" → "$1", "$2", … outside quoted text.
std::string NumberParameterMarkers(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int next = 1;
  char quote = 0;
  for (char c : sql) {
    if (quote != 0) {
      if (c == quote) quote = 0;
      out.push_back(c);
    } else if (c == '\'' || c == '"') {
      quote = c;
      out.push_back(c);
    } else if (c == '?') {
      out += '$' + std::to_string(next++);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string DoubleText(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), d);
  return ec == std::errc() ? std::string(buf, end) : "NaN";
}

std::string FirstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
  return line;
}

class PostgresConnection final : public SqlConnection {
 public:
  PostgresConnection(std::unique_ptr<pqxx::connection> connection, std::string description)
      : connection_(std::move(connection)), description_(std::move(description)) {}
  ~PostgresConnection() override { Rollback(); }

  SqlDialect dialect() const override { return SqlDialect::kPostgres; }
  std::string Describe() const override { return description_; }

  Status Begin(TransactionMode mode) override {
    Rollback();
    return Guard("BEGIN", [&] {
      if (mode == TransactionMode::kWrite) {
        tx_ = std::make_unique<pqxx::work>(*connection_);
      } else {
        tx_ = std::make_unique<ReadTransaction>(*connection_);
      }
    });
  }

  Status Commit() override {
    if (!tx_) return FailedPreconditionError(description_ + ": commit without a transaction");
    Status s = Guard("COMMIT", [&] { tx_->commit(); });
    tx_.reset();
    return s;
  }

  void Rollback() override {
    if (!tx_) return;
    try {
      tx_->abort();
    } catch (const std::exception&) {
      // The connection is gone or the transaction already ended; either way
      // nothing remains to undo on this side.
    }
    tx_.reset();
  }

  Result<SqlRows> Query(std::string_view sql, const std::vector<SqlValue>& params) override {
    std::vector<std::string> storage;
    storage.reserve(params.size());
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const SqlValue& p : params) {
      if (IsNull(p)) {
        values.push_back(nullptr);
        continue;
      }
      if (const auto* d = std::get_if<double>(&p)) {
        storage.push_back(DoubleText(*d));
      } else {
        storage.push_back(AsString(p));
      }
      values.push_back(storage.back().c_str());
    }
    // Pointers into `storage` stay valid: it never reallocates (reserved).
    std::string text = NumberParameterMarkers(sql);
    SqlRows rows;
    Status s = Guard(text, [&] {
      pqxx::result result;
      if (tx_) {
        result = tx_->exec_params(text, pqxx::prepare::make_dynamic_params(values));
      } else {
        pqxx::nontransaction autocommit(*connection_);
        result = autocommit.exec_params(text, pqxx::prepare::make_dynamic_params(values));
      }
      rows.reserve(result.size());
      for (const auto& r : result) {
        SqlRow row;
        row.reserve(r.size());
        for (const auto& field : r) {
          if (field.is_null()) {
            row.emplace_back(std::monostate{});
          } else {
            row.emplace_back(std::string(field.c_str(), field.size()));
          }
        }
        rows.push_back(std::move(row));
      }
    });
    if (!s.ok()) return s;
    return rows;
  }

  Status ExecScript(std::string_view sql) override {
    std::string text(sql);
    return Guard(text, [&] {
      if (tx_) {
        tx_->exec(text);
      } else {
        pqxx::nontransaction autocommit(*connection_);
        autocommit.exec(text);
      }
    });
  }

  bool LastErrorRetryable() const override { return retryable_; }

 private:
  template <typename Fn>
  Status Guard(const std::string& what, Fn&& fn) {
    retryable_ = false;
    try {
      fn();
      return Status::Ok();
    } catch (const pqxx::transaction_rollback& e) {
      // serialization_failure, deadlock_detected: the whole transaction may
      // be retried.
      retryable_ = true;
      return UnavailableError(description_ + ": " + FirstLine(e.what()));
    } catch (const pqxx::broken_connection& e) {
      return UnavailableError(description_ + ": connection lost: " + FirstLine(e.what()));
    } catch (const pqxx::integrity_constraint_violation& e) {
      return FailedPreconditionError(description_ + ": " + FirstLine(e.what()));
    } catch (const pqxx::sql_error& e) {
      retryable_ = e.sqlstate().rfind("40", 0) == 0 || e.sqlstate() == "55P03";
      std::string message = description_ + ": " + FirstLine(e.what());
      if (retryable_) return UnavailableError(message);
      return InternalError(message + " (in: " + FirstLine(what) + ")");
    } catch (const std::exception& e) {
      return InternalError(description_ + ": " + FirstLine(e.what()));
    }
  }

  std::unique_ptr<pqxx::connection> connection_;
  std::unique_ptr<pqxx::dbtransaction> tx_;
  std::string description_;
  bool retryable_ = false;
};

}  // namespace

Result<std::unique_ptr<SqlConnection>> OpenPostgresConnection(
    const PostgresConnectionOptions& options) {
  std::string description = RedactStoreUri(options.uri);
  std::string uri = options.uri;
  // libpq's connect_timeout bounds the whole connection set-up (TCP, TLS,
  // authentication), so an unreachable or silent server fails in bounded time.
  // A connect_timeout already in the URI wins.
  if (uri.find("connect_timeout=") == std::string::npos) {
    uri += uri.find('?') == std::string::npos ? '?' : '&';
    uri +=
        "connect_timeout=" + std::to_string(std::max<int64_t>(1, options.connect_timeout.count()));
  }
  try {
    auto connection = std::make_unique<pqxx::connection>(uri);
    pqxx::nontransaction setup(*connection);
    setup.exec("SET client_min_messages = warning");
    setup.commit();
    return std::unique_ptr<SqlConnection>(
        std::make_unique<PostgresConnection>(std::move(connection), description));
  } catch (const std::exception& e) {
    // libpq may echo parts of the connection string (a bad parameter's
    // value): mask every secret of the URI in its message too.
    return UnavailableError("cannot connect to PostgreSQL store " + description +
                            " (connect_timeout " + std::to_string(options.connect_timeout.count()) +
                            " s): " + RedactSecretsIn(FirstLine(e.what()), uri));
  }
}

}  // namespace churnml::tracking
