// Baselines: the fingerprints of accepted findings, so CI fails only on new
// ones. A fingerprint hashes the rule ID, the file path, the matched line's
// text (whitespace-collapsed, secrets redacted) and the occurrence index of
// that text in the file — never the line number, so inserting lines above a
// finding keeps it baselined.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "audit/finding.h"
#include "common/status.h"

namespace churnml::audit {

// 32 hex digits (XXH3-128).
std::string ComputeFingerprint(std::string_view rule_id, std::string_view path,
                               std::string_view snippet, int occurrence);

struct Baseline {
  std::set<std::string> fingerprints;
};

// File format (JSON, version 1):
//   {"version": 1, "tool": "churnml audit",
//    "findings": [{"fingerprint": "...", "rule": "CML-S001", "path": "a.py"}, ...]}
// NotFound/IOError when unreadable; InvalidArgument names the problem.
Result<Baseline> LoadBaseline(const std::filesystem::path& path);

// Writes every finding that is not inline-suppressed, sorted, atomically
// (temporary file + rename).
Status WriteBaseline(const std::filesystem::path& path, const std::vector<Finding>& findings);

// Marks active findings whose fingerprint (or legacy_fingerprint) is in the
// baseline as kBaseline.
// Returns how many baseline entries matched nothing (fixed since).
int ApplyBaseline(const Baseline& baseline, std::vector<Finding>& findings);

}  // namespace churnml::audit
