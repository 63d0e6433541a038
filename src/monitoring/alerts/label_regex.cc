#include "monitoring/alerts/label_regex.h"

#include <re2/re2.h>

#include "common/strings.h"

namespace churnml::monitoring {

Result<LabelRegex> LabelRegex::Compile(std::string_view pattern) {
  if (pattern.size() > kMaxPatternBytes) {
    return InvalidArgumentError("regex of " + std::to_string(pattern.size()) +
                                " bytes is over the limit of " + std::to_string(kMaxPatternBytes));
  }
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(kMaxMemoryBytes);
  auto re = std::make_shared<const RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!re->ok()) {
    if (re->error_code() == RE2::ErrorPatternTooLarge) {
      return InvalidArgumentError("regex is too complex (its compiled program is over the limit)");
    }
    // RE2's text quotes the pattern (up to kMaxPatternBytes): cut it short.
    return InvalidArgumentError("invalid regex: " + Abbreviate(re->error()));
  }
  if (re->ProgramSize() > kMaxProgramSize) {
    return InvalidArgumentError("regex is too complex (" + std::to_string(re->ProgramSize()) +
                                " program instructions, the limit is " +
                                std::to_string(kMaxProgramSize) + ")");
  }
  LabelRegex regex;
  regex.pattern_ = std::string(pattern);
  regex.re_ = std::move(re);
  return regex;
}

bool LabelRegex::FullMatch(std::string_view text) const {
  return RE2::FullMatch(re2::StringPiece(text.data(), text.size()), *re_);
}

}  // namespace churnml::monitoring
