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

// Tree findings are fingerprinted by their enclosing function and the call's
// text: moving a function below another, or re-indenting a call across lines,
// does not make its finding new.
TEST_F(BaselineScan, TreeFingerprintsSurviveMovedFunctions) {
  dir_.Write("src/app.py",
             "import os\n"
             "def first(cmd):\n"
             "    os.system(cmd)\n"
             "def second(cmd):\n"
             "    os.system(cmd)\n");
  AuditReport before = Scan();
  ASSERT_EQ(before.ActiveCount(), 2);
  EXPECT_NE(before.findings[0].fingerprint, before.findings[1].fingerprint);
  fs_path_ = dir_.path() / "baseline.json";
  ASSERT_TRUE(WriteBaseline(fs_path_, before.findings).ok());
  Result<Baseline> baseline = LoadBaseline(fs_path_);
  ASSERT_TRUE(baseline.ok());

  dir_.Write("src/app.py",
             "import os\n"
             "\n"
             "def second(cmd):\n"
             "    os.system(\n"
             "        cmd)\n"
             "\n"
             "def first(cmd):\n"
             "    # moved below second\n"
             "    os.system(cmd)\n"
             "def third(cmd):\n"
             "    os.system(cmd)\n");
  AuditReport after = Scan(&*baseline);
  ASSERT_EQ(after.findings.size(), 3u);
  EXPECT_EQ(after.findings[0].suppression, SuppressionKind::kBaseline);  // second, re-wrapped
  EXPECT_EQ(after.findings[1].suppression, SuppressionKind::kBaseline);  // first, moved
  EXPECT_EQ(after.findings[2].suppression, SuppressionKind::kNone);      // third is new
  EXPECT_EQ(after.ActiveCount(), 1);
}

// A baseline written from text fingerprints (before the tree rules) still
// matches the same finding through its legacy fingerprint.
TEST_F(BaselineScan, TextFingerprintBaselinesStillMatchTreeFindings) {
  dir_.Write("src/app.py", "import os\ndef f(cmd):\n    os.system(cmd)\n");
  AuditReport report = Scan();
  ASSERT_EQ(report.findings.size(), 1u);
  const Finding& f = report.findings[0];
  ASSERT_FALSE(f.legacy_fingerprint.empty());
  EXPECT_EQ(f.legacy_fingerprint, ComputeFingerprint("CML-I010", "app.py", "os.system(cmd)", 0));
  Baseline old;
  old.fingerprints.insert(f.legacy_fingerprint);
  AuditReport again = Scan(&old);
  ASSERT_EQ(again.findings.size(), 1u);
  EXPECT_EQ(again.findings[0].suppression, SuppressionKind::kBaseline);
  EXPECT_EQ(again.baseline_unmatched, 0);
}

}  // namespace
}  // namespace churnml::audit
