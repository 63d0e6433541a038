// TrackingStore: runs — creation, logging, artifacts, queries, deletion.
#include <algorithm>
#include <cmath>
#include <map>
#include <system_error>

#include "common/atomic_file.h"
#include "common/build_info.h"
#include "common/strings.h"
#include "common/suggest.h"
#include "tracking/names.h"
#include "tracking/run_filter.h"
#include "tracking/tracking_store.h"

namespace churnml::tracking {
namespace fs = std::filesystem;

namespace {

// Rows per multi-row INSERT: well under both databases' parameter limits.
constexpr size_t kRowsPerInsert = 200;

std::string ParameterMarkers(size_t rows, size_t columns) {
  std::string one = "(";
  for (size_t c = 0; c < columns; ++c) one += c == 0 ? "?" : ", ?";
  one += ")";
  std::string all;
  for (size_t r = 0; r < rows; ++r) all += (r == 0 ? "" : ", ") + one;
  return all;
}

Status ValidateKeys(std::string_view what, const std::map<std::string, std::string>& values) {
  for (const auto& [key, value] : values) CHURNML_RETURN_IF_ERROR(ValidateKey(what, key));
  return Status::Ok();
}

// InvalidArgument when a key the filter or order names is in no run of the
// store: a typo would otherwise silently select nothing. A store without runs
// has nothing to check against.
Status CheckKeysExist(SqlConnection& connection, const std::string& store,
                      std::string_view language, const std::vector<KeyReference>& references,
                      const RunQuery& query) {
  if (references.empty()) return Status::Ok();
  CHURNML_ASSIGN_OR_RETURN(SqlRows any, connection.Query("SELECT 1 FROM runs LIMIT 1", {}));
  if (any.empty()) return Status::Ok();
  std::map<std::string, std::vector<std::string>> known;
  for (const KeyReference& ref : references) {
    if (known.count(ref.kind) != 0) continue;
    const std::string table = ref.kind == "metrics" ? "latest_metrics" : ref.kind;
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows rows, connection.Query("SELECT DISTINCT key FROM " + table + " ORDER BY key", {}));
    std::vector<std::string>& keys = known[ref.kind];
    for (const SqlRow& row : rows) keys.push_back(AsString(row[0]));
  }
  for (const KeyReference& ref : references) {
    const std::vector<std::string>& keys = known[ref.kind];
    if (std::find(keys.begin(), keys.end(), ref.key) != keys.end()) continue;
    std::string singular = ref.kind.substr(0, ref.kind.size() - 1);
    std::string message = std::string(language) + ", column " + std::to_string(ref.column) +
                          ": no run in " + store + " has " + singular + " \"" + ref.key + "\"";
    std::string hint;
    auto renamed = query.renamed_metrics.find(ref.key);
    if (ref.kind == "metrics" && renamed != query.renamed_metrics.end()) {
      hint = renamed->second;
    } else {
      hint = ClosestMatch(ref.key, keys).value_or("");
    }
    if (!hint.empty()) message += " (did you mean " + ref.kind + "." + hint + "?)";
    if (keys.empty()) {
      message += "; no run has any " + singular;
    } else {
      constexpr size_t kShown = 60;
      std::vector<std::string> shown(
          keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(std::min(keys.size(), kShown)));
      message += "; known " + ref.kind + ": " + Join(shown, ", ") +
                 (keys.size() > kShown ? ", … (" + std::to_string(keys.size()) + " in all)" : "");
    }
    return InvalidArgumentError(message);
  }
  return Status::Ok();
}

constexpr char kRunColumns[] =
    "SELECT r.run_id, e.name, r.status, r.start_time_ms, r.end_time_ms, r.last_update_ms, "
    "r.churnml_version, r.build_commit, r.data_hash, r.data_rows, r.artifact_path, r.deleted_ms "
    "FROM runs r JOIN experiments e ON e.experiment_id = r.experiment_id";

}  // namespace

Status TrackingStore::TouchRun(const std::string& run_id) {
  CHURNML_RETURN_IF_ERROR(ValidateRunId(run_id));
  CHURNML_ASSIGN_OR_RETURN(
      SqlRows rows,
      connection_->Query("UPDATE runs SET last_update_ms = ? WHERE run_id = ? RETURNING run_id",
                         {Now(), run_id}));
  if (rows.empty()) return NotFoundError("run " + run_id + " not found in " + Describe());
  return Status::Ok();
}

