#include "tracking/names.h"

#include <gtest/gtest.h>

namespace churnml::tracking {
namespace {

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
