// `churnml alerts ...`. list/silence/expire talk to the /alerts endpoints of
// a running `churnml serve`; check validates a rules file offline. Exit
// codes: 0 success, 2 usage, connection or validation error (the message
// names the rule and the expression column).
#include "cli/alerts_command.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "common/strings.h"
#include "monitoring/alerts/alert_json.h"
#include "monitoring/alerts/alert_rule.h"
#include "monitoring/alerts/alerts_client.h"

namespace churnml::cli {
namespace {

using monitoring::AlertsClient;
using monitoring::AlertsClientOptions;

struct ServerFlags {
  std::string server = "http://127.0.0.1:8000";  // `churnml serve`'s default port
  std::string api_key_file;
  int64_t timeout_ms = 5000;
};

struct SilenceFlags {
  std::vector<std::string> matchers;
  std::string duration = "1h";
  std::string comment;
  std::string created_by;
};

void AddServerFlags(CLI::App* cmd, ServerFlags* f) {
  cmd->add_option("--server", f->server, "base URL of `churnml serve`")->capture_default_str();
  cmd->add_option("--api-key-file", f->api_key_file,
                  "file whose first key is sent as a Bearer token");
  cmd->add_option("--timeout-ms", f->timeout_ms, "per-request timeout in milliseconds")
      ->capture_default_str();
}

Result<AlertsClient> MakeClient(const ServerFlags& f) {
  AlertsClientOptions o;
  o.server = f.server;
  if (f.timeout_ms <= 0) return InvalidArgumentError("--timeout-ms must be positive");
  o.timeout = std::chrono::milliseconds(f.timeout_ms);
  if (!f.api_key_file.empty()) {
    CHURNML_ASSIGN_OR_RETURN(o.api_key, monitoring::ReadFirstApiKey(f.api_key_file));
  }
  return AlertsClient(std::move(o));
}

std::string Labels(const monitoring::LabelSet& labels) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : labels) {
    if (k != "alertname") parts.push_back(k + "=" + v);
  }
  return Join(parts, ",");
}

Status RunList(const ServerFlags& f, bool json) {
  CHURNML_ASSIGN_OR_RETURN(AlertsClient client, MakeClient(f));
  CHURNML_ASSIGN_OR_RETURN(std::vector<monitoring::Alert> alerts, client.ListAlerts());
  if (json) {
    std::cout << monitoring::EncodeAlerts(alerts) << '\n';
    return Status::Ok();
  }
  if (alerts.empty()) {
    Say("no pending or firing alerts");
    return Status::Ok();
  }
  std::printf("%-28s %-8s %-9s %-24s %-12s %s\n", "ALERT", "STATE", "SILENCED", "ACTIVE SINCE",
              "VALUE", "LABELS");
  for (const monitoring::Alert& a : alerts) {
    std::printf("%-28s %-8s %-9s %-24s %-12s %s\n", a.name.c_str(),
                std::string(monitoring::AlertStateName(a.state)).c_str(), a.silenced ? "yes" : "no",
                monitoring::FormatTimestamp(a.active_since).c_str(), FormatDouble(a.value).c_str(),
                Labels(a.labels).c_str());
  }
  return Status::Ok();
}

Status RunSilence(const ServerFlags& f, const SilenceFlags& s) {
  monitoring::Silence silence;
  if (s.matchers.empty())
    return InvalidArgumentError("--matcher: give at least one, e.g. alertname=X");
  for (const std::string& m : s.matchers) {
    CHURNML_ASSIGN_OR_RETURN(monitoring::SilenceMatcher matcher, monitoring::ParseMatcherFlag(m));
    silence.matchers.push_back(std::move(matcher));
  }
  Result<Clock::Duration> duration = monitoring::ParseDuration(s.duration);
  if (!duration.ok()) return duration.status().WithContext("--duration");
  if (duration->count() <= 0) return InvalidArgumentError("--duration must be positive");
  silence.starts_at = std::chrono::system_clock::now();
  silence.ends_at = silence.starts_at +
                    std::chrono::duration_cast<std::chrono::system_clock::duration>(*duration);
  silence.comment = s.comment;
  silence.created_by = s.created_by;
  if (silence.created_by.empty()) {
    const char* user = std::getenv("USER");
    silence.created_by = user != nullptr ? user : "churnml";
  }
  CHURNML_ASSIGN_OR_RETURN(AlertsClient client, MakeClient(f));
  CHURNML_ASSIGN_OR_RETURN(std::string id, client.AddSilence(silence));
  std::cout << id << '\n';
  Say("silenced until " + monitoring::FormatTimestamp(silence.ends_at));
  return Status::Ok();
}