Status TrackingStore::RequireRun(const std::string& run_id, bool must_be_running) {
  CHURNML_RETURN_IF_ERROR(ValidateRunId(run_id));
  CHURNML_ASSIGN_OR_RETURN(
      SqlRows rows, connection_->Query("SELECT status FROM runs WHERE run_id = ?", {run_id}));
  if (rows.empty()) return NotFoundError("run " + run_id + " not found in " + Describe());
  if (must_be_running && AsString(rows[0][0]) != "RUNNING") {
    return FailedPreconditionError("run " + run_id + " already ended as " + AsString(rows[0][0]));
  }
  return Status::Ok();
}

Result<std::string> TrackingStore::CreateRun(const std::string& experiment,
                                             const std::map<std::string, std::string>& tags) {
  CHURNML_RETURN_IF_ERROR(ValidateName("experiment name", experiment));
  CHURNML_RETURN_IF_ERROR(ValidateKeys("tag", tags));
  std::string run_id = NewRunId();
  int64_t now = Now();
  CHURNML_RETURN_IF_TX_ERROR(InTransaction(TransactionMode::kWrite, [&]() -> Status {
    CHURNML_RETURN_IF_ERROR(connection_->Query(
        "INSERT INTO experiments (name, created_ms) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
        {experiment, now}));
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows rows,
        connection_->Query("SELECT experiment_id FROM experiments WHERE name = ?", {experiment}));
    if (rows.empty()) return InternalError("experiment " + experiment + " vanished");
    CHURNML_RETURN_IF_ERROR(connection_->Query(
        "INSERT INTO runs (run_id, experiment_id, status, start_time_ms, last_update_ms, "
        "churnml_version, build_commit) VALUES (?, ?, 'RUNNING', ?, ?, ?, ?)",
        {run_id, AsInt(rows[0][0]), now, now, std::string(kVersion), std::string(kGitCommit)}));
    for (const auto& [key, value] : tags) {
      CHURNML_RETURN_IF_ERROR(connection_->Query(
          "INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?)", {run_id, key, value}));
    }
    return Status::Ok();
  }));
  return run_id;
}

Status TrackingStore::LogParams(const std::string& run_id,
                                const std::map<std::string, std::string>& params) {
  CHURNML_RETURN_IF_ERROR(ValidateKeys("param", params));
  return InTransaction(TransactionMode::kWrite, [&]() -> Status {
    CHURNML_RETURN_IF_ERROR(TouchRun(run_id));
    for (const auto& [key, value] : params) {
      CHURNML_RETURN_IF_ERROR(
          connection_->Query("INSERT INTO params (run_id, key, value) VALUES (?, ?, ?) "
                             "ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value",
                             {run_id, key, value}));
    }
    return Status::Ok();
  });
}

Status TrackingStore::SetTags(const std::string& run_id,
                              const std::map<std::string, std::string>& tags) {
  CHURNML_RETURN_IF_ERROR(ValidateKeys("tag", tags));
  return InTransaction(TransactionMode::kWrite, [&]() -> Status {
    CHURNML_RETURN_IF_ERROR(TouchRun(run_id));
    for (const auto& [key, value] : tags) {
      CHURNML_RETURN_IF_ERROR(
          connection_->Query("INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?) "
                             "ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value",
                             {run_id, key, value}));
    }
    return Status::Ok();
  });
}

