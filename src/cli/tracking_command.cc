// `churnml runs list|show|compare|delete`, `churnml models
// list|show|alias set|alias delete|delete-version`, `churnml store check`.
// Each parses flags, opens the store from --store, calls one TrackingStore
// function and prints a table (stdout) or --json (docs/store.md).
#include "cli/tracking_command.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "common/strings.h"
#include "common/time_format.h"

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
  return run.stale ? s + " (stale)" : s;
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
          {"artifact_path", run.artifact_path ? json(run.artifact_path->string()) : json(nullptr)}};
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

void PrintJson(const json& j) { std::cout << j.dump(2) << '\n'; }

// Metrics where a smaller value is better; every other metric is maximised.
bool LowerIsBetter(const std::string& key) {
  for (const char* word : {"loss", "error", "brier", "rmse", "mae", "mse", "time", "latency"}) {
    if (key.find(word) != std::string::npos) return true;
  }
  return false;
}

// ---- flags ------------------------------------------------------------------

struct ListFlags {
  std::string experiment;
  std::string filter;
  std::string order_by;
  int64_t limit = 50;
  int64_t stale_after_s = 6 * 3600;
  bool json = false;
};

struct ShowFlags {
  std::string id;
  bool json = false;
};

struct CompareFlags {
  std::vector<std::string> ids;
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
  tracking::StoreOptions options = TrackingStoreOptions(globals);
  if (stale_after_s <= 0) return InvalidArgumentError("--stale-after must be positive (seconds)");
  if (grace_s < 0) return InvalidArgumentError("--grace must be 0 or positive (seconds)");
  options.stale_after = std::chrono::seconds(stale_after_s);
  options.repair_grace = std::chrono::seconds(grace_s);
  return TrackingStore::Open(options);
}

// ---- runs -------------------------------------------------------------------

int RunsList(const ListFlags& f, const GlobalOptions& g) {
  auto store = OpenFor(g, f.stale_after_s);
  if (!store.ok()) return ReportError(store.status());
  tracking::RunQuery query{f.experiment, f.filter, f.order_by, f.limit};
  auto runs = (*store)->ListRuns(query);
  if (!runs.ok()) return ReportError(runs.status());
  if (f.json) {
    json list = json::array();
    for (const auto& run : *runs) list.push_back(RunJson(run));
    PrintJson({{"runs", list}});
    return kExitOk;
  }
  // Metric columns: the ones the filter or order mentions first, then the
  // most common, at most four.
  std::map<std::string, int> counts;
  for (const auto& run : *runs) {
    for (const auto& [key, m] : run.metrics) ++counts[key];
  }
  std::vector<std::string> keys;
  for (const auto& [key, n] : counts) {
    if ((f.filter + " " + f.order_by).find("metrics." + key) != std::string::npos)
      keys.push_back(key);
  }
  std::vector<std::pair<int, std::string>> common;
  for (const auto& [key, n] : counts) common.push_back({-n, key});
  std::sort(common.begin(), common.end());
  for (const auto& [n, key] : common) {
    if (keys.size() >= 4) break;
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  }
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {"RUN ID", "EXPERIMENT", "STATUS", "START", "DURATION"};
  for (const auto& key : keys) header.push_back(key);
  rows.push_back(header);
  for (const auto& run : *runs) {
    std::vector<std::string> row = {run.run_id, run.experiment, StatusText(run),
                                    IsoTime(run.start_time_ms), Duration(run)};
    for (const auto& key : keys) {
      auto it = run.metrics.find(key);
      row.push_back(it == run.metrics.end() ? "-" : MetricText(it->second.value));
    }
    rows.push_back(row);
  }
  PrintTable(rows);
  Say(std::to_string(runs->size()) + " run(s) in " + (*store)->Describe());
  return kExitOk;
}

int RunsShow(const ShowFlags& f, const GlobalOptions& g) {
  auto store = OpenFor(g);
  if (!store.ok()) return ReportError(store.status());
  auto run = (*store)->GetRun(f.id);
  if (!run.ok()) return ReportError(run.status());
  auto history = (*store)->GetMetricHistory(f.id);
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
  for (const auto& [k, v] : run->params) rows.push_back({"param " + k, v});
  for (const auto& [k, m] : run->metrics) {
    rows.push_back(
        {"metric " + k,
         MetricText(m.value) + (m.step != 0 ? " (step " + std::to_string(m.step) + ")" : "")});
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
  std::vector<tracking::Run> runs;
  for (const auto& id : f.ids) {
    auto run = (*store)->GetRun(id);
    if (!run.ok()) return ReportError(run.status());
    runs.push_back(std::move(run).value());
  }
  std::set<std::string> param_keys, metric_keys;
  for (const auto& run : runs) {
    for (const auto& [k, v] : run.params) param_keys.insert(k);
    for (const auto& [k, m] : run.metrics) metric_keys.insert(k);
  }
  // The best run per metric: max, or min for losses and errors.
  std::map<std::string, std::string> best;
  for (const auto& key : metric_keys) {
    bool lower = LowerIsBetter(key);
    double best_value = 0;
    for (const auto& run : runs) {
      auto it = run.metrics.find(key);
      if (it == run.metrics.end() || std::isnan(it->second.value)) continue;
      double v = it->second.value;
      if (best.count(key) == 0 || (lower ? v < best_value : v > best_value)) {
        best[key] = run.run_id;
        best_value = v;
      }
    }
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
      metrics[key] = {{"values", values},
                      {"goal", LowerIsBetter(key) ? "min" : "max"},
                      {"best", best.count(key) ? json(best[key]) : json(nullptr)}};
    }
    PrintJson({{"runs", f.ids}, {"params", params}, {"metrics", metrics}});
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
    std::vector<std::string> row = {"metric " + key};
    for (const auto& run : runs) {
      auto it = run.metrics.find(key);
      std::string cell = it == run.metrics.end() ? "-" : MetricText(it->second.value);
      if (best.count(key) && best[key] == run.run_id) cell += " *";
      row.push_back(cell);
    }
    rows.push_back(row);
  }
  PrintTable(rows);
  Say("* marks the best value (lowest for losses and errors, highest otherwise)");
  return kExitOk;
}

