#include "monitoring/alerts/alert_expr.h"

#include <gtest/gtest.h>

#include <cmath>

namespace churnml::monitoring {
namespace {

using std::chrono::seconds;

MetricSample S(std::string name, std::vector<std::pair<std::string, std::string>> labels,
               double v) {
  return MetricSample{std::move(name), std::move(labels), v};
}

std::shared_ptr<const Expr> MustParse(std::string_view text) {
  auto e = ParseExpr(text);
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  return e.ok() ? *e : nullptr;
}

TEST(ParseDuration, AcceptsUnitsAndCompounds) {
  EXPECT_EQ(*ParseDuration("30s"), seconds(30));
  EXPECT_EQ(*ParseDuration("5m"), seconds(300));
  EXPECT_EQ(*ParseDuration("1h"), seconds(3600));
  EXPECT_EQ(*ParseDuration("1m30s"), seconds(90));
  EXPECT_EQ(*ParseDuration("250ms"), std::chrono::milliseconds(250));
  EXPECT_FALSE(ParseDuration("5").ok());
  EXPECT_FALSE(ParseDuration("5w").ok());
  EXPECT_FALSE(ParseDuration("").ok());
  EXPECT_FALSE(ParseDuration("999999999999d").ok());
  EXPECT_EQ(FormatDuration(seconds(90)), "1m30s");
}

TEST(ParseExpr, ReportsTheColumnOfTheError) {
  auto e = ParseExpr("rate(churnml_http_requests_total{code=\"500\"[1m])");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().message().rfind("column 44: expected \"}\"", 0), 0u) << e.status().message();

  e = ParseExpr("average(x)");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("column 1: unknown function \"average\""), std::string::npos);

  e = ParseExpr("quantile(1.5, h[5m])");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("between 0 and 1"), std::string::npos);

  e = ParseExpr("value(x{a=~\"(\"})");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("column 12: invalid regex"), std::string::npos)
      << e.status().message();

  e = ParseExpr("value(x) extra");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("column 10"), std::string::npos);
}

// 100,000 nested ratio( overflowed the stack (SIGSEGV) before the limit.
TEST(ParseExpr, RefusesRatioNestedDeeperThanTheLimit) {
  std::string text;
  for (int i = 0; i < 100'000; ++i) text += "ratio(";
  auto e = ParseExpr(text);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(e.status().message().rfind("column 601: ratio() nested more than 100 deep", 0), 0u)
      << e.status().message();
}

TEST(ParseExpr, AcceptsRatioNestedUpToTheLimitAndEvaluatesIt) {
  std::string text = "value(a)";
  for (int i = 0; i < kMaxExprDepth; ++i) text = "ratio(" + text + ", value(b))";
  auto e = ParseExpr(text);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  SampleHistory h(seconds(60), 100);
  h.Add(Clock::TimePoint{} + seconds(1), {S("a", {}, 1), S("b", {}, 1)});
  EXPECT_EQ(EvaluateExpr(**e, h), 1.0);
  EXPECT_FALSE(ParseExpr("ratio(" + text + ", value(b))").ok());
}

TEST(ParseExpr, QuotesAtMostEightyBytesOfTheInput) {
  auto e = ParseExpr(std::string(1 << 20, 'f') + "(x)");
  ASSERT_FALSE(e.ok());
  EXPECT_LT(e.status().message().size(), 250u);
}

// Found by alert_expr_fuzz: a bad window quoted all of itself.
TEST(ParseExpr, QuotesABadWindowShort) {
  auto e = ParseExpr("rate(q[" + std::string(1 << 16, 'k') + "])");
  ASSERT_FALSE(e.ok());
  EXPECT_LT(e.status().message().size(), 250u) << e.status().message().substr(0, 300);
  EXPECT_LT(ParseDuration(std::string(1 << 16, '9') + "d").status().message().size(), 250u);
}

// Rule matchers are RE2 like silences: a nested pattern that overflowed
// std::regex's stack is refused, and `(.*)*` matches in linear time.
TEST(ParseExpr, RegexMatchersAreBoundedAndLinear) {
  const std::string nested = std::string(30000, '(') + "a" + std::string(30000, ')');
  auto e = ParseExpr("value(x{a=~\"" + nested + "\"})");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("over the limit of 4096"), std::string::npos)
      << e.status().message();
  LabelMatcher m;
  m.name = "a";
  m.op = MatchOp::kRegex;
  Result<LabelRegex> regex = LabelRegex::Compile("(.*)*(a|aa)*x");
  ASSERT_TRUE(regex.ok());
  m.regex = std::move(regex).value();
  EXPECT_FALSE(m.Matches({{"a", std::string(100000, 'a')}}));
  EXPECT_TRUE(m.Matches({{"a", std::string(100000, 'a') + "x"}}));
}