Status TrackingStore::LogMetrics(const std::string& run_id, const std::vector<Metric>& metrics) {
  if (metrics.empty()) return RequireRun(run_id, false);
  int64_t now = Now();
  std::vector<Metric> batch = metrics;
  for (Metric& m : batch) {
    CHURNML_RETURN_IF_ERROR(ValidateKey("metric", m.key));
    if (m.timestamp_ms == 0) m.timestamp_ms = now;
  }
  // The newest observation per key (highest step, then latest time, then
  // last in the batch) updates latest_metrics; one row per key per statement.
  std::map<std::string, const Metric*> latest;
  for (const Metric& m : batch) {
    const Metric*& best = latest[m.key];
    if (best == nullptr || m.step > best->step ||
        (m.step == best->step && m.timestamp_ms >= best->timestamp_ms)) {
      best = &m;
    }
  }
  return InTransaction(TransactionMode::kWrite, [&]() -> Status {
    CHURNML_RETURN_IF_ERROR(TouchRun(run_id));
    for (size_t begin = 0; begin < batch.size(); begin += kRowsPerInsert) {
      size_t end = std::min(batch.size(), begin + kRowsPerInsert);
      std::vector<SqlValue> params;
      params.reserve((end - begin) * 5);
      for (size_t i = begin; i < end; ++i) {
        params.insert(params.end(),
                      {run_id, batch[i].key, batch[i].value, batch[i].step, batch[i].timestamp_ms});
      }
      CHURNML_RETURN_IF_ERROR(connection_->Query(
          "INSERT INTO metrics (run_id, key, value, step, timestamp_ms) VALUES " +
              ParameterMarkers(end - begin, 5),
          params));
    }
    std::vector<const Metric*> rows;
    rows.reserve(latest.size());
    for (const auto& [key, m] : latest) rows.push_back(m);
    for (size_t begin = 0; begin < rows.size(); begin += kRowsPerInsert) {
      size_t end = std::min(rows.size(), begin + kRowsPerInsert);
      std::vector<SqlValue> params;
      for (size_t i = begin; i < end; ++i) {
        params.insert(params.end(),
                      {run_id, rows[i]->key, rows[i]->value, rows[i]->step, rows[i]->timestamp_ms});
      }
      CHURNML_RETURN_IF_ERROR(connection_->Query(
          "INSERT INTO latest_metrics (run_id, key, value, step, timestamp_ms) VALUES " +
              ParameterMarkers(end - begin, 5) +
              " ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, "
              "step = excluded.step, timestamp_ms = excluded.timestamp_ms "
              "WHERE excluded.step > latest_metrics.step OR (excluded.step = latest_metrics.step "
              "AND excluded.timestamp_ms >= latest_metrics.timestamp_ms)",
          params));
    }
    return Status::Ok();
  });
}

Status TrackingStore::SetDataFingerprint(const std::string& run_id, const DataFingerprint& data) {
  CHURNML_RETURN_IF_ERROR(ValidateRunId(run_id));
  if (data.content_hash.empty()) return InvalidArgumentError("data fingerprint is empty");
  if (data.row_count < 0) return InvalidArgumentError("data row count is negative");
  return InTransaction(TransactionMode::kWrite, [&]() -> Status {
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows rows,
        connection_->Query("UPDATE runs SET data_hash = ?, data_rows = ?, last_update_ms = ? "
                           "WHERE run_id = ? RETURNING run_id",
                           {data.content_hash, data.row_count, Now(), run_id}));
    if (rows.empty()) return NotFoundError("run " + run_id + " not found in " + Describe());
    return Status::Ok();
  });
}

Status TrackingStore::FinishRun(const std::string& run_id, RunStatus status) {
  if (status == RunStatus::kRunning) {
    return InvalidArgumentError("FinishRun needs FINISHED, FAILED or KILLED, not RUNNING");
  }
  return InTransaction(TransactionMode::kWrite, [&]() -> Status {
    CHURNML_RETURN_IF_ERROR(RequireRun(run_id, true));
    int64_t now = Now();
    return connection_
        ->Query("UPDATE runs SET status = ?, end_time_ms = ?, last_update_ms = ? WHERE run_id = ?",
                {std::string(RunStatusName(status)), now, now, run_id})
        .status();
  });
}

