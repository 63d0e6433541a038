#include "audit/secret_checks.h"

#include <gtest/gtest.h>

namespace churnml::audit {
namespace {

TEST(ShannonEntropy, UniformAndConstant) {
  EXPECT_DOUBLE_EQ(ShannonEntropy(""), 0.0);
  EXPECT_DOUBLE_EQ(ShannonEntropy("aaaa"), 0.0);
  EXPECT_DOUBLE_EQ(ShannonEntropy("abcd"), 2.0);
}

TEST(LooksLikeNonSecret, StopWordsReferencesAndNames) {
  EXPECT_TRUE(LooksLikeNonSecret("changeme"));
  EXPECT_TRUE(LooksLikeNonSecret("${DB_PASSWORD}"));
  EXPECT_TRUE(LooksLikeNonSecret("{{ .Values.password }}"));
  EXPECT_TRUE(LooksLikeNonSecret("<your-token>"));
  EXPECT_TRUE(LooksLikeNonSecret("CHURNML_API_KEY"));
  EXPECT_TRUE(LooksLikeNonSecret("/run/secrets/db"));
  EXPECT_TRUE(LooksLikeNonSecret("********"));
  EXPECT_TRUE(LooksLikeNonSecret("example-key-123"));
  EXPECT_FALSE(LooksLikeNonSecret("Hx9kq2vLpQ7w"));
}

TEST(RedactSecret, KeepsAtMostFourCharactersAndHidesLength) {
  // churnml:ignore CML-S001 -- AWS's documented example key ID
  EXPECT_EQ(RedactSecret("AKIAIOSFODNN7EXAMPLE"), "AKIA****");
  EXPECT_EQ(RedactSecret("short"), "****");
  EXPECT_EQ(RedactSecret("abcdefghijklmnopqrstuvwxyz"), "abcd****");
}

}  // namespace
}  // namespace churnml::audit