Status RunExpire(const ServerFlags& f, const std::string& id) {
  CHURNML_ASSIGN_OR_RETURN(AlertsClient client, MakeClient(f));
  CHURNML_RETURN_IF_ERROR(client.ExpireSilence(id));
  Say("silence " + id + " expired");
  return Status::Ok();
}

Status RunCheck(const std::string& path) {
  CHURNML_ASSIGN_OR_RETURN(monitoring::AlertRules rules, monitoring::LoadAlertRules(path));
  std::printf("%s: %zu rules, %zu channels, evaluated every %s\n", path.c_str(), rules.rules.size(),
              rules.channels.size(), monitoring::FormatDuration(rules.evaluation_interval).c_str());
  for (const monitoring::AlertRule& r : rules.rules) {
    std::printf("  %-28s %s %s %s for %s\n", r.name.c_str(), r.expr_text.c_str(),
                std::string(monitoring::CompareOpName(r.op)).c_str(),
                FormatDouble(r.threshold).c_str(),
                monitoring::FormatDuration(r.for_duration).c_str());
  }
  return Status::Ok();
}

// A server without --alerts has no /alerts routes: say how to get them
// rather than relay "HTTP 404: no route".
int Finish(const Status& s, const ServerFlags* server = nullptr) {
  if (s.ok()) return kExitOk;
  if (server != nullptr && s.code() == StatusCode::kNotFound &&
      s.message().find("no route for") != std::string::npos) {
    return ReportError(NotFoundError("the server at " + server->server +
                                     " has no alert routes: start it with `churnml serve "
                                     "--alerts RULES.yaml` (docs/alerts.md)"));
  }
  return ReportError(s);
}

}  // namespace

void RegisterAlertsCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* alerts =
      app.add_subcommand("alerts", "alert rules, alerts and silences (docs/alerts.md)");
  alerts->require_subcommand(1);

  auto list_server = std::make_shared<ServerFlags>();
  auto list_json = std::make_shared<bool>(false);
  CLI::App* list = alerts->add_subcommand("list", "pending and firing alerts of a running server");
  AddServerFlags(list, list_server.get());
  list->add_flag("--json", *list_json, "print the GET /alerts body");
  list->callback([&ctx, list_server, list_json] {
    ctx.exit_code = Finish(RunList(*list_server, *list_json), list_server.get());
  });

  auto silence_server = std::make_shared<ServerFlags>();
  auto silence_flags = std::make_shared<SilenceFlags>();
  CLI::App* silence =
      alerts->add_subcommand("silence", "mute alerts matching labels; prints the id");
  AddServerFlags(silence, silence_server.get());
  silence
      ->add_option("--matcher", silence_flags->matchers, "name=value or name=~regex (repeatable)")
      ->required();
  silence->add_option("--duration", silence_flags->duration, "how long, e.g. 30m, 2h")
      ->capture_default_str();
  silence->add_option("--comment", silence_flags->comment, "why");
  silence->add_option("--created-by", silence_flags->created_by, "who (default: $USER)");
  silence->callback([&ctx, silence_server, silence_flags] {
    ctx.exit_code = Finish(RunSilence(*silence_server, *silence_flags), silence_server.get());
  });

  auto expire_server = std::make_shared<ServerFlags>();
  auto expire_id = std::make_shared<std::string>();
  CLI::App* expire = alerts->add_subcommand("expire", "end a silence now");
  AddServerFlags(expire, expire_server.get());
  expire->add_option("id", *expire_id, "silence id (from `alerts silence` or the list)")
      ->required();
  expire->callback([&ctx, expire_server, expire_id] {
    ctx.exit_code = Finish(RunExpire(*expire_server, *expire_id), expire_server.get());
  });

  auto check_path = std::make_shared<std::string>();
  CLI::App* check = alerts->add_subcommand("check", "validate a rules file offline");
  check->add_option("rules", *check_path, "rules file (YAML)")->required();
  list->footer("Example:\n  churnml alerts list --server http://127.0.0.1:8000 --json");
  silence->footer(
      "Example:\n  churnml alerts silence --matcher alertname=HighErrorRate --duration 2h "
      "--comment 'deploy'");
  expire->footer("Example:\n  churnml alerts expire 3f2a9c");
  check->footer("Example:\n  churnml alerts check deploy/alerts.yaml");
  check->callback([&ctx, check_path] { ctx.exit_code = Finish(RunCheck(*check_path)); });
}

}  // namespace churnml::cli
