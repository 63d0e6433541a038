#include <cstdio>

#include "audit/report_format.h"
#include "common/strings.h"

namespace churnml::audit {
namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string Bytes(int64_t n) {
  char buf[32];
  if (n >= (1 << 20)) {
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(n) / (1 << 20));
  } else if (n >= 1024) {
    std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(n) / 1024);
  } else {
    std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(n));
  }
  return buf;
}

}  // namespace

Result<ReportFormat> ParseReportFormat(std::string_view name) {
  if (name == "text") return ReportFormat::kText;
  if (name == "json") return ReportFormat::kJson;
  if (name == "sarif") return ReportFormat::kSarif;
  return InvalidArgumentError("--format: unknown format \"" + std::string(name) +
                              "\" (valid: text, json, sarif)");
}

std::string RenderReport(const AuditReport& report, ReportFormat format) {
  switch (format) {
    case ReportFormat::kText:
      return RenderText(report);
    case ReportFormat::kJson:
      return RenderJson(report);
    case ReportFormat::kSarif:
      return RenderSarif(report);
  }
  return "";
}

std::string RenderText(const AuditReport& report) {
  const ScanStats& s = report.stats;
  std::string out = "churnml audit " + report.tool_version + ": " + FormatCount(s.files_scanned) +
                    " files scanned (" + Bytes(s.bytes_scanned) + ", " +
                    FormatCount(s.lines_scanned) + " lines); skipped " +
                    FormatCount(s.skipped_binary) + " binary, " + FormatCount(s.skipped_too_large) +
                    " too large, " + FormatCount(s.skipped_ignored) + " ignored, " +
                    FormatCount(s.skipped_unreadable) + " unreadable\n";
  for (Severity sev : {Severity::kCritical, Severity::kHigh, Severity::kMedium, Severity::kLow}) {
    int n = report.ActiveCount(sev);
    if (n == 0) continue;
    out += "\n" + Upper(SeverityName(sev)) + " (" + std::to_string(n) + ")\n";
    for (const Finding& f : report.findings) {
      if (f.suppression != SuppressionKind::kNone || f.severity != sev) continue;
      out += "  " + f.path + ":" + std::to_string(f.line) + ":" + std::to_string(f.column) + "  " +
             f.rule->id + "  " + f.message + " [confidence " +
             std::string(ConfidenceName(f.confidence)) + ", CWE-" + std::to_string(f.rule->cwe) +
             ", " + OwaspCode(f.rule->owasp) + "]\n";
      if (!f.snippet.empty()) out += "      | " + f.snippet + "\n";
      if (!f.flow.empty()) {
        out += "      flow:";
        for (size_t i = 0; i < f.flow.size(); ++i) {
          out += std::string(i == 0 ? " " : " -> ") + "line " + std::to_string(f.flow[i].line) +
                 " " + f.flow[i].message;
        }
        out += "\n";
      }
      out += "      fix: " + f.rule->fix + "\n";
    }
  }
  if (!report.warnings.empty()) {
    out += "\nWARNINGS (" + std::to_string(report.warnings.size()) + ")\n";
    for (const ScanWarning& w : report.warnings) {
      out += "  " + (w.path.empty() ? std::string() : w.path + ":") +
             (w.line > 0 ? std::to_string(w.line) + ": " : (w.path.empty() ? "" : " ")) +
             w.message + "\n";
    }
  }
  out += "\nSUMMARY\n";
  out += "  findings: " + std::to_string(report.ActiveCount()) + " active (critical " +
         std::to_string(report.ActiveCount(Severity::kCritical)) + ", high " +
         std::to_string(report.ActiveCount(Severity::kHigh)) + ", medium " +
         std::to_string(report.ActiveCount(Severity::kMedium)) + ", low " +
         std::to_string(report.ActiveCount(Severity::kLow)) + "); suppressed " +
         std::to_string(report.SuppressedCount(SuppressionKind::kInline)) + " inline, " +
         std::to_string(report.SuppressedCount(SuppressionKind::kBaseline)) + " by baseline";
  if (report.baseline_applied) {
    out += " (" + std::to_string(report.baseline_unmatched) + " baseline entries now fixed)";
  }
  out += "\n  score: " + std::to_string(report.score) + "/100 (grade " + report.grade + ")\n";
  out += "  OWASP Top 10 (2021):\n";
  for (const OwaspResult& o : report.owasp) {
    std::string title = OwaspCode(o.category) + " " + std::string(OwaspTitle(o.category));
    title.resize(std::max<size_t>(title.size(), 56), ' ');
    out += "    " + title + " " + std::string(VerdictName(o.verdict));
    if (o.verdict != Verdict::kNotAssessed) {
      out +=
          " (" + std::to_string(o.findings) + " findings, " + std::to_string(o.rules) + " rules)";
    }
    out += "\n";
  }
  return out;
}

}  // namespace churnml::audit
