#include "tracking/store_uri.h"

#include <gtest/gtest.h>

namespace churnml::tracking {
namespace {

// The URIs below are made-up credentials the redactor must mask.

TEST(RedactStoreUri, MasksTheUserinfoPassword) {
  // churnml:ignore CML-S016 -- a made-up credential the test masks
  EXPECT_EQ(RedactStoreUri("postgresql://alice:S3cretPW@db:5432/churn"),
            "postgresql://alice:***@db:5432/churn");
  // churnml:ignore CML-S016 -- a made-up credential the test masks
  EXPECT_EQ(RedactStoreUri("postgres://alice:S3cretPW@db/churn?artifact_root=/shared/a"),
            "postgres://alice:***@db/churn?artifact_root=/shared/a");
}

TEST(RedactStoreUri, MasksPasswordQueryParameters) {
  EXPECT_EQ(RedactStoreUri("postgresql://db/churn?user=alice&password=S3cretPW&connect_timeout=3"),
            "postgresql://db/churn?user=alice&password=***&connect_timeout=3");
  EXPECT_EQ(RedactStoreUri("postgresql://db/churn?sslpassword=k3y&PassWord=x&artifact_root=/a"),
            "postgresql://db/churn?sslpassword=***&PassWord=***&artifact_root=/a");
  // libpq decodes parameter names: a percent-encoded name is still a password.
  EXPECT_EQ(RedactStoreUri("postgresql://db/churn?pass%77ord=S3cretPW"),
            "postgresql://db/churn?pass%77ord=***");
}

TEST(RedactStoreUri, MasksBothAndPasswordsWithAtOrSlash) {
  EXPECT_EQ(RedactStoreUri("postgresql://alice:p@ss/w@db/churn?password=two"),
            "postgresql://alice:***@db/churn?password=***");
}

TEST(RedactStoreUri, LeavesUrisWithoutSecretsAndFoldersAlone) {
  EXPECT_EQ(RedactStoreUri("postgresql://alice@db/churn"), "postgresql://alice@db/churn");
  EXPECT_EQ(RedactStoreUri("postgresql://db/churn"), "postgresql://db/churn");
  EXPECT_EQ(RedactStoreUri("/home/alice/mlruns"), "/home/alice/mlruns");
  EXPECT_EQ(RedactStoreUri("./team@site/mlruns"), "./team@site/mlruns");
}

TEST(RedactSecretsIn, MasksEchoesOfTheUriAndItsSecrets) {
  // churnml:ignore CML-S016 -- a made-up credential the test masks
  const std::string uri = "postgresql://alice:S3cret%21PW@db/churn?sslpassword=k3yPass";
  EXPECT_EQ(RedactSecretsIn("bad uri " + uri, uri), "bad uri " + RedactStoreUri(uri));
  EXPECT_EQ(RedactSecretsIn("password \"S3cret!PW\" and k3yPass rejected", uri),
            "password \"***\" and *** rejected");
  EXPECT_EQ(RedactSecretsIn("nothing secret here", uri), "nothing secret here");
}

}  // namespace
}  // namespace churnml::tracking
