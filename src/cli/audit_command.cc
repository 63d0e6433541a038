// `churnml audit PATH...`: a thin adapter from flags to audit::RunAudit and a
// reporter. Exit codes: 0 no active finding at or above --fail-on, 1 some, 2
// usage or I/O error. The report is written in full before the exit code is
// decided.
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include "audit/audit_config.h"
#include "audit/report_format.h"
#include "audit/scanner.h"
#include "cli/cli_errors.h"
#include "cli/command.h"
#include "common/atomic_file.h"
#include "common/build_info.h"
#include "common/strings.h"

namespace churnml::cli {
namespace {

struct AuditFlags {
  std::vector<std::string> paths;
  std::string format = "text";
  std::string output;
  std::string fail_on;  // empty: config, else "low"
  bool exit_zero = false;
  std::string baseline;
  std::string write_baseline;
  std::string config;
  std::string rules;
  std::string advisories;
  std::vector<std::string> exclude;
  bool no_gitignore = false;
  int64_t max_file_size = 0;  // bytes; 0: config or 4 MiB
  int jobs = 0;
  bool list_rules = false;
};

std::string ListRules(const audit::RuleRegistry& registry) {
  std::string out;
  for (const audit::Rule& r : registry.rules()) {
    char line[256];
    std::snprintf(line, sizeof line, "%-9s %-8s %-6s CWE-%-4d %s  %s: %s\n", r.id.c_str(),
                  std::string(audit::SeverityName(r.severity)).c_str(),
                  std::string(audit::ConfidenceName(r.confidence)).c_str(), r.cwe,
                  audit::OwaspCode(r.owasp).c_str(), r.name.c_str(), r.title.c_str());
    out += line;
  }
  return out;
}

Result<int> RunAuditCommand(const AuditFlags& flags) {
  audit::RuleRegistry registry;
  CHURNML_RETURN_IF_ERROR(audit::RegisterBuiltinRules(registry));
  if (flags.list_rules) {
    std::fputs(ListRules(registry).c_str(), stdout);
    return kExitOk;
  }
  audit::AuditConfig config;
  if (!flags.config.empty()) {
    CHURNML_ASSIGN_OR_RETURN(config, audit::LoadAuditConfig(flags.config));
  }
  CHURNML_ASSIGN_OR_RETURN(audit::ReportFormat format, audit::ParseReportFormat(flags.format));
  audit::Severity fail_on = config.fail_on.value_or(audit::Severity::kLow);
  if (!flags.fail_on.empty()) {
    auto s = audit::ParseSeverity(flags.fail_on);
    if (!s) {
      return InvalidArgumentError("--fail-on: \"" + flags.fail_on +
                                  "\" is not one of low, medium, high, critical");
    }
    fail_on = *s;
  }
  CHURNML_ASSIGN_OR_RETURN(std::vector<const audit::Rule*> rules,
                           registry.Select(flags.rules.empty() ? config.rules : flags.rules));
  for (const std::string& d : config.disable) {
    const audit::Rule* r = registry.Find(d);
    if (r == nullptr) {
      return InvalidArgumentError("audit config " + flags.config + ": disable: unknown rule \"" +
                                  d + "\"");
    }
    std::erase(rules, r);
  }

  audit::AuditOptions options;
  for (const std::string& p : flags.paths) options.walk.roots.emplace_back(p);
  if (options.walk.roots.empty()) options.walk.roots.emplace_back(".");
  options.walk.excludes = config.exclude;
  options.walk.excludes.insert(options.walk.excludes.end(), flags.exclude.begin(),
                               flags.exclude.end());
  options.walk.respect_gitignore = !flags.no_gitignore;
  if (flags.max_file_size > 0) {
    options.walk.max_file_bytes = flags.max_file_size;
  } else if (config.max_file_size) {
    options.walk.max_file_bytes = *config.max_file_size;
  }
  options.rules = rules;
  options.registry = &registry;
  options.jobs = flags.jobs;
  options.tool_version = kVersion;

  std::string advisories_path = flags.advisories.empty() ? config.advisories : flags.advisories;
  audit::AdvisoryDatabase advisories;
  if (!advisories_path.empty()) {
    CHURNML_ASSIGN_OR_RETURN(advisories, audit::AdvisoryDatabase::Load(advisories_path));
    options.advisories = &advisories;
  }
  std::string baseline_path = flags.baseline.empty() ? config.baseline : flags.baseline;
  audit::Baseline baseline;
  if (!baseline_path.empty()) {
    CHURNML_ASSIGN_OR_RETURN(baseline, audit::LoadBaseline(baseline_path));
    options.baseline = &baseline;
  }

  auto start = std::chrono::steady_clock::now();
  CHURNML_ASSIGN_OR_RETURN(audit::AuditReport report, audit::RunAudit(options));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::string rendered = audit::RenderReport(report, format);
  if (flags.output.empty() || flags.output == "-") {
    std::fwrite(rendered.data(), 1, rendered.size(), stdout);
    std::fflush(stdout);
  } else {
    CHURNML_RETURN_IF_ERROR(
        WriteFileAtomically(flags.output, rendered).WithContext("--output " + flags.output));
  }
  if (!flags.write_baseline.empty()) {
    CHURNML_RETURN_IF_ERROR(audit::WriteBaseline(flags.write_baseline, report.findings));
    Say("audit: wrote baseline of " +
        std::to_string(report.findings.size() - static_cast<size_t>(report.SuppressedCount(
                                                    audit::SuppressionKind::kInline))) +
        " findings to " + flags.write_baseline);
  }
  const audit::ScanStats& s = report.stats;
  char timing[256];
  std::snprintf(timing, sizeof timing,
                "audit: %s files, %.1f MB in %.2f s (%.0f files/s, %.1f MB/s); %d active "
                "findings, score %d/100",
                FormatCount(s.files_scanned).c_str(), static_cast<double>(s.bytes_scanned) / 1e6,
                seconds, seconds > 0 ? static_cast<double>(s.files_scanned) / seconds : 0.0,
                seconds > 0 ? static_cast<double>(s.bytes_scanned) / 1e6 / seconds : 0.0,
                report.ActiveCount(), report.score);
  Say(timing);

  if (flags.exit_zero) return kExitOk;
  for (const audit::Finding& f : report.findings) {
    if (f.suppression == audit::SuppressionKind::kNone && f.severity >= fail_on) {
      return kExitFindings;
    }
  }
  return kExitOk;
}

}  // namespace

void RegisterAuditCommand(CLI::App& app, CommandContext& ctx) {
  auto flags = std::make_shared<AuditFlags>();
  CLI::App* cmd = app.add_subcommand(
      "audit",
      "Scan code, configuration and dependency pins for security problems (secrets, injection, "
      "path traversal, XSS, weak crypto, unsafe deserialization, misconfiguration)");
  cmd->add_option("paths", flags->paths, "files or folders to scan (default: .)");
  cmd->add_option("--format", flags->format, "report format: text, json or sarif")
      ->capture_default_str();
  AddFlagAlias(cmd, "--output,-o",
               cmd->add_option("--out", flags->output, "write the report here (default: stdout)"));
  cmd->add_option("--fail-on", flags->fail_on,
                  "exit 1 when an active finding is at or above: low, medium, high, critical "
                  "(default: low)");
  cmd->add_flag("--exit-zero", flags->exit_zero, "always exit 0 unless the scan itself fails");
  cmd->add_option("--baseline", flags->baseline,
                  "JSON baseline: findings listed there do not fail the run");
  cmd->add_option("--write-baseline", flags->write_baseline,
                  "write the current findings as a baseline file (atomically)");
  // Not --config: that is churnml.yaml, the defaults file of every command.
  AddFlagAlias(cmd, "--config",
               cmd->add_option("--audit-config", flags->config,
                               "audit settings file (YAML; see docs/audit.md)"));
  cmd->add_option("--rules", flags->rules,
                  "comma-separated rule IDs, names or prefixes (CML-S*); default all");
  cmd->add_option("--advisories", flags->advisories,
                  "OSV JSON file or folder of advisories for dependency pins");
  cmd->add_option("--exclude", flags->exclude, "gitignore-style pattern to skip (repeatable)");
  cmd->add_flag("--no-gitignore", flags->no_gitignore, "scan files .gitignore would skip");
  cmd->add_option("--max-file-size", flags->max_file_size,
                  "skip files larger than this many bytes (default 4194304)");
  AddFlagAlias(cmd, "--jobs,-j",
               cmd->add_option("--threads", flags->jobs, "scanning threads (0 = one per core)")
                   ->check(CLI::NonNegativeNumber)
                   ->capture_default_str());
  cmd->add_flag("--list-rules", flags->list_rules, "print every rule and exit");
  cmd->footer(
      "Examples:\n"
      "  churnml audit .\n"
      "  churnml audit src config --format sarif --out audit.sarif --fail-on high\n"
      "  churnml audit --list-rules");
  cmd->callback([flags, &ctx] {
    Result<int> code = RunAuditCommand(*flags);
    ctx.exit_code = code.ok() ? *code : ReportError(code.status());
  });
}

}  // namespace churnml::cli
