#include "tracking/names.h"

#include <gtest/gtest.h>

namespace churnml::tracking {
namespace {

TEST(ClosestName, SuggestsTyposIncludingTranspositions) {
  const std::vector<std::string> keys = {"accuracy", "average_precision", "model", "roc_auc"};
  EXPECT_EQ(ClosestName("modle", keys), "model");
  EXPECT_EQ(ClosestName("roc_acu", keys), "roc_auc");
  EXPECT_EQ(ClosestName("ROC_AUC", keys), "roc_auc");
  EXPECT_EQ(ClosestName("acuracy", keys), "accuracy");
  EXPECT_EQ(ClosestName("average_precison", keys), "average_precision");
}

TEST(ClosestName, StaysQuietWhenNothingIsClose) {
  const std::vector<std::string> keys = {"average_precision", "roc_auc", "f1"};
  EXPECT_EQ(ClosestName("pr_auc", keys), "");  // three edits from roc_auc: not a typo of it
  EXPECT_EQ(ClosestName("team", keys), "");
  EXPECT_EQ(ClosestName("f2x", keys), "");
  EXPECT_EQ(ClosestName("anything", {}), "");
}

TEST(ValidateRunIdPrefix, TakesFourToThirtyTwoLowercaseHexDigits) {
  EXPECT_TRUE(ValidateRunIdPrefix("abcd").ok());
  EXPECT_TRUE(ValidateRunIdPrefix(std::string(32, 'f')).ok());
  EXPECT_FALSE(ValidateRunIdPrefix("abc").ok());
  EXPECT_FALSE(ValidateRunIdPrefix(std::string(33, 'f')).ok());
  EXPECT_FALSE(ValidateRunIdPrefix("ABCD").ok());
  EXPECT_FALSE(ValidateRunIdPrefix("abc%").ok());
  EXPECT_FALSE(ValidateRunIdPrefix("ab_d").ok());
  EXPECT_NE(ValidateRunIdPrefix("ab").message().find("at least 4"), std::string::npos);
}

}  // namespace
}  // namespace churnml::tracking
