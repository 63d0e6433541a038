// RunAudit: walk the roots, scan every file in parallel with the selected
// rules, apply inline suppressions and the baseline, and score the result.
#pragma once

#include <string>
#include <vector>

#include "audit/advisories.h"
#include "audit/audit_report.h"
#include "audit/baseline.h"
#include "audit/file_walker.h"
#include "audit/rule_registry.h"
#include "common/status.h"

namespace churnml::audit {

struct AuditOptions {
  WalkOptions walk;
  // The rules to run (from RuleRegistry::Select); must outlive the report.
  std::vector<const Rule*> rules;
  // Used to tell an unknown rule ID in a suppression from an unselected one.
  const RuleRegistry* registry = nullptr;
  const AdvisoryDatabase* advisories = nullptr;  // optional
  const Baseline* baseline = nullptr;            // optional
  int jobs = 0;                                  // scanning threads; 0 = one per hardware thread
  std::string tool_version;
};

// Errors: the walk's (missing root), or an internal matcher failure. A file
// that cannot be read is counted and reported as a warning, not an error.
Result<AuditReport> RunAudit(const AuditOptions& options);

}  // namespace churnml::audit