int RunsDelete(const std::string& id, const GlobalOptions& g) {
  auto store = OpenFor(g);
  if (!store.ok()) return ReportError(store.status());
  Status s = (*store)->DeleteRun(id);
  if (!s.ok()) return ReportError(s);
  Say("deleted run " + id);
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

// ---- store ------------------------------------------------------------------

int StoreCheck(const CheckFlags& f, const GlobalOptions& g) {
  auto store = OpenFor(g, f.stale_after_s, f.grace_s);
  if (!store.ok()) return ReportError(store.status());
  auto report =
      (*store)->Check(f.repair ? tracking::RepairMode::kRepair : tracking::RepairMode::kReportOnly);
  if (!report.ok()) return ReportError(report.status());
  auto schema = (*store)->SchemaVersion();
  auto paths = [](const std::vector<std::filesystem::path>& list) {
    std::vector<std::string> out;
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

  CLI::App* runs = app.add_subcommand("runs", "List, show, compare and delete tracked runs");
  runs->require_subcommand(1);
  auto list = std::make_shared<ListFlags>();
  CLI::App* list_cmd = runs->add_subcommand("list", "List runs, newest first");
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
  list_cmd->callback([list, &g, &ctx] { ctx.exit_code = RunsList(*list, g); });

  auto show = std::make_shared<ShowFlags>();
  CLI::App* show_cmd = runs->add_subcommand("show", "Show one run with its metric history");
  show_cmd->add_option("run_id", show->id, "run id")->required();
  show_cmd->add_flag("--json", show->json, "print JSON (docs/store.md)");
  show_cmd->callback([show, &g, &ctx] { ctx.exit_code = RunsShow(*show, g); });

  auto compare = std::make_shared<CompareFlags>();
  CLI::App* compare_cmd =
      runs->add_subcommand("compare", "Params and metrics of runs side by side, best marked");
  compare_cmd->add_option("run_ids", compare->ids, "two or more run ids")->required();
  compare_cmd->add_flag("--json", compare->json, "print JSON (docs/store.md)");
  compare_cmd->callback([compare, &g, &ctx] { ctx.exit_code = RunsCompare(*compare, g); });

  auto del = std::make_shared<std::string>();
  CLI::App* delete_cmd = runs->add_subcommand("delete", "Delete a run and its artifact");
  delete_cmd->add_option("run_id", *del, "run id")->required();
  delete_cmd->callback([del, &g, &ctx] { ctx.exit_code = RunsDelete(*del, g); });

  CLI::App* models = app.add_subcommand("models", "Registered models, versions and aliases");
  models->require_subcommand(1);
  auto models_json = std::make_shared<bool>(false);
  CLI::App* mlist = models->add_subcommand("list", "List registered models");
  mlist->add_flag("--json", *models_json, "print JSON (docs/store.md)");
  mlist->callback([models_json, &g, &ctx] { ctx.exit_code = ModelsList(*models_json, g); });

  auto mshow = std::make_shared<ShowFlags>();
  CLI::App* mshow_cmd = models->add_subcommand("show", "Show a model's versions and aliases");
  mshow_cmd->add_option("name", mshow->id, "model name")->required();
  mshow_cmd->add_flag("--json", mshow->json, "print JSON (docs/store.md)");
  mshow_cmd->callback([mshow, &g, &ctx] { ctx.exit_code = ModelsShow(*mshow, g); });

  CLI::App* alias = models->add_subcommand("alias", "Set or delete an alias");
  alias->require_subcommand(1);
  auto aset = std::make_shared<AliasFlags>();
  CLI::App* aset_cmd = alias->add_subcommand("set", "Point NAME@ALIAS at VERSION (atomic)");
  aset_cmd->add_option("name", aset->model, "model name")->required();
  aset_cmd->add_option("alias", aset->alias, "alias, e.g. champion")->required();
  aset_cmd->add_option("version", aset->version, "version number")->required();
  aset_cmd->callback([aset, &g, &ctx] { ctx.exit_code = AliasSet(*aset, g); });
  auto adel = std::make_shared<AliasFlags>();
  CLI::App* adel_cmd = alias->add_subcommand("delete", "Delete NAME@ALIAS");
  adel_cmd->add_option("name", adel->model, "model name")->required();
  adel_cmd->add_option("alias", adel->alias, "alias")->required();
  adel_cmd->callback([adel, &g, &ctx] { ctx.exit_code = AliasDelete(*adel, g); });

  auto dver = std::make_shared<AliasFlags>();
  CLI::App* dver_cmd = models->add_subcommand(
      "delete-version", "Delete a model version (refused while an alias points at it)");
  dver_cmd->add_option("name", dver->model, "model name")->required();
  dver_cmd->add_option("version", dver->version, "version number")->required();
  dver_cmd->callback([dver, &g, &ctx] { ctx.exit_code = DeleteVersion(*dver, g); });

  CLI::App* store = app.add_subcommand("store", "Maintain the tracking store");
  store->require_subcommand(1);
  auto check = std::make_shared<CheckFlags>();
  CLI::App* check_cmd = store->add_subcommand(
      "check", "Report (and with --repair fix) leftovers of crashed processes");
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
}

}  // namespace churnml::cli
