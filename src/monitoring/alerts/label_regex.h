// A label-value regular expression: silence matchers (POST /alerts/silences,
// `alerts silence --matcher name=~re`) and rule matchers. RE2 syntax (the
// one Prometheus and Alertmanager use), fully anchored. Patterns may come
// from any client with an API key, so they are held to RE2's guarantees:
// matching time is linear in the input whatever the pattern (no
// backtracking: `(.*)*x` is as cheap as `.*x`), compiling uses no
// recursion on the pattern's nesting, and the compiled program is bounded
// (kMaxProgramSize instructions, kMaxMemoryBytes) — a pattern over a bound
// is refused with InvalidArgument, never compiled.
//
// Thread safety: immutable after Compile; FullMatch is safe on any number
// of threads. Copies share the compiled program.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace re2 {
class RE2;
}

namespace churnml::monitoring {

class LabelRegex {
 public:
  static constexpr std::size_t kMaxPatternBytes = 4096;
  static constexpr int kMaxProgramSize = 20000;          // RE2 program instructions
  static constexpr long long kMaxMemoryBytes = 2 << 20;  // RE2 max_mem

  // InvalidArgument: a pattern over kMaxPatternBytes, one RE2 cannot parse
  // (the message has RE2's reason, e.g. "missing ): (a"), or one whose
  // program is over the bounds.
  static Result<LabelRegex> Compile(std::string_view pattern);

  // Whether the whole of `text` matches.
  bool FullMatch(std::string_view text) const;
  const std::string& pattern() const { return pattern_; }

 private:
  LabelRegex() = default;
  std::string pattern_;
  std::shared_ptr<const re2::RE2> re_;
};

}  // namespace churnml::monitoring