Result<fs::path> TrackingStore::StoreArtifact(const std::string& run_id,
                                              const fs::path& local_dir) {
  std::error_code ec;
  if (!fs::is_directory(local_dir, ec)) {
    return NotFoundError("artifact folder " + local_dir.string() + " does not exist");
  }
  CHURNML_RETURN_IF_ERROR(RequireRun(run_id, false));
  CHURNML_ASSIGN_OR_RETURN(
      SqlRows rows,
      connection_->Query("SELECT artifact_path FROM runs WHERE run_id = ?", {run_id}));
  if (!rows.empty() && !IsNull(rows[0][0])) {
    return AlreadyExistsError("run " + run_id + " already has an artifact at " +
                              (artifact_root_ / AsString(rows[0][0])).string());
  }
  std::string relative = run_id + "/model";
  fs::path final_dir = artifact_root_ / relative;
  // Staged under a temporary sibling and renamed: a crash leaves a staging
  // folder (store check removes it), never a partial folder under the final name.
  CHURNML_ASSIGN_OR_RETURN(StagedDirectory staged,
                           StagedDirectory::Create(final_dir, ExistingPolicy::kFail));
  fs::copy(local_dir, staged.path(), fs::copy_options::recursive, ec);
  if (ec) {
    return IOError("cannot copy " + local_dir.string() + " to " + staged.path().string() + ": " +
                   ec.message());
  }
  Checkpoint("artifact.staged");
  CHURNML_RETURN_IF_ERROR(staged.Commit());
  Checkpoint("artifact.renamed");
  CHURNML_RETURN_IF_TX_ERROR(InTransaction(TransactionMode::kWrite, [&]() -> Status {
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows updated,
        connection_->Query("UPDATE runs SET artifact_path = ?, last_update_ms = ? "
                           "WHERE run_id = ? AND artifact_path IS NULL RETURNING run_id",
                           {relative, Now(), run_id}));
    if (updated.empty()) {
      return AlreadyExistsError("run " + run_id + " got an artifact from another process");
    }
    return Status::Ok();
  }));
  return final_dir;
}

Result<std::vector<Run>> TrackingStore::QueryRuns(const std::string& where,
                                                  const std::vector<SqlValue>& params,
                                                  const std::string& order, int64_t limit) {
  std::string sql = kRunColumns;
  if (!where.empty()) sql += " WHERE " + where;
  sql += " ORDER BY " + (order.empty() ? std::string("r.start_time_ms DESC") : order) +
         ", r.run_id ASC";
  std::vector<SqlValue> all = params;
  if (limit > 0) {
    sql += " LIMIT ?";
    all.emplace_back(limit);
  }
  std::vector<Run> runs;
  int64_t now = Now();
  CHURNML_RETURN_IF_TX_ERROR(InTransaction(TransactionMode::kRead, [&]() -> Status {
    runs.clear();
    CHURNML_ASSIGN_OR_RETURN(SqlRows rows, connection_->Query(sql, all));
    runs.reserve(rows.size());
    for (const SqlRow& row : rows) {
      Run run;
      run.run_id = AsString(row[0]);
      run.experiment = AsString(row[1]);
      Result<RunStatus> status = ParseRunStatus(AsString(row[2]));
      run.status = status.ok() ? *status : RunStatus::kFailed;
      run.start_time_ms = AsInt(row[3]);
      if (!IsNull(row[4])) run.end_time_ms = AsInt(row[4]);
      run.last_update_ms = IsNull(row[5]) ? run.start_time_ms : AsInt(row[5]);
      run.stale = run.status == RunStatus::kRunning &&
                  now - run.last_update_ms > options_.stale_after.count();
      run.churnml_version = AsString(row[6]);
      run.build_commit = AsString(row[7]);
      if (!IsNull(row[8])) run.data = DataFingerprint{AsString(row[8]), AsInt(row[9])};
      if (!IsNull(row[10])) run.artifact_path = artifact_root_ / AsString(row[10]);
      if (!IsNull(row[11])) run.deleted_ms = AsInt(row[11]);
      runs.push_back(std::move(run));
    }
    return LoadRunDetails(runs);
  }));
  return runs;
}

Status TrackingStore::LoadRunDetails(std::vector<Run>& runs) {
  std::map<std::string, Run*> by_id;
  for (Run& run : runs) by_id[run.run_id] = &run;
  for (size_t begin = 0; begin < runs.size(); begin += kRowsPerInsert) {
    size_t end = std::min(runs.size(), begin + kRowsPerInsert);
    std::vector<SqlValue> ids;
    std::string in = "(";
    for (size_t i = begin; i < end; ++i) {
      in += i == begin ? "?" : ", ?";
      ids.emplace_back(runs[i].run_id);
    }
    in += ")";
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows params,
        connection_->Query("SELECT run_id, key, value FROM params WHERE run_id IN " + in, ids));
    for (const SqlRow& row : params)
      by_id[AsString(row[0])]->params[AsString(row[1])] = AsString(row[2]);
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows tags,
        connection_->Query("SELECT run_id, key, value FROM tags WHERE run_id IN " + in, ids));
    for (const SqlRow& row : tags)
      by_id[AsString(row[0])]->tags[AsString(row[1])] = AsString(row[2]);
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows metrics,
        connection_->Query(
            "SELECT run_id, key, value, step, timestamp_ms FROM latest_metrics WHERE run_id IN " +
                in,
            ids));
    for (const SqlRow& row : metrics) {
      std::string key = AsString(row[1]);
      by_id[AsString(row[0])]->metrics[key] =
          Metric{key, AsDouble(row[2]), AsInt(row[3]), AsInt(row[4])};
    }
  }
  return Status::Ok();
}

