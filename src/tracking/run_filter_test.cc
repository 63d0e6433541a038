#include "tracking/run_filter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace churnml::tracking {
namespace {

using ::testing::HasSubstr;

TEST(RunFilter, TranslatesAndOfMetricAndParamWithBoundValues) {
  Result<SqlFragment> f = TranslateRunFilter("metrics.roc_auc > 0.85 and params.model = 'xgboost'");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->params.size(), 4u);
  EXPECT_EQ(std::get<std::string>(f->params[0]), "roc_auc");
  EXPECT_EQ(std::get<double>(f->params[1]), 0.85);
  EXPECT_EQ(std::get<std::string>(f->params[3]), "xgboost");
  // Values never enter the SQL text.
  EXPECT_THAT(f->sql, ::testing::Not(HasSubstr("xgboost")));
  EXPECT_THAT(f->sql, ::testing::Not(HasSubstr("0.85")));
  EXPECT_THAT(f->sql, HasSubstr(" AND "));
}

TEST(RunFilter, AcceptsOrParenthesesAndCaseInsensitiveKeywords) {
  Result<SqlFragment> f = TranslateRunFilter(
      "(metrics.f1 >= 0.5 OR tags.team != \"x\") AnD attributes.status = 'finished'");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_THAT(f->sql, HasSubstr(" OR "));
  EXPECT_EQ(std::get<std::string>(f->params.back()), "FINISHED");
}

TEST(RunFilter, QuotedStringsKeepInjectionAttemptsAsValues) {
  Result<SqlFragment> f = TranslateRunFilter("params.model = 'x'' OR 1=1 --'");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(std::get<std::string>(f->params[1]), "x' OR 1=1 --");
  EXPECT_THAT(f->sql, ::testing::Not(HasSubstr("1=1")));
}

TEST(RunFilter, EmptyFilterMatchesEverything) {
  Result<SqlFragment> f = TranslateRunFilter("  ");
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->sql.empty());
}

struct BadFilter {
  const char* text;
  const char* expected;  // substring of the message, including the column
};

class RunFilterErrors : public ::testing::TestWithParam<BadFilter> {};

TEST_P(RunFilterErrors, PointsAtTheOffendingToken) {
  Result<SqlFragment> f = TranslateRunFilter(GetParam().text);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(f.status().message(), HasSubstr(GetParam().expected));
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, RunFilterErrors,
    ::testing::Values(
        BadFilter{"metrics.roc_auc > ", "column 19: expected a number or a quoted string"},
        BadFilter{"metrics.roc_auc 0.8", "column 17: expected a comparison operator"},
        BadFilter{"metrics.roc_auc > 0.8 and", "column 26: expected a field"},
        BadFilter{"metrics.roc_auc > 0.8 params.x = 'a'", "column 23: expected \"and\", \"or\""},
        BadFilter{"metric.roc_auc > 0.8", "column 1: unknown field \"metric.roc_auc\""},
        BadFilter{"params.model > 'a'", "column 14: \"params.model\" is text"},
        BadFilter{"metrics.auc = 'high'", "column 15: \"metrics.auc\" compares with numbers"},
        BadFilter{"params.model = 'xgb", "column 16: unterminated string"},
        BadFilter{"metrics.auc => 1", "column 13: unknown operator \"=>\""},
        BadFilter{"(metrics.auc > 1", "column 17: expected \")\""},
        BadFilter{"metrics.auc > 1.2.3", "column 15: \"1.2.3\" is not a number"},
        BadFilter{"attributes.color = 'red'", "column 1: unknown attribute \"color\""},
        BadFilter{"attributes.status = 'done'", "column 21: unknown run status"},
        BadFilter{"metrics.auc > 1 ; drop", "column 17: unexpected character ';'"}));

TEST(RunOrder, TranslatesDirectionsAndKeepsMissingValuesLast) {
  Result<SqlFragment> f = TranslateRunOrder("metrics.roc_auc desc, attributes.start_time");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_THAT(f->sql, HasSubstr("DESC NULLS LAST"));
  EXPECT_THAT(f->sql, HasSubstr("r.start_time_ms ASC NULLS LAST"));
  ASSERT_EQ(f->params.size(), 1u);
  EXPECT_EQ(std::get<std::string>(f->params[0]), "roc_auc");
}

TEST(RunOrder, RejectsUnknownDirectionWithColumn) {
  Result<SqlFragment> f = TranslateRunOrder("metrics.roc_auc downward");
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(f.status().message(), HasSubstr("order-by, column 17"));
}

// The parser recurses once per parenthesis: 10,000 of them overflowed the
// stack (SIGSEGV) before the depth limit.
TEST(RunFilter, RefusesParenthesesNestedDeeperThanTheLimitWithOneShortLine) {
  std::string filter(10'000, '(');
  filter += "metrics.f1 > 0";
  filter += std::string(10'000, ')');
  Result<SqlFragment> f = TranslateRunFilter(filter);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(f.status().message(), HasSubstr("filter, column 101: parentheses nested more than 100"));
  EXPECT_LT(f.status().message().size(), 200u);
  EXPECT_EQ(f.status().message().find('\n'), std::string::npos);
}

TEST(RunFilter, AcceptsNestingUpToTheLimit) {
  const int depth = kMaxRunFilterDepth;
  std::string filter = std::string(depth, '(') + "metrics.f1 > 0" + std::string(depth, ')');
  Result<SqlFragment> f = TranslateRunFilter(filter);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
}

TEST(RunFilter, RefusesMoreComparisonsThanTheLimit) {
  std::string filter = "metrics.f1 > 0";
  for (int i = 1; i <= kMaxRunFilterComparisons; ++i) filter += " or metrics.f1 > 0";
  Result<SqlFragment> f = TranslateRunFilter(filter);
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(f.status().message(), HasSubstr("more than 256 comparisons"));
}

TEST(RunFilter, QuotesAtMostEightyBytesOfAnOffendingToken) {
  Result<SqlFragment> f = TranslateRunFilter("metrics." + std::string(1 << 20, 'k') + " = 'text'");
  ASSERT_FALSE(f.ok());
  EXPECT_LT(f.status().message().size(), 300u);
  EXPECT_THAT(f.status().message(), HasSubstr("\u2026"));
}

TEST(RunOrder, RefusesMoreFieldsThanTheLimit) {
  std::string order = "metrics.a";
  for (int i = 0; i < kMaxRunOrderFields; ++i) order += ", metrics.a";
  Result<SqlFragment> f = TranslateRunOrder(order);
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(f.status().message(), HasSubstr("more than 32 fields"));
}

}  // namespace
}  // namespace churnml::tracking