TEST(EvaluateExpr, ValueSumsMatchingSeries) {
  SampleHistory h(seconds(60), 100);
  h.Add(Clock::TimePoint{} + seconds(1),
        {S("q", {{"channel", "a"}}, 2), S("q", {{"channel", "b"}}, 3),
         S("q", {{"channel", "c"}}, 7), S("other", {}, 100)});
  EXPECT_EQ(*EvaluateExpr(*MustParse("value(q)"), h), 12);
  EXPECT_EQ(*EvaluateExpr(*MustParse("value(q{channel=\"a\"})"), h), 2);
  EXPECT_EQ(*EvaluateExpr(*MustParse("value(q{channel!=\"a\"})"), h), 10);
  EXPECT_EQ(*EvaluateExpr(*MustParse("value(q{channel=~\"a|b\"})"), h), 5);
  EXPECT_EQ(*EvaluateExpr(*MustParse("value(q{channel!~\"a|b\"})"), h), 7);
  EXPECT_FALSE(EvaluateExpr(*MustParse("value(missing)"), h).has_value());
}

TEST(EvaluateExpr, RateHandlesCounterResets) {
  SampleHistory h(seconds(120), 100);
  const auto t0 = Clock::TimePoint{} + seconds(100);
  h.Add(t0, {S("c", {}, 10)});
  EXPECT_FALSE(EvaluateExpr(*MustParse("rate(c[1m])"), h).has_value());  // one point
  h.Add(t0 + seconds(30), {S("c", {}, 40)});
  EXPECT_DOUBLE_EQ(*EvaluateExpr(*MustParse("rate(c[1m])"), h), 1.0);  // 30 over 30 s
  h.Add(t0 + seconds(60), {S("c", {}, 20)});                           // reset, then +20
  EXPECT_DOUBLE_EQ(*EvaluateExpr(*MustParse("rate(c[1m])"), h), 50.0 / 60);
  // The window slides: t0 falls out of [t0+30, t0+90].
  h.Add(t0 + seconds(90), {S("c", {}, 50)});
  EXPECT_DOUBLE_EQ(*EvaluateExpr(*MustParse("rate(c[1m])"), h), 50.0 / 60);
}

TEST(EvaluateExpr, RatioIsZeroWhenTheDenominatorIsZero) {
  SampleHistory h(seconds(600), 100);
  const auto t0 = Clock::TimePoint{} + seconds(100);
  h.Add(t0, {S("req", {{"code", "200"}}, 0), S("req", {{"code", "500"}}, 0)});
  h.Add(t0 + seconds(10), {S("req", {{"code", "200"}}, 0), S("req", {{"code", "500"}}, 0)});
  auto e = MustParse("ratio(rate(req{code=~\"5..\"}[5m]), rate(req[5m]))");
  EXPECT_EQ(*EvaluateExpr(*e, h), 0.0);
  h.Add(t0 + seconds(20), {S("req", {{"code", "200"}}, 30), S("req", {{"code", "500"}}, 10)});
  EXPECT_DOUBLE_EQ(*EvaluateExpr(*e, h), 0.25);
}

TEST(EvaluateExpr, QuantileInterpolatesLinearlyInsideTheBucket) {
  SampleHistory h(seconds(600), 100);
  const auto t0 = Clock::TimePoint{} + seconds(100);
  auto buckets = [](double a, double b, double c, double inf) {
    return std::vector<MetricSample>{S("lat_bucket", {{"le", "0.1"}, {"route", "/p"}}, a),
                                     S("lat_bucket", {{"le", "0.5"}, {"route", "/p"}}, b),
                                     S("lat_bucket", {{"le", "1"}, {"route", "/p"}}, c),
                                     S("lat_bucket", {{"le", "+Inf"}, {"route", "/p"}}, inf),
                                     S("lat_count", {{"route", "/p"}}, inf)};
  };
  h.Add(t0, buckets(100, 100, 100, 100));  // old traffic is not in the increase
  h.Add(t0 + seconds(60), buckets(150, 180, 200, 200));
  // Increases: le0.1=50, le0.5=80, le1=100, +Inf=100. p50: rank 50 → 0.1.
  EXPECT_DOUBLE_EQ(*EvaluateExpr(*MustParse("quantile(0.5, lat{route=\"/p\"}[5m])"), h), 0.1);
  // p65: rank 65 in (0.1, 0.5]: 0.1 + 0.4 * (15/30) = 0.3.
  EXPECT_DOUBLE_EQ(*EvaluateExpr(*MustParse("quantile(0.65, lat[5m])"), h), 0.3);
  // p90: rank 90 in (0.5, 1]: 0.5 + 0.5 * (10/20).
  EXPECT_DOUBLE_EQ(*EvaluateExpr(*MustParse("quantile(0.9, lat[5m])"), h), 0.75);
  // No traffic in the window: no data.
  h.Add(t0 + seconds(120), buckets(150, 180, 200, 200));
  EXPECT_FALSE(EvaluateExpr(*MustParse("quantile(0.9, lat[1m])"), h).has_value());
}

TEST(EvaluateExpr, QuantileInTheInfBucketIsTheHighestFiniteBound) {
  SampleHistory h(seconds(600), 100);
  const auto t0 = Clock::TimePoint{} + seconds(100);
  h.Add(t0, {S("lat_bucket", {{"le", "1"}}, 0), S("lat_bucket", {{"le", "+Inf"}}, 0)});
  h.Add(t0 + seconds(1),
        {S("lat_bucket", {{"le", "1"}}, 1), S("lat_bucket", {{"le", "+Inf"}}, 10)});
  EXPECT_DOUBLE_EQ(*EvaluateExpr(*MustParse("quantile(0.99, lat[5m])"), h), 1.0);
}

}  // namespace
}  // namespace churnml::monitoring
