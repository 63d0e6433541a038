// TrackingStore::Check: finds (and with kRepair, fixes) what a crash can leave
// behind — staging folders, artifact folders no run refers to, versions or
// runs whose artifact is gone, and RUNNING runs whose process died.
#include <signal.h>

#include <cerrno>
#include <set>
#include <system_error>

#include "common/strings.h"
#include "tracking/names.h"
#include "tracking/tracking_store.h"

namespace churnml::tracking {
namespace fs = std::filesystem;

namespace {

// StagedDirectory's staging names: ".<name>.tmp-<pid>-<n>". Returns the pid,
// or 0 when `name` is not a staging name.
long StagingPid(const std::string& name) {
  if (name.empty() || name[0] != '.') return 0;
  size_t tmp = name.rfind(".tmp-");
  if (tmp == std::string::npos) return 0;
  std::string rest = name.substr(tmp + 5);
  size_t dash = rest.find('-');
  if (dash == std::string::npos) return 0;
  std::optional<int64_t> pid = ParseInt(rest.substr(0, dash));
  return pid && *pid > 0 ? static_cast<long>(*pid) : 0;
}

bool ProcessAlive(long pid) { return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM; }

// Old enough that no live writer can still be working on it.
bool OlderThan(const fs::path& path, std::chrono::milliseconds grace) {
  std::error_code ec;
  auto modified = fs::last_write_time(path, ec);
  if (ec) return false;
  return fs::file_time_type::clock::now() - modified >= grace;
}

}  // namespace

Result<StoreCheckReport> TrackingStore::Check(RepairMode mode) {
  StoreCheckReport report;
  int64_t stale_before = Now() - options_.stale_after.count();
  CHURNML_RETURN_IF_TX_ERROR(InTransaction(TransactionMode::kWrite, [&]() -> Status {
    report = StoreCheckReport{};
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows stale, connection_->Query("SELECT run_id FROM runs WHERE status = 'RUNNING' AND "
                                          "last_update_ms < ? ORDER BY run_id",
                                          {stale_before}));
    for (const SqlRow& row : stale) report.stale_runs.push_back(AsString(row[0]));

    std::error_code ec;
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows versions,
        connection_->Query(
            "SELECT name, version, artifact_path FROM model_versions ORDER BY name, version", {}));
    for (const SqlRow& row : versions) {
      if (!fs::is_directory(artifact_root_ / AsString(row[2]), ec)) {
        report.versions_without_artifact.push_back({AsString(row[0]), AsInt(row[1])});
      }
    }
    CHURNML_ASSIGN_OR_RETURN(SqlRows runs,
                             connection_->Query("SELECT run_id, artifact_path FROM runs WHERE "
                                                "artifact_path IS NOT NULL ORDER BY run_id",
                                                {}));
    for (const SqlRow& row : runs) {
      if (!fs::is_directory(artifact_root_ / AsString(row[1]), ec)) {
        report.runs_with_missing_artifact.push_back(AsString(row[0]));
      }
    }
    if (mode != RepairMode::kRepair) return Status::Ok();
    for (const std::string& run_id : report.stale_runs) {
      CHURNML_RETURN_IF_ERROR(connection_->Query(
          "UPDATE runs SET status = 'KILLED', end_time_ms = last_update_ms WHERE run_id = ?",
          {run_id}));
    }
    for (const VersionRef& v : report.versions_without_artifact) {
      CHURNML_RETURN_IF_ERROR(connection_->Query(
          "DELETE FROM aliases WHERE name = ? AND version = ?", {v.model, v.version}));
      CHURNML_RETURN_IF_ERROR(connection_->Query(
          "DELETE FROM model_versions WHERE name = ? AND version = ?", {v.model, v.version}));
    }
    for (const std::string& run_id : report.runs_with_missing_artifact) {
      CHURNML_RETURN_IF_ERROR(
          connection_->Query("UPDATE runs SET artifact_path = NULL WHERE run_id = ? AND NOT EXISTS "
                             "(SELECT 1 FROM model_versions v WHERE v.run_id = runs.run_id)",
                             {run_id}));
    }
    return Status::Ok();
  }));
  CHURNML_RETURN_IF_ERROR(CheckArtifacts(mode, report));
  report.repaired = mode == RepairMode::kRepair;
  return report;
}

Status TrackingStore::CheckArtifacts(RepairMode mode, StoreCheckReport& report) {
  CHURNML_ASSIGN_OR_RETURN(
      SqlRows rows,
      connection_->Query("SELECT artifact_path FROM runs WHERE artifact_path IS NOT NULL "
                         "UNION SELECT artifact_path FROM model_versions",
                         {}));
  std::set<fs::path> referenced;
  std::set<std::string> referenced_runs;
  for (const SqlRow& row : rows) {
    fs::path relative = AsString(row[0]);
    referenced.insert(relative.lexically_normal());
    referenced_runs.insert(relative.begin()->string());
  }
  CHURNML_ASSIGN_OR_RETURN(SqlRows run_rows, connection_->Query("SELECT run_id FROM runs", {}));
  std::set<std::string> known_runs;
  for (const SqlRow& row : run_rows) known_runs.insert(AsString(row[0]));

  auto consider_staging = [&](const fs::path& path) {
    long pid = StagingPid(path.filename().string());
    if (pid == 0) return false;
    if (!ProcessAlive(pid) && OlderThan(path, options_.repair_grace)) {
      report.temporary_folders.push_back(path);
    }
    return true;
  };
  std::error_code ec;
  for (const auto& top : fs::directory_iterator(artifact_root_, ec)) {
    const fs::path& run_dir = top.path();
    if (consider_staging(run_dir)) continue;
    std::string run_id = run_dir.filename().string();
    if (!top.is_directory() || !ValidateRunId(run_id).ok()) continue;  // not ours
    bool any_child = false;
    std::error_code child_ec;
    for (const auto& child : fs::directory_iterator(run_dir, child_ec)) {
      any_child = true;
      if (consider_staging(child.path())) continue;
      fs::path relative = fs::path(run_id) / child.path().filename();
      if (referenced.count(relative) == 0 && OlderThan(child.path(), options_.repair_grace)) {
        report.orphan_artifacts.push_back(child.path());
      }
    }
    if (!any_child && known_runs.count(run_id) == 0 && OlderThan(run_dir, options_.repair_grace)) {
      report.orphan_artifacts.push_back(run_dir);
    }
  }
  if (ec)
    return IOError("cannot list artifact folder " + artifact_root_.string() + ": " + ec.message());
  if (mode == RepairMode::kRepair) {
    for (const auto& list : {report.temporary_folders, report.orphan_artifacts}) {
      for (const fs::path& path : list) {
        fs::remove_all(path, ec);
        if (ec) return IOError("cannot remove " + path.string() + ": " + ec.message());
        // Drop the run folder too when nothing else is left in it.
        fs::path parent = path.parent_path();
        if (parent != artifact_root_ && fs::is_empty(parent, ec) &&
            known_runs.count(parent.filename().string()) == 0) {
          fs::remove(parent, ec);
        }
      }
    }
  }
  return Status::Ok();
}

}  // namespace churnml::tracking
