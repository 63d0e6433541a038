// `churnml retrain` (champion/challenger behind a statistical gate) and
// `churnml models rollback` (registered here, beside the promotion it undoes,
// under the `models` command that tracking_command.cc creates).
// Exit 0 promoted / dry run passed / nothing to do, 1 challenger refused,
// 2 error (including an alias moved by someone else meanwhile).
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/drift_command.h"
#include "common/json_dump.h"
#include "common/strings.h"
#include "eval/metrics_json.h"
#include "pipeline/retrain.h"
#include "tracking/model_reference.h"

namespace churnml::cli {
namespace {

struct RetrainFlags {
  std::string model;
  std::string data;
  std::string holdout;
  double holdout_share = 0.2;
  uint64_t seed = 42;
  double min_improvement = 0.002;
  double min_relative_improvement = 0.0;
  double alpha = 0.05;
  double brier_tolerance = 0.005;
  double recall_tolerance = 0.02;
  bool dry_run = false;
  bool if_drift = false;
  std::string cooldown = "0";
  bool json = false;
  DriftRuleFlags rules;
};

struct RollbackFlags {
  std::string model;
  std::string alias = "champion";
  std::string previous = "previous";
};

// "0", "90s", "30m", "24h", "7d" → milliseconds.
Result<int64_t> ParseCooldown(const std::string& text) {
  if (text == "0") return int64_t{0};
  if (text.size() < 2)
    return InvalidArgumentError("--cooldown: \"" + text + "\" is not a duration");
  const char unit = text.back();
  std::optional<int64_t> n = ParseInt(text.substr(0, text.size() - 1));
  int64_t scale = 0;
  if (unit == 's') scale = 1000;
  if (unit == 'm') scale = 60 * 1000;
  if (unit == 'h') scale = 3600 * 1000;
  if (unit == 'd') scale = 24 * 3600 * 1000;
  if (!n || *n < 0 || scale == 0 || *n > int64_t{365} * 24 * 3600) {
    return InvalidArgumentError("--cooldown: \"" + text +
                                "\" is not a duration like 90s, 30m, 24h or 7d");
  }
  return *n * scale;
}

nlohmann::json ReportJson(const RetrainReport& r) {
  nlohmann::json checks = nlohmann::json::array();
  for (const GateCheck& c : r.checks) {
    checks.push_back({{"name", c.name}, {"passed", c.passed}, {"detail", c.detail}});
  }
  nlohmann::json j = {{"decision", r.decision},
                      {"reason", r.reason},
                      {"decision_run", r.decision_run_id},
                      {"challenger_run", r.challenger_run_id},
                      {"champion_version", r.champion_version},
                      {"challenger_version", r.challenger_version},
                      {"holdout", r.holdout},
                      {"holdout_rows", r.holdout_rows},
                      {"checks", checks}};
  j["champion_metrics"] = r.champion_metrics ? ToJson(*r.champion_metrics) : nlohmann::json();
  j["challenger_metrics"] = r.challenger_metrics ? ToJson(*r.challenger_metrics) : nlohmann::json();
  if (r.delong) {
    j["delong"] = {{"auc_champion", r.delong->auc_a},
                   {"auc_challenger", r.delong->auc_b},
                   {"difference", r.delong->difference},
                   {"z", r.delong->z},
                   {"p_value", r.delong->p_value}};
  }
  if (r.drift) j["drift"] = DriftComparisonJson(*r.drift);
  return j;
}

int RunRetrain(const RetrainFlags& f, const CommandContext& ctx) {
  const tracking::ModelReference ref = tracking::ParseModelReference(f.model);
  if (ref.kind != tracking::ModelReference::Kind::kAlias || ref.model.empty() ||
      ref.alias.empty()) {
    return ReportError(InvalidArgumentError("--model must be NAME@ALIAS, e.g. churn@champion"));
  }
  Result<int64_t> cooldown = ParseCooldown(f.cooldown);
  if (!cooldown.ok()) return ReportError(cooldown.status());
  Result<DriftRules> rules = BuildDriftRules(f.rules);
  if (!rules.ok()) return ReportError(rules.status());
  RetrainOptions options;
  options.store.uri = ctx.globals.store;
  options.model = ref.model;
  options.alias = ref.alias;
  options.data_path = f.data;
  options.holdout_path = f.holdout;
  options.holdout_share = f.holdout_share;
  options.seed = f.seed;
  options.gate = {f.min_improvement, f.min_relative_improvement, f.alpha, f.brier_tolerance,
                  f.recall_tolerance};
  options.mode = f.dry_run ? RetrainMode::kDryRun : RetrainMode::kPromote;
  options.drift = f.if_drift ? DriftPrecondition::kRequireDrift : DriftPrecondition::kNone;
  options.drift_rules = *rules;
  options.cooldown_ms = *cooldown;
  RetrainReport report;
  Status s = Retrain(options, ctx.models, &report);
  if (!s.ok()) return ReportError(s);
  if (f.json) {
    std::printf("%s\n", DumpJson(ReportJson(report), 2).c_str());
  } else {
    for (const GateCheck& c : report.checks) {
      std::printf("%-13s %-6s %s\n", c.name.c_str(), c.passed ? "pass" : "FAIL", c.detail.c_str());
    }
    std::printf("%s: %s\n", report.decision.c_str(), report.reason.c_str());
  }
  std::fflush(stdout);
  Say("decision recorded as run " + report.decision_run_id);
  return report.decision == "refused" ? kExitFindings : kExitOk;
}

int RunRollback(const RollbackFlags& f, const CommandContext& ctx) {
  tracking::StoreOptions store;
  store.uri = ctx.globals.store;
  Result<int64_t> version = RollbackAlias(store, f.model, f.alias, f.previous);
  if (!version.ok()) return ReportError(version.status());
  Say(f.model + "@" + f.alias + " → version " + std::to_string(*version) + " (the one it left is " +
      f.model + "@" + f.previous + ")");
  return kExitOk;
}

}  // namespace

void RegisterRetrainCommand(CLI::App& app, CommandContext& ctx) {
  auto f = std::make_shared<RetrainFlags>();
  CLI::App* cmd = app.add_subcommand(
      "retrain",
      "Train a challenger on new data and promote it only if it beats the champion; exit 0 "
      "promoted or nothing to do, 1 refused, 2 error");
  cmd->footer(
      "Examples:\n  churnml retrain --model churn@champion --data new.csv --dry-run\n  churnml "
      "retrain --model churn@champion --data new.csv --if-drift --cooldown 7d");
  cmd->add_option("--model", f->model, "the champion, NAME@ALIAS (e.g. churn@champion)")
      ->required();
  cmd->add_option("--data", f->data, "new labelled CSV to train the challenger on")->required();
  cmd->add_option("--holdout", f->holdout,
                  "labelled CSV both models are scored on (default: a held-out split of --data)");
  cmd->add_option("--holdout-share", f->holdout_share, "share of --data held out without --holdout")
      ->capture_default_str();
  cmd->add_option("--seed", f->seed, "split seed")->capture_default_str();
  cmd->add_option("--min-improvement", f->min_improvement, "minimum ROC AUC gain, absolute")
      ->capture_default_str();
  cmd->add_option("--min-relative-improvement", f->min_relative_improvement,
                  "minimum ROC AUC gain relative to the champion's (0.01 = 1%)")
      ->capture_default_str();
  cmd->add_option("--alpha", f->alpha, "significance level of the paired DeLong test")
      ->capture_default_str();
  cmd->add_option("--brier-tolerance", f->brier_tolerance, "largest Brier score increase allowed")
      ->capture_default_str();
  cmd->add_option("--recall-tolerance", f->recall_tolerance,
                  "largest recall drop allowed at the serving threshold")
      ->capture_default_str();
  cmd->add_flag("--dry-run", f->dry_run, "decide and record, but do not move the alias");
  cmd->add_flag("--if-drift", f->if_drift, "retrain only when `churnml drift` finds drift");
  cmd->add_option("--cooldown", f->cooldown,
                  "no promotion within this long of the alias's last move (90s, 30m, 24h, 7d)")
      ->capture_default_str();
  cmd->add_flag("--json", f->json, "print the decision as JSON on stdout");
  // --if-drift's rules; --alpha above is the gate's, so drift uses the file's alpha.
  cmd->add_option("--drift-thresholds", f->rules.thresholds,
                  "YAML drift thresholds for --if-drift");
  cmd->callback([f, &ctx] { ctx.exit_code = RunRetrain(*f, ctx); });

  // `models rollback` joins the registry commands; main() registers them
  // (RegisterTrackingCommands) before this, so "models" exists.
  CLI::App* models = app.get_subcommand("models");
  auto r = std::make_shared<RollbackFlags>();
  CLI::App* rollback = models->add_subcommand(
      "rollback", "Point NAME@champion back at NAME@previous (swapping them; atomic)");
  rollback->footer("Example:\n  churnml models rollback churn");
  rollback->add_option("model", r->model, "registered model name")->required();
  rollback->add_option("--alias", r->alias, "the alias to move back")->capture_default_str();
  rollback->add_option("--previous", r->previous, "the alias holding the version to restore")
      ->capture_default_str();
  rollback->callback([r, &ctx] { ctx.exit_code = RunRollback(*r, ctx); });
}

}  // namespace churnml::cli
