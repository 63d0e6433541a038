// .gitignore semantics for the file walker: patterns from each .gitignore
// apply below the folder holding it, later patterns win, '!' re-includes,
// a trailing '/' matches folders only, '**' spans folders.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace churnml::audit {

// Matches `text` against a gitignore glob: '*' and '?' never match '/',
// '[...]' is a character class, '**' matches any number of folders.
bool GlobMatch(std::string_view pattern, std::string_view text);

class IgnoreRules {
 public:
  // Adds the patterns of one ignore file. `base` is the folder holding it,
  // relative to the walk's ignore root ("" for the root itself, no trailing
  // slash).
  void AddPatterns(std::string_view base, std::string_view file_text);

  // True when the last pattern matching `path` (relative to the ignore root)
  // is not a negation.
  bool IsIgnored(std::string_view path, bool is_dir) const;

  bool empty() const { return patterns_.empty(); }

 private:
  struct Pattern {
    std::string base;  // folder the pattern is relative to
    std::string glob;
    bool negated = false;
    bool dir_only = false;
    bool anchored = false;  // contains a '/' other than a trailing one
  };
  std::vector<Pattern> patterns_;
};

}  // namespace churnml::audit