Result<Run> TrackingStore::GetRun(const std::string& run_id) {
  CHURNML_RETURN_IF_ERROR(ValidateRunId(run_id));
  CHURNML_ASSIGN_OR_RETURN(std::vector<Run> runs, QueryRuns("r.run_id = ?", {run_id}, "", 1));
  if (runs.empty()) return NotFoundError("run " + run_id + " not found in " + Describe());
  return std::move(runs.front());
}

Result<std::vector<Metric>> TrackingStore::GetMetricHistory(const std::string& run_id,
                                                            const std::string& key) {
  CHURNML_RETURN_IF_ERROR(RequireRun(run_id, false));
  std::string sql = "SELECT key, value, step, timestamp_ms FROM metrics WHERE run_id = ?";
  std::vector<SqlValue> params{run_id};
  if (!key.empty()) {
    sql += " AND key = ?";
    params.emplace_back(key);
  }
  sql += " ORDER BY key, step, timestamp_ms";
  CHURNML_ASSIGN_OR_RETURN(SqlRows rows, connection_->Query(sql, params));
  std::vector<Metric> history;
  history.reserve(rows.size());
  for (const SqlRow& row : rows) {
    history.push_back(Metric{AsString(row[0]), AsDouble(row[1]), AsInt(row[2]), AsInt(row[3])});
  }
  return history;
}

Result<std::vector<Run>> TrackingStore::ListRuns(const RunQuery& query) {
  if (query.limit < 0) return InvalidArgumentError("--limit must be 0 (no limit) or positive");
  CHURNML_ASSIGN_OR_RETURN(SqlFragment filter, TranslateRunFilter(query.filter));
  CHURNML_ASSIGN_OR_RETURN(SqlFragment order, TranslateRunOrder(query.order_by));
  CHURNML_RETURN_IF_ERROR(
      CheckKeysExist(*connection_, Describe(), "filter", filter.references, query));
  CHURNML_RETURN_IF_ERROR(
      CheckKeysExist(*connection_, Describe(), "order-by", order.references, query));
  std::string where;
  std::vector<SqlValue> params;
  if (!query.experiment.empty()) {
    CHURNML_RETURN_IF_ERROR(ValidateName("experiment name", query.experiment));
    CHURNML_ASSIGN_OR_RETURN(std::vector<std::string> experiments, ListExperiments());
    if (std::find(experiments.begin(), experiments.end(), query.experiment) == experiments.end()) {
      return NotFoundError("experiment \"" + query.experiment + "\" not found in " + Describe() +
                           " (experiments: " + Join(experiments, ", ") + ")");
    }
    where = "e.name = ?";
    params.emplace_back(query.experiment);
  }
  if (query.lifecycle != RunLifecycle::kAll) {
    where += std::string(where.empty() ? "" : " AND ") + "r.deleted_ms IS " +
             (query.lifecycle == RunLifecycle::kActive ? "NULL" : "NOT NULL");
  }
  if (!filter.sql.empty()) {
    where += (where.empty() ? "" : " AND ") + filter.sql;
    params.insert(params.end(), filter.params.begin(), filter.params.end());
  }
  params.insert(params.end(), order.params.begin(), order.params.end());
  return QueryRuns(where, params, order.sql, query.limit);
}

Result<std::vector<std::string>> TrackingStore::ListExperiments() {
  CHURNML_ASSIGN_OR_RETURN(SqlRows rows,
                           connection_->Query("SELECT name FROM experiments ORDER BY name", {}));
  std::vector<std::string> names;
  for (const SqlRow& row : rows) names.push_back(AsString(row[0]));
  return names;
}

