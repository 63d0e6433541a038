#include "audit/rule_registry.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "audit/rule_matcher.h"

namespace churnml::audit {
namespace {

TEST(RuleRegistry, BuiltinRulesHaveCompleteMetadataAndCompile) {
  RuleRegistry registry;
  ASSERT_TRUE(RegisterBuiltinRules(registry).ok());
  EXPECT_GE(registry.rules().size(), 60u);
  std::regex id_shape("CML-[SIPXCDKV][0-9]{3}");
  std::vector<const Rule*> all;
  for (const Rule& r : registry.rules()) {
    EXPECT_TRUE(std::regex_match(r.id, id_shape)) << r.id;
    EXPECT_FALSE(r.fix.empty()) << r.id;
    EXPECT_GT(r.cwe, 0) << r.id;
    all.push_back(&r);
  }
  Result<std::unique_ptr<RuleMatcher>> m = RuleMatcher::Compile(all);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
}

TEST(RuleRegistry, RejectsDuplicatesAndIncompleteRules) {
  RuleRegistry registry;
  Rule r;
  r.id = "CML-T001";
  r.name = "t";
  r.title = "T";
  r.pattern.keywords = {"x"};
  r.pattern.regex = "x";
  ASSERT_TRUE(registry.Register(r).ok());
  EXPECT_EQ(registry.Register(r).code(), StatusCode::kAlreadyExists);
  Rule bad = r;
  bad.id = "CML-T002";
  bad.name = "t2";
  bad.pattern.regex.clear();
  EXPECT_EQ(registry.Register(bad).code(), StatusCode::kInvalidArgument);
}

TEST(RuleRegistry, SelectsByIdNameAndPrefix) {
  RuleRegistry registry;
  ASSERT_TRUE(RegisterBuiltinRules(registry).ok());
  auto sel = registry.Select("CML-S001, yaml-unsafe-load,CML-K01*");
  ASSERT_TRUE(sel.ok());
  std::set<std::string> ids;
  for (const Rule* r : *sel) ids.insert(r->id);
  EXPECT_TRUE(ids.count("CML-S001"));
  EXPECT_TRUE(ids.count("CML-D004"));
  EXPECT_TRUE(ids.count("CML-K010"));
  EXPECT_TRUE(ids.count("CML-K014"));
  EXPECT_FALSE(ids.count("CML-K020"));
  auto bad = registry.Select("CML-S001,nope");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("\"nope\""), std::string::npos);
  EXPECT_EQ(registry.Select("")->size(), registry.rules().size());
}

TEST(RuleMatcher, BadPatternNamesTheRule) {
  Rule r;
  r.id = "CML-T003";
  r.name = "t3";
  r.title = "T";
  r.pattern.keywords = {"x"};
  r.pattern.regex = "(unclosed";
  Result<std::unique_ptr<RuleMatcher>> m = RuleMatcher::Compile({&r});
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("CML-T003"), std::string::npos);
}

}  // namespace
}  // namespace churnml::audit
