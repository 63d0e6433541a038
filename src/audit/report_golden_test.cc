// Golden reports: the text, JSON and SARIF renderings of a scan of
// testdata/golden/project must equal the files in testdata/golden/.
// Regenerate with CHURNML_UPDATE_GOLDENS=1 after an intended change, and
// review the diff.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "audit/report_format.h"
#include "audit/test_util.h"
#include "common/atomic_file.h"

namespace churnml::audit {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::TestData;

class GoldenReport : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::copy(TestData() / "golden" / "project", dir_.path(), fs::copy_options::recursive);
    for (const auto& e : fs::recursive_directory_iterator(dir_.path())) {
      if (e.is_regular_file()) fs::permissions(e.path(), fs::perms(0644));
    }
    Result<AdvisoryDatabase> db = AdvisoryDatabase::Load(TestData() / "advisories.json");
    ASSERT_TRUE(db.ok());
    advisories_ = std::move(*db);
    Result<AuditReport> r = testing::ScanAll(dir_.path(), &advisories_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    report_ = std::move(*r);
  }

  void ExpectGolden(const std::string& name, const std::string& actual) {
    fs::path golden = TestData() / "golden" / name;
    if (std::getenv("CHURNML_UPDATE_GOLDENS") != nullptr) {
      ASSERT_TRUE(WriteFileAtomically(golden, actual).ok());
    }
    Result<std::string> expected = ReadFile(golden);
    ASSERT_TRUE(expected.ok()) << expected.status().ToString();
    EXPECT_EQ(*expected, actual) << "golden " << golden << " differs; rerun with "
                                 << "CHURNML_UPDATE_GOLDENS=1 and review the diff";
  }

  TempDir dir_;
  AdvisoryDatabase advisories_;
  AuditReport report_;
};

TEST_F(GoldenReport, Text) { ExpectGolden("report.txt", RenderText(report_)); }
TEST_F(GoldenReport, Json) { ExpectGolden("report.json", RenderJson(report_)); }
TEST_F(GoldenReport, Sarif) { ExpectGolden("report.sarif", RenderSarif(report_)); }

// Structure GitHub code scanning relies on, checked independently of the
// golden file (the full schema check runs in tests/e2e with the SARIF
// multitool when it is installed).
TEST_F(GoldenReport, SarifHasRelativeUrisStableRuleIdsAndFingerprints) {
  auto doc = nlohmann::json::parse(RenderSarif(report_));
  EXPECT_EQ(doc["version"], "2.1.0");
  const auto& run = doc["runs"][0];
  const auto& rules = run["tool"]["driver"]["rules"];
  ASSERT_TRUE(rules.is_array());
  ASSERT_FALSE(run["results"].empty());
  for (const auto& res : run["results"]) {
    std::string uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    EXPECT_NE(uri[0], '/') << uri;
    EXPECT_EQ(uri.find(dir_.path().string()), std::string::npos);
    size_t index = res["ruleIndex"];
    ASSERT_LT(index, rules.size());
    EXPECT_EQ(rules[index]["id"], res["ruleId"]);
    EXPECT_EQ(res["partialFingerprints"]["churnml/v1"].get<std::string>().size(), 32u);
    EXPECT_GE(res["locations"][0]["physicalLocation"]["region"]["startLine"].get<int>(), 1);
  }
}

TEST_F(GoldenReport, SummaryCountsAndScore) {
  EXPECT_EQ(report_.SuppressedCount(SuppressionKind::kInline), 2);
  EXPECT_GE(report_.ActiveCount(Severity::kCritical), 2);
  EXPECT_LT(report_.score, 50);
  ASSERT_EQ(report_.warnings.size(), 1u);
  EXPECT_EQ(report_.warnings[0].path, "app.py");
  EXPECT_EQ(report_.warnings[0].line, 25);
}

}  // namespace
}  // namespace churnml::audit
