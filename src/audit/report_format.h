// Renderers for an AuditReport. All output is deterministic for a given
// report (no timestamps, no absolute paths), so it can be golden-tested.
#pragma once

#include <string>
#include <string_view>

#include "audit/audit_report.h"
#include "common/status.h"

namespace churnml::audit {

enum class ReportFormat { kText, kJson, kSarif };

// "text", "json" or "sarif"; InvalidArgument lists the valid names.
Result<ReportFormat> ParseReportFormat(std::string_view name);

// Findings grouped by severity (critical first) with file:line:column, rule,
// snippet (secrets redacted) and fix; then warnings and the summary (counts,
// score, OWASP Top 10 verdicts). Suppressed findings are counted, not listed.
std::string RenderText(const AuditReport& report);

// Every finding (with its suppression state), warnings, stats, score and
// OWASP verdicts as one JSON object ("format_version": 1).
std::string RenderJson(const AuditReport& report);

// SARIF 2.1.0 for GitHub code scanning: relative URIs under %SRCROOT%,
// stable rule IDs with CWE/OWASP tags and security-severity, and
// partialFingerprints {"churnml/v1": fingerprint}. Suppressed findings carry
// "suppressions" (inSource or external).
std::string RenderSarif(const AuditReport& report);

std::string RenderReport(const AuditReport& report, ReportFormat format);

}  // namespace churnml::audit
