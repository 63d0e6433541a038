#include "audit/advisories.h"

#include <gtest/gtest.h>

#include "audit/test_util.h"

namespace churnml::audit {
namespace {

TEST(CompareVersions, OrdersNumericallyWithPreReleasesFirst) {
  EXPECT_LT(CompareVersions("1.9", "1.10"), 0);
  EXPECT_EQ(CompareVersions("v2.0.0", "2.0.0"), 0);
  EXPECT_LT(CompareVersions("1.0rc1", "1.0"), 0);
  EXPECT_LT(CompareVersions("1.0.0-beta", "1.0.0"), 0);
  EXPECT_GT(CompareVersions("1.0.1", "1.0"), 0);
  EXPECT_LT(CompareVersions("4.17.15", "4.17.19"), 0);
}

TEST(ExtractDependencies, ReadsRequirementPins) {
  auto deps = ExtractDependencies("requirements-prod.txt",
                                  "Flask_Login==0.6.3\n# c\nnumpy>=1.0\nrequests[socks]==2.31.0 ; "
                                  "python_version>'3'\n");
  ASSERT_TRUE(deps.ok());
  ASSERT_EQ(deps->size(), 2u);
  EXPECT_EQ((*deps)[0].name, "flask-login");
  EXPECT_EQ((*deps)[0].version, "0.6.3");
  EXPECT_EQ((*deps)[1].name, "requests");
  EXPECT_EQ((*deps)[1].version, "2.31.0");
}

TEST(ExtractDependencies, ReadsPackageLockAndFetchContent) {
  auto npm = ExtractDependencies(
      "web/package-lock.json",
      R"({"lockfileVersion": 3, "packages": {"": {}, "node_modules/a/node_modules/lodash": )"
      R"({"version": "4.17.15"}}})");
  ASSERT_TRUE(npm.ok());
  ASSERT_EQ(npm->size(), 1u);
  EXPECT_EQ((*npm)[0].name, "lodash");
  auto cmake = ExtractDependencies(
      "CMakeLists.txt",
      "FetchContent_Declare(json\n  GIT_REPOSITORY https://GitHub.com/nlohmann/json.git\n"
      "  GIT_TAG v3.11.2)\n");
  ASSERT_TRUE(cmake.ok());
  ASSERT_EQ(cmake->size(), 1u);
  EXPECT_EQ((*cmake)[0].name, "https://github.com/nlohmann/json");
  EXPECT_EQ((*cmake)[0].version, "v3.11.2");
  EXPECT_FALSE(ExtractDependencies("package-lock.json", "{oops").ok());
}

TEST(AdvisoryDatabase, MatchesOsvRangesAndReportsTheFix) {
  Result<AdvisoryDatabase> db = AdvisoryDatabase::Load(testing::TestData() / "advisories.json");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_EQ(db->size(), 4u);
  auto hits = db->Find({"PyPI", "flask", "2.2.0", 0});
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].advisory->id, "GHSA-m2qf-hxjv-5gpq");
  EXPECT_EQ(hits[0].fixed, "2.2.5");
  EXPECT_EQ(db->Find({"PyPI", "flask", "2.3.1", 0}).size(), 1u);
  EXPECT_TRUE(db->Find({"PyPI", "flask", "2.3.2", 0}).empty());
  EXPECT_TRUE(db->Find({"PyPI", "flask", "2.2.5", 0}).empty());
  EXPECT_TRUE(db->Find({"npm", "lodash", "3.6.0", 0}).empty());
  EXPECT_EQ(db->Find({"npm", "lodash", "4.17.18", 0}).size(), 1u);
  EXPECT_EQ(db->Find({"GIT", "https://github.com/example/demo-json", "v3.0.0", 0}).size(), 1u);
  EXPECT_TRUE(db->Find({"GIT", "https://github.com/example/demo-json", "v3.1.0", 0}).empty());
}

TEST(AdvisoryDatabase, ErrorsNameTheSource) {
  AdvisoryDatabase db;
  Status s = db.AddJson(R"({"affected": []})", "osv/bad.json");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("osv/bad.json"), std::string::npos);
  EXPECT_NE(s.message().find("id"), std::string::npos);
  EXPECT_FALSE(db.AddJson("[1, 2]", "x.json").ok());
}

}  // namespace
}  // namespace churnml::audit
