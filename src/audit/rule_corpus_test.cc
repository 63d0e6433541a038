// The fixture corpus: for every rule a folder testdata/corpus/<RULE-ID>/ with
// files that must fire and near-miss files (name contains "near_miss") that
// must not (files git cannot represent, such as world-writable ones, are
// created by the test). expected.txt lists every finding of a full scan as
// "<path>:<line> <RULE-ID>"; the scan must produce exactly that list.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "audit/test_util.h"

namespace churnml::audit {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::TestData;

// Copies the corpus into a temp folder with normal modes (0644), and adds the
// permission fixtures git cannot store (a world-writable file).
void PrepareCorpus(const TempDir& dir) {
  fs::copy(TestData() / "corpus", dir.path(), fs::copy_options::recursive);
  for (const auto& e : fs::recursive_directory_iterator(dir.path())) {
    if (e.is_regular_file()) fs::permissions(e.path(), fs::perms(0644));
  }
  dir.Write("CML-K030/near_miss.txt", "plain notes\n");
  fs::path ww = dir.Write("CML-K030/fire.txt", "plain notes\n");
  ASSERT_EQ(chmod(ww.c_str(), 0646), 0);
  // churnml:ignore CML-S007 -- a key-shaped test fixture, not a key
  const std::string pem =
      "-----BEGIN OPENSSH PRIVATE KEY-----\nTESTDATA-not-a-real-key\n"
      "-----END OPENSSH PRIVATE KEY-----\n";
  dir.Write("CML-K031/fire_id_ed25519", pem);  // 0644: readable by others
  fs::path owner_only = dir.Write("CML-K031/owner_only_id_ed25519", pem);
  ASSERT_EQ(chmod(owner_only.c_str(), 0600), 0);
  dir.Write("CML-K031/near_miss.pem",
            "-----BEGIN PUBLIC KEY-----\nTESTDATA\n-----END PUBLIC KEY-----\n");
}

std::vector<std::string> ReadExpected() {
  std::ifstream in(TestData() / "corpus" / "expected.txt");
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

class RuleCorpus : public ::testing::Test {
 protected:
  void SetUp() override {
    PrepareCorpus(dir_);
    Result<AdvisoryDatabase> db = AdvisoryDatabase::Load(TestData() / "advisories.json");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    advisories_ = std::move(*db);
    Result<AuditReport> report = testing::ScanAll(dir_.path(), &advisories_);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    report_ = std::move(*report);
  }

  TempDir dir_;
  AdvisoryDatabase advisories_;
  AuditReport report_;
};

TEST_F(RuleCorpus, FindsExactlyTheExpectedFindings) {
  std::vector<std::string> actual;
  for (const Finding& f : report_.findings) {
    actual.push_back(f.path + ":" + std::to_string(f.line) + " " + f.rule->id);
  }
  std::sort(actual.begin(), actual.end());
  std::vector<std::string> expected = ReadExpected();
  std::sort(expected.begin(), expected.end());
  std::vector<std::string> missing, unexpected;
  std::set_difference(expected.begin(), expected.end(), actual.begin(), actual.end(),
                      std::back_inserter(missing));
  std::set_difference(actual.begin(), actual.end(), expected.begin(), expected.end(),
                      std::back_inserter(unexpected));
  EXPECT_TRUE(missing.empty()) << "missing:\n  " << ::testing::PrintToString(missing);
  EXPECT_TRUE(unexpected.empty()) << "unexpected:\n  " << ::testing::PrintToString(unexpected);
}

TEST_F(RuleCorpus, NearMissFilesProduceNoFinding) {
  for (const Finding& f : report_.findings) {
    EXPECT_EQ(f.path.find("near_miss"), std::string::npos)
        << f.path << ":" << f.line << " " << f.rule->id;
  }
}

TEST_F(RuleCorpus, EveryRuleFiresInItsFolderAndHasANearMiss) {
  for (const Rule& rule : testing::BuiltinRegistry().rules()) {
    int fired = 0;
    for (const Finding& f : report_.findings) {
      fired += f.rule == &rule && f.path.rfind(rule.id + "/", 0) == 0;
    }
    EXPECT_GE(fired, 1) << rule.id << " never fires in corpus/" << rule.id;
    bool near_miss = false;
    for (const auto& e : fs::recursive_directory_iterator(dir_.path() / rule.id)) {
      near_miss |= e.path().string().find("near_miss") != std::string::npos;
    }
    EXPECT_TRUE(near_miss) << rule.id << " has no near_miss file";
  }
}

TEST_F(RuleCorpus, SecretsAreRedactedInSnippets) {
  for (const Finding& f : report_.findings) {
    // churnml:ignore CML-S001 -- AWS's documented example key ID
    EXPECT_EQ(f.snippet.find("AKIAIOSFODNN7EXAMPLE"), std::string::npos) << f.path;
    EXPECT_EQ(f.snippet.find("wJalrXUtnFEMI"), std::string::npos) << f.path;
    EXPECT_EQ(f.snippet.find("Hx9kq2vLp"), std::string::npos) << f.path;
  }
}

TEST_F(RuleCorpus, ParallelScanEqualsSingleThreaded) {
  Result<AuditReport> single = testing::ScanAll(dir_.path(), &advisories_, nullptr, 1);
  ASSERT_TRUE(single.ok());
  ASSERT_EQ(single->findings.size(), report_.findings.size());
  for (size_t i = 0; i < report_.findings.size(); ++i) {
    EXPECT_EQ(single->findings[i].fingerprint, report_.findings[i].fingerprint);
  }
}

}  // namespace
}  // namespace churnml::audit
