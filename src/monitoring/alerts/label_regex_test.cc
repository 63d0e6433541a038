#include "monitoring/alerts/label_regex.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace churnml::monitoring {
namespace {

TEST(LabelRegex, MatchesTheWholeValue) {
  Result<LabelRegex> re = LabelRegex::Compile("api|web-[0-9]+");
  ASSERT_TRUE(re.ok()) << re.status().ToString();
  EXPECT_TRUE(re->FullMatch("api"));
  EXPECT_TRUE(re->FullMatch("web-12"));
  EXPECT_FALSE(re->FullMatch("web-12x"));
  EXPECT_FALSE(re->FullMatch("xapi"));
  EXPECT_EQ(re->pattern(), "api|web-[0-9]+");
}

TEST(LabelRegex, InvalidPatternNamesRe2sReason) {
  Result<LabelRegex> re = LabelRegex::Compile("(a");
  ASSERT_FALSE(re.ok());
  EXPECT_EQ(re.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(re.status().message().find("invalid regex: missing )"), std::string::npos)
      << re.status().message();
}

// RE2's error text quotes the pattern: the message must not (found by
// alert_expr_fuzz, a 500-byte pattern gave a 500-byte message).
TEST(LabelRegex, InvalidPatternMessageQuotesItShort) {
  Result<LabelRegex> r = LabelRegex::Compile("a" + std::string(3000, '('));
  ASSERT_FALSE(r.ok());
  EXPECT_LT(r.status().message().size(), 200u) << r.status().message();
}

TEST(LabelRegex, NestedQuantifiersMatchInLinearTime) {
  // std::regex backtracks exponentially on this (it spun the alert thread).
  Result<LabelRegex> re = LabelRegex::Compile("(.*)*(a|aa)*x");
  ASSERT_TRUE(re.ok()) << re.status().ToString();
  const std::string text(200000, 'a');
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(re->FullMatch(text));
  // A hang guard, not a timing assertion: exponential backtracking would
  // take longer than the universe has.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
}

TEST(LabelRegex, DeeplyNestedPatternIsRefusedOrCompiledWithoutCrashing) {
  // 60 KB of nesting crashed std::regex with a stack overflow.
  const std::string huge = std::string(30000, '(') + "a" + std::string(30000, ')');
  Result<LabelRegex> re = LabelRegex::Compile(huge);
  ASSERT_FALSE(re.ok());
  EXPECT_NE(re.status().message().find("over the limit of 4096"), std::string::npos);
  // Within the length limit, as deep as it gets.
  const std::string deep = std::string(2000, '(') + "a" + std::string(2000, ')');
  Result<LabelRegex> nested = LabelRegex::Compile(deep);
  if (nested.ok()) {
    EXPECT_TRUE(nested->FullMatch("a"));
  } else {
    EXPECT_EQ(nested.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(LabelRegex, ProgramOverTheLimitIsRefused) {
  // Short to type, huge once compiled: each counted repetition is copied
  // into the program (330 bytes of pattern, over 30,000 instructions).
  std::string pattern;
  for (int i = 0; i < 30; ++i) pattern += "[a-z]{1000}";
  Result<LabelRegex> re = LabelRegex::Compile(pattern);
  ASSERT_FALSE(re.ok());
  EXPECT_NE(re.status().message().find("too complex"), std::string::npos) << re.status().message();
}

}  // namespace
}  // namespace churnml::monitoring
