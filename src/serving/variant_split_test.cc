#include "serving/variant_split.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace churnml::serving {
namespace {

using ::testing::HasSubstr;

TEST(VariantSplit, SplitsByWeightWithinStatisticalBoundsAndIsSticky) {
  Result<VariantSplit> split = VariantSplit::Create({90, 10});
  ASSERT_TRUE(split.ok()) << split.status().ToString();
  constexpr int kKeys = 100000;
  int second = 0;
  for (int i = 0; i < kKeys; ++i) {
    const std::string key = std::to_string(1000 + i) + "-ABCDE";
    const size_t v = split->Pick(key);
    second += v == 1 ? 1 : 0;
    ASSERT_EQ(split->Pick(key), v);  // the same customer, the same variant
  }
  // Binomial(100000, 0.1): sd ~95; 5 sd either side.
  EXPECT_NEAR(second, 10000, 5 * std::sqrt(kKeys * 0.1 * 0.9));
}

TEST(VariantSplit, WeightsMustSumTo100) {
  EXPECT_FALSE(VariantSplit::Create({60, 30}).ok());
  EXPECT_FALSE(VariantSplit::Create({}).ok());
  EXPECT_TRUE(VariantSplit::Create({100}).ok());
  Result<VariantSplit> all_second = VariantSplit::Create({0, 100});
  ASSERT_TRUE(all_second.ok());
  EXPECT_EQ(all_second->Pick("anyone"), 1u);
}

TEST(VariantSplit, StableHashIsFnv1a) {
  EXPECT_EQ(StableHash(""), 14695981039346656037ULL);
  EXPECT_EQ(StableHash("a"), 0xaf63dc4c8601ec8cULL);
}

TEST(ParseVariantSpec, ReadsNameRefAndWeight) {
  Result<VariantSpec> spec = ParseVariantSpec("challenger=churn@challenger:10");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->name, "challenger");
  EXPECT_EQ(spec->ref, "churn@challenger");
  EXPECT_EQ(spec->weight, 10);
  Result<VariantSpec> path = ParseVariantSpec("b=models/dir:2.5");
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(path->ref, "models/dir");
}

TEST(ParseVariantSpec, RejectsBadFlagsNamingTheProblem) {
  EXPECT_THAT(ParseVariantSpec("challenger").status().message(), HasSubstr("NAME=MODELREF:WEIGHT"));
  EXPECT_THAT(ParseVariantSpec("primary=churn@x:10").status().message(), HasSubstr("primary"));
  EXPECT_THAT(ParseVariantSpec("a b=churn@x:10").status().message(), HasSubstr("letters"));
  EXPECT_THAT(ParseVariantSpec("a=churn@x:100").status().message(), HasSubstr("below 100"));
  EXPECT_THAT(ParseVariantSpec("a=churn@x:ten").status().message(), HasSubstr("\"ten\""));
  EXPECT_THAT(ParseVariantSpec("a=:5").status().message(), HasSubstr("empty"));
}

}  // namespace
}  // namespace churnml::serving
