// The Python tree rules: resolves names through imports and aliases, reads
// literal vs non-literal and keyword arguments, and follows data inside each
// function (intra-procedural taint) from request sources (Flask request.*,
// route parameters, sys.argv, input(), os.environ) through assignments,
// f-strings, concatenation, % and .format into sinks (SQL execute, shell,
// eval/exec, file paths, templates, deserializers). See docs/audit.md.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "audit/python_syntax.h"
#include "audit/rule.h"

namespace churnml::audit {

inline constexpr size_t kTreeCheckCount = static_cast<size_t>(TreeCheck::kNumpyPickle) + 1;

// The selected rule for each tree check (nullptr: not selected).
struct TreeRuleSet {
  std::array<const Rule*, kTreeCheckCount> rules{};
  const Rule* Get(TreeCheck c) const { return rules[static_cast<size_t>(c)]; }
  bool empty() const;
};
TreeRuleSet MakeTreeRuleSet(const std::vector<const Rule*>& selected);

// One tree-rule hit, as byte offsets into the analysed text.
struct TreeMatch {
  const Rule* rule = nullptr;
  uint32_t begin = 0;  // where the finding is reported (the call, keyword or target)
  uint32_t end = 0;    // end of the reported construct (its statement's last line)
  Severity severity = Severity::kMedium;
  Confidence confidence = Confidence::kMedium;
  std::string detail;  // appended to the rule title, e.g. "command from request.args"
  struct Step {
    uint32_t offset = 0;
    std::string message;
  };
  std::vector<Step> flow;  // source, assignments, sink; empty without a tracked source
  // Fingerprint material independent of line numbers: the enclosing
  // function's qualified name and the construct's whitespace-collapsed text.
  std::string anchor;
};

// Appends the findings of every selected tree rule on `tree`, ordered by
// offset. Deterministic; bounded work per node (nesting deeper than
// kMaxDepth is not analysed).
void AnalyzePython(const SyntaxTree& tree, const TreeRuleSet& rules, std::vector<TreeMatch>& out);

inline constexpr int kMaxAnalysisDepth = 200;

}  // namespace churnml::audit
