// Matches every selected pattern rule against a file in one pass: a
// Hyperscan literal database finds all rule keywords (and suppression
// markers) at once, and only the lines around a keyword hit are handed to the
// rule's RE2 pattern. Files without keywords cost one Hyperscan pass.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "audit/language.h"
#include "audit/rule.h"
#include "common/status.h"

namespace churnml::audit {

// One pattern hit, as byte offsets into the file text.
struct RawMatch {
  const Rule* rule = nullptr;
  size_t begin = 0;        // first byte of the match
  size_t scope_begin = 0;  // first byte of the statement the pattern saw
  size_t scope_end = 0;    // one past its last byte
  size_t secret_begin = 0;
  size_t secret_end = 0;  // == secret_begin when there is no secret to redact
};

// Start offsets of lines holding a suppression marker ("churnml:ignore" or
// "nosec"), in increasing order, without duplicates.
struct MarkerHits {
  std::vector<size_t> line_starts;
  // A Python file held a keyword of a tree rule (TreeCheck): it needs a parse.
  bool tree_rule_keyword = false;
};

class RuleMatcher {
 public:
  // Compiles the keyword database and every RE2 pattern. InvalidArgument
  // names the rule whose pattern does not compile. Rules with a file check
  // are ignored here. The rules must outlive the matcher.
  static Result<std::unique_ptr<RuleMatcher>> Compile(const std::vector<const Rule*>& rules);
  ~RuleMatcher();
  RuleMatcher(const RuleMatcher&) = delete;
  RuleMatcher& operator=(const RuleMatcher&) = delete;

  // Per-thread working memory for Scan; one per scanning thread.
  class Scratch;
  Result<std::unique_ptr<Scratch>> NewScratch() const;

  // Appends the pattern hits in `text` (deduplicated by rule and start
  // offset, ordered by offset) and the suppression marker lines. Thread-safe
  // given distinct scratch objects.
  Status Scan(std::string_view text, Language language, Scratch& scratch,
              std::vector<RawMatch>& matches, MarkerHits& markers) const;

 private:
  struct Impl;
  explicit RuleMatcher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class RuleMatcher::Scratch {
 public:
  Scratch();
  ~Scratch();
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  struct State;
  std::unique_ptr<State> state;
};

// [begin, end) of the statement starting at the line holding `offset`:
// continues over following lines while brackets stay open or a line ends
// with a backslash (at most 30 lines). Trailing '\r' and '\n' excluded.
std::pair<size_t, size_t> StatementSpan(std::string_view text, size_t offset);

// [begin, end) of the line holding `offset`, without its '\r\n'.
std::pair<size_t, size_t> LineSpan(std::string_view text, size_t offset);

}  // namespace churnml::audit
