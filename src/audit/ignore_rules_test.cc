#include "audit/ignore_rules.h"

#include <gtest/gtest.h>

namespace churnml::audit {
namespace {

TEST(GlobMatch, StarsQuestionMarksAndClasses) {
  EXPECT_TRUE(GlobMatch("*.py", "a.py"));
  EXPECT_FALSE(GlobMatch("*.py", "dir/a.py"));
  EXPECT_TRUE(GlobMatch("**/a.py", "x/y/a.py"));
  EXPECT_TRUE(GlobMatch("**/a.py", "a.py"));
  EXPECT_TRUE(GlobMatch("a/**/b", "a/b"));
  EXPECT_TRUE(GlobMatch("a/**/b", "a/x/y/b"));
  EXPECT_TRUE(GlobMatch("build/**", "build/x/y"));
  EXPECT_TRUE(GlobMatch("file?.[ch]", "file1.c"));
  EXPECT_FALSE(GlobMatch("file?.[ch]", "file1.o"));
  EXPECT_TRUE(GlobMatch("[!a]x", "bx"));
}

TEST(IgnoreRules, GitignoreSemantics) {
  IgnoreRules rules;
  rules.AddPatterns("", "# comment\n/build*/\n*.log\n!keep.log\nnode_modules/\ndocs/*.tmp\n");
  rules.AddPatterns("sub", "secret.txt\n/anchored.txt\n");
  EXPECT_TRUE(rules.IsIgnored("build-audit", true));
  EXPECT_FALSE(rules.IsIgnored("build-audit", false));     // dir-only pattern
  EXPECT_FALSE(rules.IsIgnored("src/build-audit", true));  // anchored at the root
  EXPECT_TRUE(rules.IsIgnored("a/b/c.log", false));
  EXPECT_FALSE(rules.IsIgnored("a/keep.log", false));  // negated
  EXPECT_TRUE(rules.IsIgnored("x/node_modules", true));
  EXPECT_TRUE(rules.IsIgnored("docs/a.tmp", false));
  EXPECT_FALSE(rules.IsIgnored("docs/deep/a.tmp", false));
  EXPECT_TRUE(rules.IsIgnored("sub/deep/secret.txt", false));
  EXPECT_FALSE(rules.IsIgnored("other/secret.txt", false));
  EXPECT_TRUE(rules.IsIgnored("sub/anchored.txt", false));
  EXPECT_FALSE(rules.IsIgnored("sub/deep/anchored.txt", false));
}

}  // namespace
}  // namespace churnml::audit
