// The Python tree-rule corpus (testdata/python): every "# expect:" comment
// must be matched by exactly one finding of that rule, severity and flow
// start on its line, and nothing else may fire, so the safe_*.py files stay
// silent. See testdata/python/README.md for the comment syntax.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>

#include "audit/test_util.h"

namespace churnml::audit {
namespace {

namespace fs = std::filesystem;
using testing::TestData;

std::vector<std::string> ReadExpectations(const fs::path& root) {
  static const std::regex kExpect(
      R"(# expect: (CML-[A-Z0-9]+) (low|medium|high|critical)(?: flow-from (\d+))?)");
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.path().extension() != ".py") continue;
    std::ifstream in(e.path());
    std::string rel = fs::relative(e.path(), root).generic_string();
    int line = 0;
    for (std::string text; std::getline(in, text);) {
      ++line;
      std::smatch m;
      if (!std::regex_search(text, m, kExpect)) continue;
      std::string item = rel + ":" + std::to_string(line) + " " + m[1].str() + " " + m[2].str();
      if (m[3].matched) item += " flow-from " + m[3].str();
      out.push_back(item);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

class PythonCorpus : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = TestData() / "python";
    Result<AuditReport> report = testing::ScanAll(root_);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    report_ = std::move(*report);
  }
  fs::path root_;
  AuditReport report_;
};

TEST_F(PythonCorpus, FindsEveryExpectedFindingAndNothingElse) {
  std::vector<std::string> actual;
  for (const Finding& f : report_.findings) {
    std::string item = f.path + ":" + std::to_string(f.line) + " " + f.rule->id + " " +
                       std::string(SeverityName(f.severity));
    if (!f.flow.empty()) item += " flow-from " + std::to_string(f.flow.front().line);
    actual.push_back(item);
  }
  std::sort(actual.begin(), actual.end());
  std::vector<std::string> expected = ReadExpectations(root_);
  ASSERT_GE(expected.size(), 40u);
  std::vector<std::string> missing, unexpected;
  std::set_difference(expected.begin(), expected.end(), actual.begin(), actual.end(),
                      std::back_inserter(missing));
  std::set_difference(actual.begin(), actual.end(), expected.begin(), expected.end(),
                      std::back_inserter(unexpected));
  EXPECT_TRUE(missing.empty()) << "missing:\n  " << ::testing::PrintToString(missing);
  EXPECT_TRUE(unexpected.empty()) << "unexpected:\n  " << ::testing::PrintToString(unexpected);
}

TEST_F(PythonCorpus, SafeFilesAreSilent) {
  for (const Finding& f : report_.findings) {
    EXPECT_EQ(fs::path(f.path).filename().string().rfind("safe_", 0), std::string::npos)
        << f.path << ":" << f.line << " " << f.rule->id;
  }
}

TEST_F(PythonCorpus, EveryTreeRuleHasAVulnerableSnippet) {
  std::vector<std::string> expected = ReadExpectations(root_);
  for (const Rule& rule : testing::BuiltinRegistry().rules()) {
    if (rule.tree_check == TreeCheck::kNone) continue;
    bool found = std::any_of(expected.begin(), expected.end(), [&](const std::string& e) {
      return e.find(" " + rule.id + " ") != std::string::npos;
    });
    EXPECT_TRUE(found) << rule.id << " has no '# expect:' line in testdata/python";
  }
}

TEST_F(PythonCorpus, TaintedFindingsCarryTheWholeFlow) {
  int flows = 0;
  for (const Finding& f : report_.findings) {
    if (f.flow.empty()) continue;
    ++flows;
    ASSERT_GE(f.flow.size(), 2u) << f.path << ":" << f.line;
    EXPECT_EQ(f.flow.front().message.rfind("source: ", 0), 0u) << f.path << ":" << f.line;
    EXPECT_EQ(f.flow.back().message.rfind("sink: ", 0), 0u) << f.path << ":" << f.line;
    EXPECT_EQ(f.flow.back().line, f.line);
    EXPECT_LE(f.flow.front().line, f.line);
    // A source taints with high confidence; random.* reaching a secret name
    // keeps the rule's own confidence.
    if (f.rule->id != "CML-C004") {
      EXPECT_EQ(f.confidence, Confidence::kHigh) << f.path;
    }
  }
  EXPECT_GE(flows, 10);
}

// The issue's headline case: the same shell=True call is low with a
// constant, high with a parameter, critical with request data three lines up.
TEST(PythonTaint, SeverityFollowsWhereTheCommandComesFrom) {
  testing::TempDir dir;
  dir.Write("app.py",
            "import subprocess\n"
            "from flask import request\n"
            "def constant():\n"
            "    cmd = 'ls -l'\n"
            "    subprocess.run(cmd, shell=True)\n"
            "def parameter(cmd):\n"
            "    subprocess.run(cmd, shell=True)\n"
            "def handler():\n"
            "    user = request.args['user']\n"
            "    cmd = 'finger ' + user\n"
            "    cmd = cmd.strip()\n"
            "    subprocess.run(cmd, shell=True)\n");
  Result<AuditReport> r = testing::ScanAll(dir.path());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->findings.size(), 3u);
  EXPECT_EQ(r->findings[0].line, 5);
  EXPECT_EQ(r->findings[0].severity, Severity::kLow);
  EXPECT_EQ(r->findings[1].line, 7);
  EXPECT_EQ(r->findings[1].severity, Severity::kHigh);
  EXPECT_TRUE(r->findings[1].flow.empty());
  const Finding& tainted = r->findings[2];
  EXPECT_EQ(tainted.line, 12);
  EXPECT_EQ(tainted.severity, Severity::kCritical);
  ASSERT_EQ(tainted.flow.size(), 5u);
  EXPECT_EQ(tainted.flow[0].line, 9);
  EXPECT_EQ(tainted.flow[0].message, "source: request.args");
  EXPECT_EQ(tainted.flow[1].line, 9);
  EXPECT_EQ(tainted.flow[1].message, "user = request.args['user']");
  EXPECT_EQ(tainted.flow[2].line, 10);
  EXPECT_EQ(tainted.flow[3].line, 11);
  EXPECT_EQ(tainted.flow[4].line, 12);
  EXPECT_EQ(tainted.flow[4].message, "sink: subprocess.run(cmd, shell=True)");
}

// A constant assigned in one branch does not hide request data assigned in
// the other (weak update inside branches).
TEST(PythonTaint, BranchesKeepTheTaintedValue) {
  testing::TempDir dir;
  dir.Write("app.py",
            "import os\n"
            "from flask import request\n"
            "def handler(flag):\n"
            "    cmd = request.form['cmd']\n"
            "    if flag:\n"
            "        cmd = 'true'\n"
            "    os.system(cmd)\n");
  Result<AuditReport> r = testing::ScanAll(dir.path());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->findings.size(), 1u);
  EXPECT_EQ(r->findings[0].severity, Severity::kCritical);
}

// Unparseable input is not an error: tree-sitter recovers, the rules read
// what parsed, and Python 2 files still get their findings.
TEST(PythonTaint, SyntaxErrorsDoNotStopTheRules) {
  testing::TempDir dir;
  dir.Write("old.py",
            "import os\n"
            "print 'python 2'\n"
            "def f(x):\n"
            "    os.system(x)\n"
            "def broken(:\n");
  Result<AuditReport> r = testing::ScanAll(dir.path());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->findings.size(), 1u);
  EXPECT_EQ(r->findings[0].rule->id, "CML-I010");
  EXPECT_EQ(r->findings[0].line, 4);
}

}  // namespace
}  // namespace churnml::audit
