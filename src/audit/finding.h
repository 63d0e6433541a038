// One step of a data flow from a source to a sink, in report order.
struct FlowStep {
  int line = 1;         // 1-based
  int column = 1;       // 1-based, in characters
  std::string message;  // "request.args (source)", "cmd = ...", "subprocess.run (sink)"
};

// What a scan produces: findings (active or suppressed), warnings, and the
// counts the summary and score are computed from.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "audit/rule.h"

namespace churnml::audit {

// Why a finding does not count against the exit code and the score.
enum class SuppressionKind {
  kNone,      // active
  kInline,    // an inline suppression comment in the source
  kBaseline,  // listed in the --baseline file
};

struct Finding {
  const Rule* rule = nullptr;                   // owned by the RuleRegistry
  Severity severity = Severity::kMedium;        // the rule's, the advisory's, or the data flow's
  Confidence confidence = Confidence::kMedium;  // the rule's, or the data flow's
  std::string path;                             // relative to the report base, '/' separators
  int line = 1;                                 // 1-based
  int column = 1;                               // 1-based, in characters
  int end_line = 1;                             // last line of the matched statement
  std::string snippet;                          // the matched line, trimmed, secrets redacted
  std::string message;                          // rule title plus detail (e.g. advisory id)
  std::string fingerprint;                      // line-number independent; see baseline.h
  // Tree rules: the text-based fingerprint earlier versions computed, so a
  // baseline written before the tree rules keeps matching. Else empty.
  std::string legacy_fingerprint;
  std::vector<FlowStep> flow;  // source → sink steps (tree rules with a data flow)
  SuppressionKind suppression = SuppressionKind::kNone;
  std::string justification;  // the reason after "--" for inline suppressions
};

// A suppression comment that suppressed nothing, or another scan warning.
struct ScanWarning {
  std::string path;  // may be empty for global warnings
  int line = 0;
  std::string message;
};

struct ScanStats {
  int64_t files_scanned = 0;
  int64_t bytes_scanned = 0;
  int64_t lines_scanned = 0;
  int64_t skipped_binary = 0;
  int64_t skipped_too_large = 0;
  int64_t skipped_ignored = 0;  // .gitignore and configured excludes (files and folders)
  int64_t skipped_unreadable = 0;
};

}  // namespace churnml::audit