Result<std::string> TrackingStore::ResolveRunId(const std::string& id_or_prefix) {
  CHURNML_RETURN_IF_ERROR(ValidateRunIdPrefix(id_or_prefix));
  // Hex digits only (validated), so the prefix has no LIKE wildcards.
  constexpr int64_t kShown = 10;
  CHURNML_ASSIGN_OR_RETURN(SqlRows rows,
                           connection_->Query("SELECT run_id FROM runs WHERE run_id LIKE ? "
                                              "ORDER BY run_id LIMIT ?",
                                              {id_or_prefix + "%", kShown + 1}));
  if (rows.empty()) {
    return NotFoundError("no run id starts with " + id_or_prefix + " in " + Describe());
  }
  if (rows.size() == 1) return AsString(rows[0][0]);
  std::vector<std::string> ids;
  for (size_t i = 0; i < rows.size() && i < static_cast<size_t>(kShown); ++i)
    ids.push_back(AsString(rows[i][0]));
  return InvalidArgumentError(
      "run id prefix " + id_or_prefix + " is ambiguous: it matches " + Join(ids, ", ") +
      (rows.size() > static_cast<size_t>(kShown) ? " and more" : "") + " (give more digits)");
}

Status TrackingStore::DeleteRun(const std::string& run_id) {
  return InTransaction(TransactionMode::kWrite, [&]() -> Status {
    CHURNML_RETURN_IF_ERROR(RequireRun(run_id, false));
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows versions,
        connection_->Query("SELECT name, version FROM model_versions WHERE run_id = ? "
                           "ORDER BY name, version",
                           {run_id}));
    if (!versions.empty()) {
      std::vector<std::string> refs;
      for (const SqlRow& row : versions) refs.push_back(AsString(row[0]) + "/" + AsString(row[1]));
      return FailedPreconditionError("run " + run_id + " is the source of model version(s) " +
                                     Join(refs, ", ") + ": delete those versions first");
    }
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows updated,
        connection_->Query("UPDATE runs SET deleted_ms = ? WHERE run_id = ? AND deleted_ms IS NULL "
                           "RETURNING run_id",
                           {Now(), run_id}));
    if (updated.empty()) return FailedPreconditionError("run " + run_id + " is already deleted");
    return Status::Ok();
  });
}

Status TrackingStore::RestoreRun(const std::string& run_id) {
  return InTransaction(TransactionMode::kWrite, [&]() -> Status {
    CHURNML_RETURN_IF_ERROR(RequireRun(run_id, false));
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows updated, connection_->Query("UPDATE runs SET deleted_ms = NULL WHERE run_id = ? "
                                            "AND deleted_ms IS NOT NULL RETURNING run_id",
                                            {run_id}));
    if (updated.empty()) return FailedPreconditionError("run " + run_id + " is not deleted");
    return Status::Ok();
  });
}

Result<GcReport> TrackingStore::PurgeDeletedRuns(std::chrono::milliseconds older_than) {
  if (older_than.count() < 0) return InvalidArgumentError("--older-than must not be negative");
  GcReport report;
  const int64_t cutoff = Now() - older_than.count();
  CHURNML_RETURN_IF_TX_ERROR(InTransaction(TransactionMode::kWrite, [&]() -> Status {
    report = GcReport{};
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows rows,
        connection_->Query("SELECT r.run_id, (SELECT COUNT(*) FROM model_versions v "
                           "WHERE v.run_id = r.run_id) FROM runs r "
                           "WHERE r.deleted_ms IS NOT NULL AND r.deleted_ms <= ? ORDER BY r.run_id",
                           {cutoff}));
    for (const SqlRow& row : rows) {
      const std::string id = AsString(row[0]);
      if (AsInt(row[1]) != 0) {
        report.kept_runs.push_back(id);
        continue;
      }
      CHURNML_RETURN_IF_ERROR(connection_->Query("DELETE FROM runs WHERE run_id = ?", {id}));
      report.purged_runs.push_back(id);
    }
    return Status::Ok();
  }));
  // After the commit: a crash here leaves orphan folders for store check.
  for (const std::string& id : report.purged_runs) {
    std::error_code ec;
    fs::remove_all(artifact_root_ / id, ec);
    if (ec) return IOError("run " + id + " purged, but its artifacts remain: " + ec.message());
  }
  return report;
}

}  // namespace churnml::tracking
