// The JSON renderer (nlohmann::json; dump() uses the replace error
// handler so invalid UTF-8 in a snippet never throws).
#include <nlohmann/json.hpp>

#include "audit/report_format.h"

namespace churnml::audit {
using nlohmann::json;

namespace {

std::string_view SuppressionName(SuppressionKind k) {
  switch (k) {
    case SuppressionKind::kNone:
      return "none";
    case SuppressionKind::kInline:
      return "inline";
    case SuppressionKind::kBaseline:
      return "baseline";
  }
  return "none";
}

}  // namespace

std::string RenderJson(const AuditReport& report) {
  json findings = json::array();
  for (const Finding& f : report.findings) {
    json j = {{"rule_id", f.rule->id},
              {"rule_name", f.rule->name},
              {"title", f.rule->title},
              {"message", f.message},
              {"severity", SeverityName(f.severity)},
              {"confidence", ConfidenceName(f.confidence)},
              {"cwe", "CWE-" + std::to_string(f.rule->cwe)},
              {"owasp", OwaspCode(f.rule->owasp)},
              {"path", f.path},
              {"line", f.line},
              {"column", f.column},
              {"end_line", f.end_line},
              {"snippet", f.snippet},
              {"fix", f.rule->fix},
              {"fingerprint", f.fingerprint},
              {"suppression", SuppressionName(f.suppression)}};
    if (!f.justification.empty()) j["justification"] = f.justification;
    if (!f.flow.empty()) {
      json flow = json::array();
      for (const FlowStep& s : f.flow) {
        flow.push_back({{"line", s.line}, {"column", s.column}, {"message", s.message}});
      }
      j["flow"] = std::move(flow);
    }
    findings.push_back(std::move(j));
  }
  json warnings = json::array();
  for (const ScanWarning& w : report.warnings) {
    warnings.push_back({{"path", w.path}, {"line", w.line}, {"message", w.message}});
  }
  json owasp = json::array();
  for (const OwaspResult& o : report.owasp) {
    owasp.push_back({{"id", OwaspCode(o.category)},
                     {"title", OwaspTitle(o.category)},
                     {"verdict", VerdictName(o.verdict)},
                     {"rules", o.rules},
                     {"findings", o.findings}});
  }
  const ScanStats& s = report.stats;
  json doc = {{"format_version", 1},
              {"tool", {{"name", "churnml audit"}, {"version", report.tool_version}}},
              {"summary",
               {{"files_scanned", s.files_scanned},
                {"bytes_scanned", s.bytes_scanned},
                {"lines_scanned", s.lines_scanned},
                {"skipped",
                 {{"binary", s.skipped_binary},
                  {"too_large", s.skipped_too_large},
                  {"ignored", s.skipped_ignored},
                  {"unreadable", s.skipped_unreadable}}},
                {"findings",
                 {{"active", report.ActiveCount()},
                  {"critical", report.ActiveCount(Severity::kCritical)},
                  {"high", report.ActiveCount(Severity::kHigh)},
                  {"medium", report.ActiveCount(Severity::kMedium)},
                  {"low", report.ActiveCount(Severity::kLow)},
                  {"suppressed_inline", report.SuppressedCount(SuppressionKind::kInline)},
                  {"suppressed_baseline", report.SuppressedCount(SuppressionKind::kBaseline)}}},
                {"score", report.score},
                {"grade", report.grade}}},
              {"owasp_top10_2021", owasp},
              {"findings", findings},
              {"warnings", warnings}};
  if (report.baseline_applied) doc["summary"]["baseline_unmatched"] = report.baseline_unmatched;
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace churnml::audit
