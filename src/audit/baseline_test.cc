#include "audit/baseline.h"

#include <gtest/gtest.h>

#include "audit/test_util.h"
#include "common/atomic_file.h"

namespace churnml::audit {
namespace {

using testing::TempDir;

TEST(Fingerprint, IgnoresWhitespaceButNotContent) {
  EXPECT_EQ(ComputeFingerprint("CML-I020", "a.py", "x =  eval(y)", 0),
            ComputeFingerprint("CML-I020", "a.py", "x = eval(y)", 0));
  EXPECT_NE(ComputeFingerprint("CML-I020", "a.py", "x = eval(y)", 0),
            ComputeFingerprint("CML-I020", "a.py", "x = eval(z)", 0));
  EXPECT_NE(ComputeFingerprint("CML-I020", "a.py", "x = eval(y)", 0),
            ComputeFingerprint("CML-I020", "a.py", "x = eval(y)", 1));
  EXPECT_EQ(ComputeFingerprint("CML-I020", "a.py", "x", 0).size(), 32u);
}

class BaselineScan : public ::testing::Test {
 protected:
  AuditReport Scan(const Baseline* baseline = nullptr) {
    Result<AuditReport> r = testing::ScanAll(dir_.path() / "src", nullptr, baseline);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : AuditReport();
  }
  TempDir dir_;
  std::filesystem::path fs_path_;
};

TEST_F(BaselineScan, SurvivesInsertedLinesAndFlagsOnlyNewFindings) {
  dir_.Write("src/app.py", "import os\nvalue = eval(expr)\nos.system(cmd)\n");
  AuditReport before = Scan();
  ASSERT_EQ(before.ActiveCount(), 2);
  fs_path_ = dir_.path() / "baseline.json";
  ASSERT_TRUE(WriteBaseline(fs_path_, before.findings).ok());

  // Lines inserted above, and one new finding.
  dir_.Write("src/app.py",
             "\"\"\"Docstring.\"\"\"\n\nimport os\n\n\nvalue = eval(expr)\nos.system(cmd)\n"
             "again = eval(other)\n");
  Result<Baseline> baseline = LoadBaseline(fs_path_);
  ASSERT_TRUE(baseline.ok()) << baseline.status().ToString();
  AuditReport after = Scan(&*baseline);
  ASSERT_EQ(after.findings.size(), 3u);
  EXPECT_EQ(after.SuppressedCount(SuppressionKind::kBaseline), 2);
  ASSERT_EQ(after.ActiveCount(), 1);
  for (const Finding& f : after.findings) {
    if (f.suppression == SuppressionKind::kNone) {
      EXPECT_EQ(f.line, 8);
    }
  }
  EXPECT_EQ(after.baseline_unmatched, 0);
}

TEST_F(BaselineScan, DuplicateLinesAreCountedByOccurrence) {
  dir_.Write("src/app.py", "value = eval(expr)\n");
  AuditReport before = Scan();
  fs_path_ = dir_.path() / "baseline.json";
  ASSERT_TRUE(WriteBaseline(fs_path_, before.findings).ok());
  dir_.Write("src/app.py", "value = eval(expr)\nvalue = eval(expr)\n");
  Result<Baseline> baseline = LoadBaseline(fs_path_);
  ASSERT_TRUE(baseline.ok());
  AuditReport after = Scan(&*baseline);
  EXPECT_EQ(after.ActiveCount(), 1);
}

TEST_F(BaselineScan, FixedFindingsAreReportedAsUnmatched) {
  dir_.Write("src/app.py", "value = eval(expr)\n");
  AuditReport before = Scan();
  fs_path_ = dir_.path() / "baseline.json";
  ASSERT_TRUE(WriteBaseline(fs_path_, before.findings).ok());
  dir_.Write("src/app.py", "value = ast.literal_eval(expr)\n");
  Result<Baseline> baseline = LoadBaseline(fs_path_);
  ASSERT_TRUE(baseline.ok());
  AuditReport after = Scan(&*baseline);
  EXPECT_EQ(after.baseline_unmatched, 1);
}

TEST(LoadBaseline, RejectsWrongVersionAndNamesTheFile) {
  TempDir dir;
  auto p = dir.Write("b.json", "{\"version\": 2, \"findings\": []}");
  Result<Baseline> b = LoadBaseline(p);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("b.json"), std::string::npos);
  EXPECT_NE(b.status().message().find("version"), std::string::npos);
  auto q = dir.Write("c.json", "not json");
  EXPECT_EQ(LoadBaseline(q).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(LoadBaseline(dir.path() / "missing.json").ok());
}

TEST(WriteBaseline, LeavesNoTemporaryFiles) {
  TempDir dir;
  ASSERT_TRUE(WriteBaseline(dir.path() / "b.json", {}).ok());
  int files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1);
  Result<Baseline> b = LoadBaseline(dir.path() / "b.json");
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->fingerprints.empty());
}

}  // namespace
}  // namespace churnml::audit
