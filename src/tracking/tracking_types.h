// The records of experiment tracking and the model registry (MLflow's model
// of the problem): experiments, runs with params/metrics/tags, registered
// models, their versions and aliases. Plain values; TrackingStore reads and
// writes them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace churnml::tracking {

enum class RunStatus { kRunning, kFinished, kFailed, kKilled };

// "RUNNING", "FINISHED", "FAILED", "KILLED".
std::string_view RunStatusName(RunStatus status);
// Case-insensitive; InvalidArgument lists the valid names.
Result<RunStatus> ParseRunStatus(std::string_view name);

// One metric observation. step: fold or boosting round (0 when unused);
// timestamp_ms: milliseconds since the Unix epoch (0 = "now" when logging).
struct Metric {
  std::string key;
  double value = 0;
  int64_t step = 0;
  int64_t timestamp_ms = 0;
};

// The training data a run saw.
struct DataFingerprint {
  std::string content_hash;  // e.g. Fingerprinter::HexDigest()
  int64_t row_count = 0;
};

struct Run {
  std::string run_id;  // 32 lowercase hex digits
  std::string experiment;
  RunStatus status = RunStatus::kRunning;
  int64_t start_time_ms = 0;
  std::optional<int64_t> end_time_ms;
  int64_t last_update_ms = 0;  // last write to the run (heartbeat for stale detection)
  // RUNNING with no write for longer than StoreOptions::stale_after: its
  // process most likely died.
  bool stale = false;
  std::map<std::string, std::string> params;
  std::map<std::string, std::string> tags;
  std::map<std::string, Metric> metrics;  // latest value per key (highest step)
  std::optional<DataFingerprint> data;
  std::string churnml_version;
  std::string build_commit;
  std::optional<std::filesystem::path> artifact_path;  // absolute; set by StoreArtifact
  // Set when the run was deleted (soft: restorable until `store gc` purges it).
  std::optional<int64_t> deleted_ms;
};

struct ModelVersion {
  std::string model;
  int64_t version = 0;  // 1, 2, 3, … per model, never reused
  std::string run_id;
  std::filesystem::path artifact_path;  // absolute
  int64_t created_ms = 0;
  std::map<std::string, double> metrics;  // the run's latest metrics at registration
  std::vector<std::string> aliases;       // sorted
  // SHA-256 (hex) of each artifact file at registration; empty for versions
  // registered before schema version 3.
  std::map<std::string, std::string> artifact_sha256;
};

// What a model reference (NAME@ALIAS, NAME/VERSION, a directory) names.
struct ResolvedModel {
  std::string model;  // empty for a directory
  int64_t version = 0;
  std::filesystem::path artifact_path;
  // The store's record of the artifact's files (file name → SHA-256 hex),
  // taken at registration. Empty for a directory and for versions
  // registered before the store recorded checksums (schema version 3).
  std::map<std::string, std::string> artifact_sha256;
};

struct AliasState {
  int64_t version = 0;
  int64_t updated_ms = 0;
};

// A compare-and-set move of an alias, recorded on a run (TrackingStore::PromoteAlias).
struct AliasPromotion {
  std::string model;
  std::string alias = "champion";
  int64_t expected_version = 0;  // where `alias` must still point
  int64_t new_version = 0;
  std::string previous_alias = "previous";  // gets expected_version
  int64_t cooldown_ms = 0;                  // refuse when `alias` moved more recently
  std::string run_id;                       // the decision run, finished in the same transaction
  std::map<std::string, std::string> tags;  // set on the run
};

struct RegisteredModel {
  std::string name;
  int64_t created_ms = 0;
  int64_t latest_version = 0;              // 0 when every version was deleted or none exists
  std::map<std::string, int64_t> aliases;  // alias → version
  std::vector<ModelVersion> versions;      // filled by GetModel, ascending
};

// Which runs a listing includes: deleted runs stay out of sight until asked for.
enum class RunLifecycle { kActive, kDeleted, kAll };

// What `runs list` asks for.
struct RunQuery {
  std::string experiment;  // empty: all experiments
  std::string filter;      // e.g. "metrics.roc_auc > 0.85 and params.model = 'xgboost'"
  std::string order_by;    // e.g. "metrics.roc_auc desc"; empty: newest first
  int64_t limit = 100;     // rows; 0 = no limit
  RunLifecycle lifecycle = RunLifecycle::kActive;
  // Former spellings of metric keys → the current key (e.g. "pr_auc" →
  // "average_precision"), so an error about an unknown key can say what it
  // is called now. The store itself knows no metric names.
  std::map<std::string, std::string> renamed_metrics;
};

// What `store gc` removed for good.
struct GcReport {
  std::vector<std::string> purged_runs;  // ids, ascending
  // Deleted runs kept because a model version still comes from them.
  std::vector<std::string> kept_runs;
};

enum class RepairMode { kReportOnly, kRepair };

struct VersionRef {
  std::string model;
  int64_t version = 0;
};

// What `store check` found (and, with kRepair, fixed).
struct StoreCheckReport {
  // Staging folders ("<dir>/.<name>.tmp-<pid>-<n>") left by a killed process.
  std::vector<std::filesystem::path> temporary_folders;
  // Artifact folders that no run refers to.
  std::vector<std::filesystem::path> orphan_artifacts;
  // Versions whose artifact folder is missing.
  std::vector<VersionRef> versions_without_artifact;
  // Runs whose recorded artifact folder is missing.
  std::vector<std::string> runs_with_missing_artifact;
  // RUNNING runs with no write for longer than stale_after (repair: KILLED).
  std::vector<std::string> stale_runs;
  bool repaired = false;

  bool clean() const {
    return temporary_folders.empty() && orphan_artifacts.empty() &&
           versions_without_artifact.empty() && runs_with_missing_artifact.empty() &&
           stale_runs.empty();
  }
};

}  // namespace churnml::tracking
