// Inline suppressions: a comment "churnml:ignore CML-S001[,CML-I010] -- reason"
// or Bandit's "nosec" comment (optionally followed by IDs). A trailing comment covers
// the statement it sits in; a comment alone on its line also covers the
// statement that starts on the next line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "audit/finding.h"

namespace churnml::audit {

struct InlineSuppression {
  int line = 0;                       // 1-based
  bool standalone = false;            // nothing but the comment on its line
  bool nosec = false;                 // "# nosec" rather than "churnml:ignore"
  std::vector<std::string> rule_ids;  // empty: every rule
  std::string reason;                 // text after "--"
  std::string opener;                 // the comment opener: "#", "//", "<!--"...
  bool used = false;
};

// Parses a line holding a marker into `out`. False when the line has no
// marker, or the marker is not inside a comment.
bool ParseSuppression(std::string_view line_text, int line_number, InlineSuppression& out);

// 1-based line numbers of a text: line_starts[i] is the offset of line i+1.
class LineIndex {
 public:
  explicit LineIndex(std::string_view text);
  int LineOf(size_t offset) const;  // 1-based
  size_t LineStart(int line) const { return starts_[static_cast<size_t>(line - 1)]; }
  int line_count() const { return static_cast<int>(starts_.size()); }

 private:
  std::vector<size_t> starts_;
};

// First line of the statement holding `line`: moves up while the previous
// line ends with an opener or continuation ("(", "[", "{", ",", "\\", "+",
// "="), at most 30 lines.
int StatementFirstLine(std::string_view text, const LineIndex& lines, int line);

// Marks `finding` suppressed when a suppression covers lines
// [first_line, end_line] for its rule; sets used on the suppression.
void ApplySuppressions(std::vector<InlineSuppression>& suppressions, int first_line,
                       Finding& finding);

}  // namespace churnml::audit
