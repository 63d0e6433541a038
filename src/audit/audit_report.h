// The result of one audit: every finding (active and suppressed), warnings,
// counts, the 0–100 score and the OWASP Top 10 verdicts. Reporters render it.
#pragma once

#include <string>
#include <vector>

#include "audit/finding.h"
#include "audit/rule.h"

namespace churnml::audit {

enum class Verdict { kPass, kFail, kNotAssessed };

struct OwaspResult {
  OwaspCategory category;
  Verdict verdict = Verdict::kNotAssessed;
  int rules = 0;     // selected rules mapped to the category
  int findings = 0;  // active findings in the category
};

struct AuditReport {
  std::string tool_version;
  std::string base;                   // absolute folder paths are relative to
  std::vector<const Rule*> rules;     // the rules that ran, in registry order
  std::vector<Finding> findings;      // sorted by path, line, column, rule
  std::vector<ScanWarning> warnings;  // sorted by path, line
  ScanStats stats;
  bool baseline_applied = false;   // a --baseline was given
  int baseline_unmatched = 0;      // baseline entries that matched nothing
  int score = 100;                 // see ComputeScore
  std::string grade;               // A–F
  std::vector<OwaspResult> owasp;  // A01..A10

  int ActiveCount() const;
  int ActiveCount(Severity s) const;
  int SuppressedCount(SuppressionKind kind) const;
};

// Score (documented in docs/audit.md): 100 minus, for each rule with n active
// findings, weight(severity) × factor(confidence) × (1 + log2 n), floored at
// 0 and rounded. Weights: critical 20, high 10, medium 4, low 1; factors:
// high 1.0, medium 0.75, low 0.5. Severity is the highest among the rule's
// active findings. Grades: A ≥ 90, B ≥ 75, C ≥ 50, D ≥ 25, else F.
void ComputeScore(AuditReport& report);

// A category fails with any active finding of medium severity or above;
// passes otherwise; is "not assessed" when no selected rule maps to it.
void ComputeOwasp(AuditReport& report);

std::string_view VerdictName(Verdict v);

}  // namespace churnml::audit
