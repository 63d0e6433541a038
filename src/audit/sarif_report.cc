// SARIF 2.1.0 (OASIS) for GitHub code scanning.
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>

#include "audit/report_format.h"

namespace churnml::audit {
using nlohmann::json;

namespace {

std::string_view Level(Severity s) {
  switch (s) {
    case Severity::kCritical:
    case Severity::kHigh:
      return "error";
    case Severity::kMedium:
      return "warning";
    case Severity::kLow:
      return "note";
  }
  return "warning";
}

// GitHub's security-severity: critical > 9.0, high 7.0–8.9, medium 4.0–6.9.
std::string_view SecuritySeverity(Severity s) {
  switch (s) {
    case Severity::kCritical:
      return "9.5";
    case Severity::kHigh:
      return "8.0";
    case Severity::kMedium:
      return "5.5";
    case Severity::kLow:
      return "2.0";
  }
  return "5.5";
}

std::string_view Precision(Confidence c) {
  switch (c) {
    case Confidence::kHigh:
      return "high";
    case Confidence::kMedium:
      return "medium";
    case Confidence::kLow:
      return "low";
  }
  return "medium";
}

// RFC 3986 percent-encoding of everything but unreserved characters and '/'.
std::string UriEscape(std::string_view path) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

json Location(const std::string& path, int line, int column, const std::string* snippet) {
  json region = {{"startLine", std::max(1, line)}};
  if (column > 0) region["startColumn"] = column;
  if (snippet != nullptr && !snippet->empty()) region["snippet"] = {{"text", *snippet}};
  return {{"physicalLocation",
           {{"artifactLocation", {{"uri", UriEscape(path)}, {"uriBaseId", "%SRCROOT%"}}},
            {"region", region}}}};
}

}  // namespace

std::string RenderSarif(const AuditReport& report) {
  json rules = json::array();
  std::map<std::string, size_t> rule_index;
  for (const Rule* r : report.rules) {
    rule_index[r->id] = rules.size();
    std::string cwe = std::to_string(r->cwe);
    rules.push_back(
        {{"id", r->id},
         {"name", r->name},
         {"shortDescription", {{"text", r->title}}},
         {"fullDescription",
          {{"text", r->title + " (CWE-" + cwe + ", OWASP " + OwaspCode(r->owasp) + " " +
                        std::string(OwaspTitle(r->owasp)) + ")."}}},
         {"help", {{"text", r->fix}, {"markdown", "**Fix:** " + r->fix}}},
         {"helpUri", "https://cwe.mitre.org/data/definitions/" + cwe + ".html"},
         {"defaultConfiguration", {{"level", Level(r->severity)}}},
         {"properties",
          {{"tags",
            {"security", "external/cwe/cwe-" + cwe, "owasp-" + OwaspCode(r->owasp).substr(0, 3)}},
           {"precision", Precision(r->confidence)},
           {"problem.severity",
            Level(r->severity) == "note" ? "recommendation" : std::string(Level(r->severity))},
           {"security-severity", SecuritySeverity(r->severity)}}}});
  }
  json results = json::array();
  for (const Finding& f : report.findings) {
    json res = {{"ruleId", f.rule->id},
                {"level", Level(f.severity)},
                {"message", {{"text", f.message}}},
                {"locations", json::array({Location(f.path, f.line, f.column, &f.snippet)})},
                {"partialFingerprints", {{"churnml/v1", f.fingerprint}}},
                {"properties",
                 {{"severity", SeverityName(f.severity)},
                  {"security-severity", SecuritySeverity(f.severity)}}}};
    if (!f.flow.empty()) {
      // One thread flow from the source to the sink (GitHub shows the steps).
      json steps = json::array();
      for (const FlowStep& s : f.flow) {
        json loc = Location(f.path, s.line, s.column, nullptr);
        loc["message"] = {{"text", s.message}};
        steps.push_back({{"location", std::move(loc)}});
      }
      res["codeFlows"] = json::array({{{"threadFlows", json::array({{{"locations", steps}}})}}});
    }
    if (auto it = rule_index.find(f.rule->id); it != rule_index.end()) {
      res["ruleIndex"] = it->second;
    }
    if (f.suppression == SuppressionKind::kInline) {
      json sup = {{"kind", "inSource"}, {"status", "accepted"}};
      if (!f.justification.empty()) sup["justification"] = f.justification;
      res["suppressions"] = json::array({sup});
    } else if (f.suppression == SuppressionKind::kBaseline) {
      res["suppressions"] = json::array(
          {{{"kind", "external"}, {"status", "accepted"}, {"justification", "in baseline"}}});
    }
    if (report.baseline_applied) {
      res["baselineState"] = f.suppression == SuppressionKind::kBaseline ? "unchanged" : "new";
    }
    results.push_back(std::move(res));
  }
  json notifications = json::array();
  for (const ScanWarning& w : report.warnings) {
    json n = {{"level", "warning"}, {"message", {{"text", w.message}}}};
    if (!w.path.empty()) n["locations"] = json::array({Location(w.path, w.line, 0, nullptr)});
    notifications.push_back(std::move(n));
  }
  json run = {{"tool",
               {{"driver",
                 {{"name", "churnml-audit"},
                  {"fullName", "churnml audit security scanner"},
                  {"version", report.tool_version},
                  {"semanticVersion", report.tool_version},
                  {"informationUri", "https://github.com/churnml/churnml/blob/main/docs/audit.md"},
                  {"rules", rules}}}}},
              {"originalUriBaseIds",
               {{"%SRCROOT%",
                 {{"description", {{"text", "The folder the scan paths are relative to."}}}}}}},
              {"invocations", json::array({{{"executionSuccessful", true},
                                            {"toolExecutionNotifications", notifications}}})},
              {"columnKind", "unicodeCodePoints"},
              {"results", results},
              {"properties",
               {{"score", report.score},
                {"grade", report.grade},
                {"filesScanned", report.stats.files_scanned}}}};
  json doc = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
              {"version", "2.1.0"},
              {"runs", json::array({run})}};
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace churnml::audit
