// `churnml runs list|show|compare|delete|restore`, `churnml models
// list|show|register|alias set|alias delete|delete-version`, `churnml store
// check|gc`. Each parses flags, opens the store from --store, calls one
// TrackingStore (or pipeline) function and prints a table (stdout) or --json
// (docs/store.md). Run ids may be unique prefixes, as git takes commit ids.
//
// Past 800 lines because the three families share one set of table, JSON and
// confirmation helpers and one registration function; each command function
// stays under ~60 lines.
#include "cli/tracking_command.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "cli/model_importance_command.h"
#include "cli/model_ref.h"
#include "common/json_dump.h"
#include "common/strings.h"
#include "common/time_format.h"
#include "eval/metric_info.h"
#include "monitoring/alerts/alert_expr.h"
#include "pipeline/tracked_train.h"

namespace churnml::cli {
namespace {

using nlohmann::json;
using tracking::Metric;
using tracking::ModelVersion;
using tracking::RegisteredModel;
using tracking::RunStatus;
using tracking::TrackingStore;

// ---- formatting -----------------------------------------------------------

std::string IsoTime(int64_t ms) {
  return FormatUtcSeconds(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
}

std::string Duration(const tracking::Run& run) {
  if (!run.end_time_ms) return "-";
  double seconds = static_cast<double>(*run.end_time_ms - run.start_time_ms) / 1000.0;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1fs", seconds);
  return buf;
}

std::string StatusText(const tracking::Run& run) {
  std::string s(tracking::RunStatusName(run.status));
  if (run.deleted_ms) return s + " (deleted)";
  return run.stale ? s + " (stale)" : s;
}

// The model kind a run trained ("-" for runs that did not record one).
std::string ModelKind(const tracking::Run& run) {
  auto it = run.params.find("model");
  return it == run.params.end() ? "-" : it->second;
}

std::string MetricText(double v) {
  if (std::isnan(v)) return "nan";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

// Left-aligned columns separated by two spaces.
void PrintTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(widths[c] - row[c].size() + 2, ' ');
    }
    std::cout << line << '\n';
  }
}

json NumberOrNull(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json RunJson(const tracking::Run& run) {
  json metrics = json::object();
  for (const auto& [key, m] : run.metrics) {
    metrics[key] = {
        {"value", NumberOrNull(m.value)}, {"step", m.step}, {"timestamp_ms", m.timestamp_ms}};
  }
  json data = nullptr;
  if (run.data) data = {{"fingerprint", run.data->content_hash}, {"rows", run.data->row_count}};
  return {{"run_id", run.run_id},
          {"experiment", run.experiment},
          {"status", tracking::RunStatusName(run.status)},
          {"stale", run.stale},
          {"start_time_ms", run.start_time_ms},
          {"end_time_ms", run.end_time_ms ? json(*run.end_time_ms) : json(nullptr)},
          {"last_update_ms", run.last_update_ms},
          {"params", run.params},
          {"metrics", metrics},
          {"tags", run.tags},
          {"data", data},
          {"churnml_version", run.churnml_version},
          {"build_commit", run.build_commit},
          {"artifact_path", run.artifact_path ? json(run.artifact_path->string()) : json(nullptr)},
          {"deleted_ms", run.deleted_ms ? json(*run.deleted_ms) : json(nullptr)}};
}

json VersionJson(const ModelVersion& v) {
  json metrics = json::object();
  for (const auto& [key, value] : v.metrics) metrics[key] = NumberOrNull(value);
  return {{"version", v.version},
          {"run_id", v.run_id},
          {"artifact_path", v.artifact_path.string()},
          {"created_ms", v.created_ms},
          {"metrics", metrics},
          {"aliases", v.aliases}};
}

json ModelJson(const RegisteredModel& m, bool with_versions) {
  json out = {{"name", m.name},
              {"created_ms", m.created_ms},
              {"latest_version", m.latest_version == 0 ? json(nullptr) : json(m.latest_version)},
              {"aliases", m.aliases}};
  if (with_versions) {
    json versions = json::array();
    for (const ModelVersion& v : m.versions) versions.push_back(VersionJson(v));
    out["versions"] = versions;
  }
  return out;
}

void PrintJson(const json& j) { std::cout << DumpJson(j, 2) << '\n'; }

// Former metric spellings → current names, from the eval catalogue, so a
// filter on "metrics.pr_auc" is told it is now "metrics.average_precision".
std::map<std::string, std::string> RenamedMetrics() {
  std::map<std::string, std::string> renamed;
  for (const MetricInfo& info : MetricCatalog()) {
    if (!info.former_name.empty()) renamed[std::string(info.former_name)] = std::string(info.name);
  }
  return renamed;
}

// Asks on the terminal; true without asking when stdin is not a terminal
// (scripts) or `yes` is set. The question goes to stderr.
bool Confirmed(const std::string& question, bool yes) {
  if (yes || isatty(STDIN_FILENO) == 0) return true;
  std::fprintf(stderr, "%s [y/N] ", question.c_str());
  std::fflush(stderr);
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  answer = std::string(Trim(answer));
  return answer == "y" || answer == "Y" || answer == "yes" || answer == "YES";
}

// ---- flags ------------------------------------------------------------------

struct ListFlags {
  std::string experiment;
  std::string filter;
  std::string order_by;
  int64_t limit = 50;
  int64_t stale_after_s = 6 * 3600;
  bool json = false;
  bool quiet = false;    // ids only, one per line
  bool deleted = false;  // deleted runs instead of live ones
};

struct ShowFlags {
  std::string id;
  bool json = false;
  bool importance = false;  // models show: the artifact's feature importance
  int top = 20;             // models show --importance: columns listed; 0 = all
};

struct CompareFlags {
  std::vector<std::string> ids;
  bool json = false;
};

struct DeleteFlags {
  std::vector<std::string> ids;
  bool yes = false;
};

struct GcFlags {
  std::string older_than = "30d";
  bool yes = false;
  bool json = false;
};

struct RegisterFlags {
  std::string dir;
  std::string name;
  std::string alias;
  std::string experiment = "default";
  bool json = false;
};

struct AliasFlags {
  std::string model;
  std::string alias;
  int64_t version = 0;
};

struct CheckFlags {
  bool repair = false;
  bool json = false;
  int64_t stale_after_s = 6 * 3600;
  int64_t grace_s = 600;
};

Result<std::unique_ptr<TrackingStore>> OpenFor(const GlobalOptions& globals,
                                               int64_t stale_after_s = 6 * 3600,
                                               int64_t grace_s = 600) {
  // Every command here reads or changes what a store holds: none creates one.
  CHURNML_RETURN_IF_ERROR(RequireExistingStore(globals.store));
  tracking::StoreOptions options = TrackingStoreOptions(globals);
  if (stale_after_s <= 0) return InvalidArgumentError("--stale-after must be positive (seconds)");
  if (grace_s < 0) return InvalidArgumentError("--grace must be 0 or positive (seconds)");
  options.stale_after = std::chrono::seconds(stale_after_s);
  options.repair_grace = std::chrono::seconds(grace_s);
  return TrackingStore::Open(options);
}

// ---- runs -------------------------------------------------------------------

// Full ids for the given ids or unique prefixes, in order; the first
// failure (unknown or ambiguous prefix) is the error.
Result<std::vector<std::string>> ResolveRunIds(TrackingStore& store,
                                               const std::vector<std::string>& ids) {
  std::vector<std::string> full;
  for (const std::string& id : ids) {
    CHURNML_ASSIGN_OR_RETURN(std::string resolved, store.ResolveRunId(id));
    full.push_back(std::move(resolved));
  }
  return full;
}

// The metric columns of `runs list`: the ones the filter or order mentions,
// then eval's headline metrics (ROC AUC first) that some listed run has, then
// the most common others, at most five in all.
std::vector<std::string> ListColumns(const ListFlags& f, const std::vector<tracking::Run>& runs) {
  constexpr size_t kMaxColumns = 5;
  std::map<std::string, int> counts;
  for (const auto& run : runs) {
    for (const auto& [key, m] : run.metrics) ++counts[key];
  }
  std::vector<std::string> keys;
  auto add = [&](const std::string& key) {
    if (keys.size() < kMaxColumns && counts.count(key) != 0 &&
        std::find(keys.begin(), keys.end(), key) == keys.end()) {
      keys.push_back(key);
    }
  };
  for (const auto& [key, n] : counts) {
    if ((f.filter + " " + f.order_by).find("metrics." + key) != std::string::npos) add(key);
  }
  for (const std::string& key : HeadlineMetrics()) add(key);
  std::vector<std::pair<int, std::string>> common;
  common.reserve(counts.size());
  for (const auto& [key, n] : counts) common.push_back({-n, key});
  std::sort(common.begin(), common.end());
  for (const auto& [n, key] : common) add(key);
  return keys;
}

int RunsList(const ListFlags& f, const GlobalOptions& g) {
  auto store = OpenFor(g, f.stale_after_s);
  if (!store.ok()) return ReportError(store.status());
  tracking::RunQuery query;
  query.experiment = f.experiment;
  query.filter = f.filter;
  query.order_by = f.order_by;
  query.limit = f.limit;
  query.lifecycle = f.deleted ? tracking::RunLifecycle::kDeleted : tracking::RunLifecycle::kActive;
  query.renamed_metrics = RenamedMetrics();
  auto runs = (*store)->ListRuns(query);
  if (!runs.ok()) return ReportError(runs.status());
  if (f.json) {
    json list = json::array();
    for (const auto& run : *runs) list.push_back(RunJson(run));
    PrintJson({{"runs", list}});
    return kExitOk;
  }
  if (f.quiet) {
    for (const auto& run : *runs) std::cout << run.run_id << '\n';
    return kExitOk;
  }
  const std::vector<std::string> keys = ListColumns(f, *runs);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {"RUN ID", "EXPERIMENT", "STATUS",
                                     "MODEL",  "START",      "DURATION"};
  for (const auto& key : keys) header.push_back(key);
  rows.push_back(header);
  for (const auto& run : *runs) {
    std::vector<std::string> row = {
        run.run_id,   run.experiment, StatusText(run), ModelKind(run), IsoTime(run.start_time_ms),
        Duration(run)};
    for (const auto& key : keys) {
      auto it = run.metrics.find(key);
      row.push_back(it == run.metrics.end() ? "-" : MetricText(it->second.value));
    }
    rows.push_back(row);
  }
  PrintTable(rows);
  Say(std::to_string(runs->size()) + (f.deleted ? " deleted" : "") + " run(s) in " +
      (*store)->Describe());
  return kExitOk;
}

int RunsShow(const ShowFlags& f, const GlobalOptions& g) {
  auto store = OpenFor(g);
  if (!store.ok()) return ReportError(store.status());
  auto id = (*store)->ResolveRunId(f.id);
  if (!id.ok()) return ReportError(id.status());
  auto run = (*store)->GetRun(*id);
  if (!run.ok()) return ReportError(run.status());
  auto history = (*store)->GetMetricHistory(*id);
  if (!history.ok()) return ReportError(history.status());
  if (f.json) {
    json j = RunJson(*run);
    json hist = json::object();
    for (const Metric& m : *history) {
      hist[m.key].push_back(
          {{"value", NumberOrNull(m.value)}, {"step", m.step}, {"timestamp_ms", m.timestamp_ms}});
    }
    j["metric_history"] = hist;
    PrintJson(j);
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows = {
      {"run", run->run_id},
      {"experiment", run->experiment},
      {"status", StatusText(*run)},
      {"start", IsoTime(run->start_time_ms)},
      {"end", run->end_time_ms ? IsoTime(*run->end_time_ms) : "-"},
      {"duration", Duration(*run)},
      {"churnml", run->churnml_version + " (" + run->build_commit + ")"},
      {"data", run->data
                   ? run->data->content_hash + " (" + FormatCount(run->data->row_count) + " rows)"
                   : "-"},
      {"artifact", run->artifact_path ? run->artifact_path->string() : "-"}};
  if (run->deleted_ms) rows.push_back({"deleted", IsoTime(*run->deleted_ms)});
  for (const auto& [k, v] : run->params) rows.push_back({"param " + k, v});
  // A metric observed at several steps (cross-validation folds) shows every
  // step's value; the others show their one value.
  std::map<std::string, std::vector<const Metric*>> steps;
  for (const Metric& m : *history) steps[m.key].push_back(&m);
  for (const auto& [k, m] : run->metrics) {
    const auto& observed = steps[k];
    if (observed.size() > 1) {
      std::vector<std::string> values;
      for (const Metric* o : observed) values.push_back(MetricText(o->value));
      rows.push_back({"metric " + k, Join(values, " ") + " (steps " +
                                         std::to_string(observed.front()->step) + "-" +
                                         std::to_string(observed.back()->step) + ")"});
    } else {
      rows.push_back({"metric " + k, MetricText(m.value)});
    }
  }
  for (const auto& [k, v] : run->tags) rows.push_back({"tag " + k, v});
  PrintTable(rows);
  return kExitOk;
}

int RunsCompare(const CompareFlags& f, const GlobalOptions& g) {
  if (f.ids.size() < 2)
    return ReportError(InvalidArgumentError("runs compare needs at least two run ids"));
  auto store = OpenFor(g);
  if (!store.ok()) return ReportError(store.status());
  auto ids = ResolveRunIds(**store, f.ids);
  if (!ids.ok()) return ReportError(ids.status());
  std::vector<tracking::Run> runs;
  for (const auto& id : *ids) {
    auto run = (*store)->GetRun(id);
    if (!run.ok()) return ReportError(run.status());
    runs.push_back(std::move(run).value());
  }
  std::set<std::string> param_keys, metric_keys;
  for (const auto& run : runs) {
    for (const auto& [k, v] : run.params) param_keys.insert(k);
    for (const auto& [k, m] : run.metrics) {
      // Per-fold values are a history (runs show); their mean and std compare.
      if (k.rfind("cv_", 0) == 0 && k.size() > 5 && k.substr(k.size() - 5) == "_fold") continue;
      metric_keys.insert(k);
    }
  }
  // The best run per metric whose direction eval knows; none for the others
  // (a user's own metric) and none when every run ties.
  std::map<std::string, std::string> best;
  for (const auto& key : metric_keys) {
    std::optional<MetricGoal> goal = GoalOf(key);
    if (!goal) continue;
    const bool lower = *goal == MetricGoal::kMinimize;
    std::optional<double> best_value;
    std::set<double> seen;
    for (const auto& run : runs) {
      auto it = run.metrics.find(key);
      if (it == run.metrics.end() || std::isnan(it->second.value)) continue;
      double v = it->second.value;
      seen.insert(v);
      if (!best_value || (lower ? v < *best_value : v > *best_value)) {
        best[key] = run.run_id;
        best_value = v;
      }
    }
    if (seen.size() < 2) best.erase(key);
  }
  if (f.json) {
    json params = json::object(), metrics = json::object();
    for (const auto& key : param_keys) {
      json values = json::object();
      for (const auto& run : runs) {
        auto it = run.params.find(key);
        values[run.run_id] = it == run.params.end() ? json(nullptr) : json(it->second);
      }
      params[key] = values;
    }
    for (const auto& key : metric_keys) {
      json values = json::object();
      for (const auto& run : runs) {
        auto it = run.metrics.find(key);
        values[run.run_id] =
            it == run.metrics.end() ? json(nullptr) : NumberOrNull(it->second.value);
      }
      std::optional<MetricGoal> goal = GoalOf(key);
      metrics[key] = {{"values", values},
                      {"goal", goal ? json(std::string(MetricGoalName(*goal))) : json(nullptr)},
                      {"best", best.count(key) ? json(best[key]) : json(nullptr)}};
    }
    PrintJson({{"runs", *ids}, {"params", params}, {"metrics", metrics}});
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {""};
  for (const auto& run : runs) header.push_back(run.run_id.substr(0, 12));
  rows.push_back(header);
  for (const auto& key : param_keys) {
    std::vector<std::string> row = {"param " + key};
    for (const auto& run : runs) {
      auto it = run.params.find(key);
      row.push_back(it == run.params.end() ? "-" : it->second);
    }
    rows.push_back(row);
  }
  for (const auto& key : metric_keys) {
    std::optional<MetricGoal> goal = GoalOf(key);
    std::string label = "metric " + key;
    if (goal) label += *goal == MetricGoal::kMaximize ? " (max)" : " (min)";
    std::vector<std::string> row = {label};
    for (const auto& run : runs) {
      auto it = run.metrics.find(key);
      std::string cell = it == run.metrics.end() ? "-" : MetricText(it->second.value);
      if (best.count(key) && best[key] == run.run_id) cell += " *";
      row.push_back(cell);
    }
    rows.push_back(row);
  }
  PrintTable(rows);
  Say("* marks the best value of each metric whose direction is known: (max) higher is better, "
      "(min) lower is better");
  return kExitOk;
}

int RunsDelete(const DeleteFlags& f, const GlobalOptions& g) {
  auto store = OpenFor(g);
  if (!store.ok()) return ReportError(store.status());
  auto ids = ResolveRunIds(**store, f.ids);
  if (!ids.ok()) return ReportError(ids.status());
  std::string what =
      ids->size() == 1 ? "run " + ids->front() : std::to_string(ids->size()) + " runs";
  if (!Confirmed("delete " + what +
                     "? (restorable with `churnml runs restore` until `churnml "
                     "store gc`)",
                 f.yes)) {
    return ReportError(
        FailedPreconditionError("not confirmed: nothing deleted (--yes skips the "
                                "question)"));
  }
  for (const std::string& id : *ids) {
    Status s = (*store)->DeleteRun(id);
    if (!s.ok()) return ReportError(s);
    Say("deleted run " + id + " (restore with: churnml runs restore " + id.substr(0, 8) + ")");
  }
  return kExitOk;
}

int RunsRestore(const std::vector<std::string>& given, const GlobalOptions& g) {
  auto store = OpenFor(g);
  if (!store.ok()) return ReportError(store.status());
  auto ids = ResolveRunIds(**store, given);
  if (!ids.ok()) return ReportError(ids.status());
  for (const std::string& id : *ids) {
    Status s = (*store)->RestoreRun(id);
    if (!s.ok()) return ReportError(s);
    Say("restored run " + id);
  }
  return kExitOk;
}

// ---- models -----------------------------------------------------------------

int ModelsList(bool as_json, const GlobalOptions& g) {
  auto store = OpenFor(g);
  if (!store.ok()) return ReportError(store.status());
  auto models = (*store)->ListModels();
  if (!models.ok()) return ReportError(models.status());
  if (as_json) {
    json list = json::array();
    for (const auto& m : *models) list.push_back(ModelJson(m, false));
    PrintJson({{"models", list}});
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows = {{"NAME", "LATEST", "ALIASES", "CREATED"}};
  for (const auto& m : *models) {
    std::vector<std::string> aliases;
    for (const auto& [a, v] : m.aliases) aliases.push_back(a + "=" + std::to_string(v));
    rows.push_back({m.name, m.latest_version == 0 ? "-" : std::to_string(m.latest_version),
                    aliases.empty() ? "-" : Join(aliases, ","), IsoTime(m.created_ms)});
  }
  PrintTable(rows);
  return kExitOk;
}

int ModelsShow(const ShowFlags& f, const GlobalOptions& g) {
  auto store = OpenFor(g);
  if (!store.ok()) return ReportError(store.status());
  auto model = (*store)->GetModel(f.id);
  if (!model.ok()) return ReportError(model.status());
  if (f.json) {
    PrintJson(ModelJson(*model, true));
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows = {
      {"VERSION", "ALIASES", "RUN", "CREATED", "METRICS"}};
  for (const auto& v : model->versions) {
    std::vector<std::string> metrics;
    for (const auto& [k, value] : v.metrics) metrics.push_back(k + "=" + MetricText(value));
    rows.push_back({std::to_string(v.version), v.aliases.empty() ? "-" : Join(v.aliases, ","),
                    v.run_id, IsoTime(v.created_ms), metrics.empty() ? "-" : Join(metrics, " ")});
  }
  PrintTable(rows);
  Say("model " + model->name + ": " + std::to_string(model->versions.size()) + " version(s)");
  return kExitOk;
}

int AliasSet(const AliasFlags& f, const GlobalOptions& g) {
  auto store = OpenFor(g);
  if (!store.ok()) return ReportError(store.status());
  Status s = (*store)->SetAlias(f.model, f.alias, f.version);
  if (!s.ok()) return ReportError(s);
  Say(f.model + "@" + f.alias + " → version " + std::to_string(f.version));
  return kExitOk;
}

int AliasDelete(const AliasFlags& f, const GlobalOptions& g) {
  auto store = OpenFor(g);
  if (!store.ok()) return ReportError(store.status());
  Status s = (*store)->DeleteAlias(f.model, f.alias);
  if (!s.ok()) return ReportError(s);
  Say("deleted alias " + f.model + "@" + f.alias);
  return kExitOk;
}

int DeleteVersion(const AliasFlags& f, const GlobalOptions& g) {
  auto store = OpenFor(g);
  if (!store.ok()) return ReportError(store.status());
  Status s = (*store)->DeleteModelVersion(f.model, f.version);
  if (!s.ok()) return ReportError(s);
  Say("deleted version " + std::to_string(f.version) + " of model " + f.model);
  return kExitOk;
}

int ModelsRegister(const RegisterFlags& f, const GlobalOptions& g, const ModelRegistry& models) {
  RegisterArtifactOptions options;
  options.artifact_dir = f.dir;
  options.store = TrackingStoreOptions(g);
  options.experiment = f.experiment;
  options.model_name = f.name;
  options.alias = f.alias;
  RegisteredArtifact out;
  Status s = RegisterArtifact(options, models, &out);
  if (!s.ok()) return ReportError(s);
  if (f.json) {
    PrintJson({{"model", f.name},
               {"version", out.version},
               {"alias", f.alias.empty() ? json(nullptr) : json(f.alias)},
               {"run_id", out.run_id},
               {"kind", out.kind},
               {"artifact_path", out.artifact_path.string()},
               {"store", out.store}});
    return kExitOk;
  }
  Say("registered " + f.dir + " (" + out.kind + ") as " + f.name + "/" +
      std::to_string(out.version) + (f.alias.empty() ? "" : ", " + f.name + "@" + f.alias) +
      "; run " + out.run_id + " in " + out.store);
  return kExitOk;
}

// ---- store ------------------------------------------------------------------

int StoreGc(const GcFlags& f, const GlobalOptions& g) {
  Result<Clock::Duration> older_than = f.older_than == "0"
                                           ? Result<Clock::Duration>(Clock::Duration{})
                                           : monitoring::ParseDuration(f.older_than);
  if (!older_than.ok()) {
    return ReportError(older_than.status().WithContext("--older-than \"" + f.older_than + "\""));
  }
  auto store = OpenFor(g);
  if (!store.ok()) return ReportError(store.status());
  auto cutoff = std::chrono::duration_cast<std::chrono::milliseconds>(*older_than);
  // What would go, for the question: deleted runs old enough.
  tracking::RunQuery query;
  query.limit = 0;
  query.lifecycle = tracking::RunLifecycle::kDeleted;
  auto deleted = (*store)->ListRuns(query);
  if (!deleted.ok()) return ReportError(deleted.status());
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  size_t due = 0;
  for (const auto& run : *deleted) due += *run.deleted_ms <= now_ms - cutoff.count() ? 1 : 0;
  if (due > 0 && !Confirmed("purge " + std::to_string(due) + " deleted run(s) for good, with " +
                                "their artifacts?",
                            f.yes)) {
    return ReportError(
        FailedPreconditionError("not confirmed: nothing purged (--yes skips the question)"));
  }
  auto report = (*store)->PurgeDeletedRuns(cutoff);
  if (!report.ok()) return ReportError(report.status());
  if (f.json) {
    PrintJson({{"store", (*store)->Describe()},
               {"purged_runs", report->purged_runs},
               {"kept_runs", report->kept_runs}});
    return kExitOk;
  }
  for (const auto& id : report->purged_runs) std::cout << "purged run " << id << '\n';
  for (const auto& id : report->kept_runs) {
    std::cout << "kept run " << id << " (a model version comes from it)\n";
  }
  Say("purged " + std::to_string(report->purged_runs.size()) + " run(s) deleted more than " +
      f.older_than + " ago from " + (*store)->Describe());
  return kExitOk;
}

int StoreCheck(const CheckFlags& f, const GlobalOptions& g) {
  auto store = OpenFor(g, f.stale_after_s, f.grace_s);
  if (!store.ok()) return ReportError(store.status());
  auto report =
      (*store)->Check(f.repair ? tracking::RepairMode::kRepair : tracking::RepairMode::kReportOnly);
  if (!report.ok()) return ReportError(report.status());
  auto schema = (*store)->SchemaVersion();
  auto paths = [](const std::vector<std::filesystem::path>& list) {
    std::vector<std::string> out;
    out.reserve(list.size());
    for (const auto& p : list) out.push_back(p.string());
    return out;
  };
  if (f.json) {
    json versions = json::array();
    for (const auto& v : report->versions_without_artifact) {
      versions.push_back({{"model", v.model}, {"version", v.version}});
    }
    PrintJson({{"store", (*store)->Describe()},
               {"artifact_root", (*store)->artifact_root().string()},
               {"schema_version", schema.ok() ? json(*schema) : json(nullptr)},
               {"clean", report->clean()},
               {"repaired", report->repaired},
               {"temporary_folders", paths(report->temporary_folders)},
               {"orphan_artifacts", paths(report->orphan_artifacts)},
               {"versions_without_artifact", versions},
               {"runs_with_missing_artifact", report->runs_with_missing_artifact},
               {"stale_runs", report->stale_runs}});
  } else {
    std::cout << "store " << (*store)->Describe() << " (schema version "
              << (schema.ok() ? std::to_string(*schema) : "?") << "), artifacts in "
              << (*store)->artifact_root().string() << '\n';
    for (const auto& p : report->temporary_folders)
      std::cout << "temporary folder: " << p.string() << '\n';
    for (const auto& p : report->orphan_artifacts)
      std::cout << "orphan artifact: " << p.string() << '\n';
    for (const auto& v : report->versions_without_artifact) {
      std::cout << "version without artifact: " << v.model << "/" << v.version << '\n';
    }
    for (const auto& r : report->runs_with_missing_artifact)
      std::cout << "run with missing artifact: " << r << '\n';
    for (const auto& r : report->stale_runs) std::cout << "stale RUNNING run: " << r << '\n';
    if (report->clean()) std::cout << "no problems found\n";
  }
  if (report->clean()) return kExitOk;
  if (report->repaired) {
    size_t fixed = report->temporary_folders.size() + report->orphan_artifacts.size() +
                   report->versions_without_artifact.size() +
                   report->runs_with_missing_artifact.size() + report->stale_runs.size();
    Say("repaired " + std::to_string(fixed) + " problem(s)");
    return kExitOk;
  }
  Say("problems found: run `churnml store check --repair` to fix them");
  return kExitFindings;
}

}  // namespace

tracking::StoreOptions TrackingStoreOptions(const GlobalOptions& globals) {
  tracking::StoreOptions options;
  options.uri = globals.store;
  return options;
}

void RegisterTrackingCommands(CLI::App& app, CommandContext& ctx) {
  const GlobalOptions& g = ctx.globals;

  CLI::App* runs =
      app.add_subcommand("runs", "List, show, compare, delete and restore tracked runs");
  runs->footer(
      "Examples:\n  churnml runs list --filter \"metrics.roc_auc > 0.84\"\n  churnml runs compare "
      "3f2a 9c1e");
  runs->require_subcommand(1);
  auto list = std::make_shared<ListFlags>();
  CLI::App* list_cmd = runs->add_subcommand("list", "List runs, newest first");
  list_cmd->footer(
      "Examples:\n  churnml runs list\n  churnml runs list --filter \"params.model = 'xgboost' and "
      "metrics.roc_auc > 0.84\" --json");
  list_cmd->add_option("--experiment", list->experiment, "only runs of this experiment");
  list_cmd->add_option("--filter", list->filter,
                       "e.g. \"metrics.roc_auc > 0.85 and params.model = 'xgboost'\"");
  list_cmd->add_option("--order-by", list->order_by, "e.g. \"metrics.roc_auc desc\"");
  list_cmd->add_option("--limit", list->limit, "rows to show; 0 = all")->capture_default_str();
  list_cmd
      ->add_option("--stale-after", list->stale_after_s,
                   "seconds without a write after which a RUNNING run is shown as stale")
      ->capture_default_str();
  list_cmd->add_flag("--json", list->json, "print JSON (docs/store.md)");
  list_cmd->add_flag("-q,--quiet", list->quiet, "print only the run ids, one per line");
  list_cmd->add_flag("--deleted", list->deleted,
                     "list deleted runs (restorable with `runs restore`) instead of live ones");
  list_cmd->callback([list, &g, &ctx] { ctx.exit_code = RunsList(*list, g); });

  auto show = std::make_shared<ShowFlags>();
  CLI::App* show_cmd = runs->add_subcommand("show", "Show one run with its metric history");
  show_cmd->footer("Example:\n  churnml runs show 3f2a9c");
  show_cmd->add_option("run_id", show->id, "run id or a unique prefix of it (4+ hex digits)")
      ->required();
  show_cmd->add_flag("--json", show->json, "print JSON (docs/store.md)");
  show_cmd->callback([show, &g, &ctx] { ctx.exit_code = RunsShow(*show, g); });

  auto compare = std::make_shared<CompareFlags>();
  CLI::App* compare_cmd =
      runs->add_subcommand("compare", "Params and metrics of runs side by side, best marked");
  compare_cmd->footer("Example:\n  churnml runs compare 3f2a 9c1e");
  compare_cmd
      ->add_option("run_ids", compare->ids,
                   "two or more run ids or unique prefixes of them (4+ hex digits)")
      ->required();
  compare_cmd->add_flag("--json", compare->json, "print JSON (docs/store.md)");
  compare_cmd->callback([compare, &g, &ctx] { ctx.exit_code = RunsCompare(*compare, g); });

  auto del = std::make_shared<DeleteFlags>();
  CLI::App* delete_cmd = runs->add_subcommand(
      "delete", "Delete runs (restorable with `runs restore` until `store gc` purges them)");
  delete_cmd->footer("Examples:\n  churnml runs delete 3f2a9c\n  churnml runs delete 3f2a9c --yes");
  delete_cmd->add_option("run_ids", del->ids, "run ids or unique prefixes")->required();
  delete_cmd->add_flag("-y,--yes", del->yes, "do not ask for confirmation on a terminal");
  delete_cmd->callback([del, &g, &ctx] { ctx.exit_code = RunsDelete(*del, g); });

  auto restore = std::make_shared<std::vector<std::string>>();
  CLI::App* restore_cmd = runs->add_subcommand("restore", "Undo `runs delete`");
  restore_cmd->footer("Example:\n  churnml runs restore 3f2a9c");
  restore_cmd->add_option("run_ids", *restore, "run ids or unique prefixes")->required();
  restore_cmd->callback([restore, &g, &ctx] { ctx.exit_code = RunsRestore(*restore, g); });

  CLI::App* models = app.add_subcommand("models", "Registered models, versions and aliases");
  models->footer("Examples:\n  churnml models list\n  churnml models alias set churn champion 2");
  models->require_subcommand(1);
  auto models_json = std::make_shared<bool>(false);
  CLI::App* mlist = models->add_subcommand("list", "List registered models");
  mlist->footer("Example:\n  churnml models list --json");
  mlist->add_flag("--json", *models_json, "print JSON (docs/store.md)");
  mlist->callback([models_json, &g, &ctx] { ctx.exit_code = ModelsList(*models_json, g); });

  auto mshow = std::make_shared<ShowFlags>();
  CLI::App* mshow_cmd = models->add_subcommand(
      "show", "Show a model's versions and aliases, or one version's feature importance");
  mshow_cmd->footer(
      "Examples:\n  churnml models show churn\n  churnml models show churn/3 --importance\n"
      "  churnml models show churn@champion --importance --json");
  mshow_cmd
      ->add_option("name", mshow->id,
                   "model name; with --importance NAME/VERSION, NAME@ALIAS or a directory")
      ->required();
  mshow_cmd->add_flag("--json", mshow->json, "print JSON (docs/store.md, docs/cli.md)");
  mshow_cmd->add_flag("--importance", mshow->importance,
                      "named feature importance from the artifact: logistic coefficients, "
                      "XGBoost total gain");
  mshow_cmd->add_option("--top", mshow->top, "with --importance: encoded columns listed (0 = all)")
      ->capture_default_str();
  mshow_cmd->callback([mshow, &g, &ctx] {
    ctx.exit_code = mshow->importance
                        ? ShowModelImportance({mshow->id, mshow->json, mshow->top}, ctx)
                        : ModelsShow(*mshow, g);
  });

  CLI::App* alias = models->add_subcommand("alias", "Set or delete an alias");
  alias->require_subcommand(1);
  auto aset = std::make_shared<AliasFlags>();
  CLI::App* aset_cmd = alias->add_subcommand("set", "Point NAME@ALIAS at VERSION (atomic)");
  aset_cmd->footer("Example:\n  churnml models alias set churn champion 2");
  aset_cmd->add_option("name", aset->model, "model name")->required();
  aset_cmd->add_option("alias", aset->alias, "alias, e.g. champion")->required();
  aset_cmd->add_option("version", aset->version, "version number")->required();
  aset_cmd->callback([aset, &g, &ctx] { ctx.exit_code = AliasSet(*aset, g); });
  auto adel = std::make_shared<AliasFlags>();
  CLI::App* adel_cmd = alias->add_subcommand("delete", "Delete NAME@ALIAS");
  adel_cmd->footer("Example:\n  churnml models alias delete churn challenger");
  adel_cmd->add_option("name", adel->model, "model name")->required();
  adel_cmd->add_option("alias", adel->alias, "alias")->required();
  adel_cmd->callback([adel, &g, &ctx] { ctx.exit_code = AliasDelete(*adel, g); });

  auto reg = std::make_shared<RegisterFlags>();
  CLI::App* reg_cmd = models->add_subcommand(
      "register",
      "Register a model directory (e.g. trained with --no-track) as a new version, validated "
      "like a trained one");
  reg_cmd->footer("Example:\n  churnml models register models/xgb --name churn --alias challenger");
  reg_cmd->add_option("dir", reg->dir, "model directory (as `train --out` writes)")->required();
  reg_cmd->add_option("--name", reg->name, "registered model name, e.g. churn")->required();
  reg_cmd->add_option("--alias", reg->alias, "also point NAME@ALIAS at the new version");
  reg_cmd->add_option("--experiment", reg->experiment, "experiment of the run that records it")
      ->capture_default_str();
  reg_cmd->add_flag("--json", reg->json, "print JSON (docs/store.md)");
  reg_cmd->callback([reg, &g, &ctx] { ctx.exit_code = ModelsRegister(*reg, g, ctx.models); });

  auto dver = std::make_shared<AliasFlags>();
  CLI::App* dver_cmd = models->add_subcommand(
      "delete-version", "Delete a model version (refused while an alias points at it)");
  dver_cmd->add_option("name", dver->model, "model name")->required();
  dver_cmd->add_option("version", dver->version, "version number")->required();
  dver_cmd->callback([dver, &g, &ctx] { ctx.exit_code = DeleteVersion(*dver, g); });

  CLI::App* store = app.add_subcommand("store", "Maintain the tracking store");
  store->footer("Examples:\n  churnml store check\n  churnml store gc --older-than 30d --yes");
  store->require_subcommand(1);
  auto check = std::make_shared<CheckFlags>();
  CLI::App* check_cmd = store->add_subcommand(
      "check", "Report (and with --repair fix) leftovers of crashed processes");
  check_cmd->footer("Example:\n  churnml store check --json");
  check_cmd->add_flag("--repair", check->repair,
                      "remove staging/orphan folders, drop versions without artifacts, mark "
                      "stale runs KILLED");
  check_cmd
      ->add_option("--stale-after", check->stale_after_s,
                   "seconds without a write after which a RUNNING run is stale")
      ->capture_default_str();
  check_cmd
      ->add_option("--grace", check->grace_s,
                   "seconds a staging or unreferenced folder must be old to count")
      ->capture_default_str();
  check_cmd->add_flag("--json", check->json, "print JSON (docs/store.md)");
  check_cmd->callback([check, &g, &ctx] { ctx.exit_code = StoreCheck(*check, g); });

  auto gc = std::make_shared<GcFlags>();
  CLI::App* gc_cmd =
      store->add_subcommand("gc", "Purge deleted runs (rows and artifacts) for good");
  gc_cmd->footer("Example:\n  churnml store gc --older-than 30d --yes");
  gc_cmd
      ->add_option("--older-than", gc->older_than,
                   "only runs deleted at least this long ago, e.g. 30d, 12h, 0 (all)")
      ->capture_default_str();
  gc_cmd->add_flag("-y,--yes", gc->yes, "do not ask for confirmation on a terminal");
  gc_cmd->add_flag("--json", gc->json, "print JSON (docs/store.md)");
  gc_cmd->callback([gc, &g, &ctx] { ctx.exit_code = StoreGc(*gc, g); });
}

}  // namespace churnml::cli
