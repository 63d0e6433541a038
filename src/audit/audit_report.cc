#include "audit/audit_report.h"

#include <cmath>
#include <map>
#include <tuple>

namespace churnml::audit {
namespace {

double SeverityWeight(Severity s) {
  switch (s) {
    case Severity::kCritical:
      return 20.0;
    case Severity::kHigh:
      return 10.0;
    case Severity::kMedium:
      return 4.0;
    case Severity::kLow:
      return 1.0;
  }
  return 1.0;
}

double ConfidenceFactor(Confidence c) {
  switch (c) {
    case Confidence::kHigh:
      return 1.0;
    case Confidence::kMedium:
      return 0.75;
    case Confidence::kLow:
      return 0.5;
  }
  return 1.0;
}

}  // namespace

int AuditReport::ActiveCount() const {
  int n = 0;
  for (const Finding& f : findings) n += f.suppression == SuppressionKind::kNone;
  return n;
}

int AuditReport::ActiveCount(Severity s) const {
  int n = 0;
  for (const Finding& f : findings) n += f.suppression == SuppressionKind::kNone && f.severity == s;
  return n;
}

int AuditReport::SuppressedCount(SuppressionKind kind) const {
  int n = 0;
  for (const Finding& f : findings) n += f.suppression == kind;
  return n;
}

void ComputeScore(AuditReport& report) {
  struct PerRule {
    int count = 0;
    Severity worst = Severity::kLow;
    Confidence confidence = Confidence::kHigh;
  };
  std::map<std::string, PerRule> per_rule;
  for (const Finding& f : report.findings) {
    if (f.suppression != SuppressionKind::kNone) continue;
    PerRule& p = per_rule[f.rule->id];
    // The worst finding sets the weight, with its own confidence.
    if (p.count == 0 || std::tie(f.severity, f.confidence) > std::tie(p.worst, p.confidence)) {
      p.worst = f.severity;
      p.confidence = f.confidence;
    }
    ++p.count;
  }
  double penalty = 0.0;
  for (const auto& [id, p] : per_rule) {
    penalty += SeverityWeight(p.worst) * ConfidenceFactor(p.confidence) *
               (1.0 + std::log2(static_cast<double>(p.count)));
  }
  report.score = static_cast<int>(std::lround(std::max(0.0, 100.0 - penalty)));
  int s = report.score;
  report.grade = s >= 90 ? "A" : s >= 75 ? "B" : s >= 50 ? "C" : s >= 25 ? "D" : "F";
}

void ComputeOwasp(AuditReport& report) {
  report.owasp.clear();
  for (int i = 1; i <= kOwaspCategoryCount; ++i) {
    OwaspResult r;
    r.category = static_cast<OwaspCategory>(i);
    bool fail = false;
    for (const Rule* rule : report.rules) r.rules += rule->owasp == r.category;
    for (const Finding& f : report.findings) {
      if (f.suppression != SuppressionKind::kNone || f.rule->owasp != r.category) continue;
      ++r.findings;
      if (f.severity >= Severity::kMedium) fail = true;
    }
    r.verdict = r.rules == 0 ? Verdict::kNotAssessed : fail ? Verdict::kFail : Verdict::kPass;
    report.owasp.push_back(r);
  }
}

std::string_view VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kPass:
      return "pass";
    case Verdict::kFail:
      return "fail";
    case Verdict::kNotAssessed:
      return "not assessed";
  }
  return "";
}

}  // namespace churnml::audit
