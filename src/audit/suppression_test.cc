#include "audit/suppression.h"

#include <gtest/gtest.h>

#include "audit/test_util.h"

namespace churnml::audit {
namespace {

using testing::TempDir;

TEST(ParseSuppression, ReadsIdsAndReason) {
  InlineSuppression s;
  ASSERT_TRUE(ParseSuppression("x = 1  # churnml:ignore CML-S001, CML-I010 -- test data", 7, s));
  EXPECT_EQ(s.line, 7);
  EXPECT_FALSE(s.standalone);
  EXPECT_EQ(s.rule_ids, (std::vector<std::string>{"CML-S001", "CML-I010"}));
  EXPECT_EQ(s.reason, "test data");
}

TEST(ParseSuppression, StandaloneCommentInCAndHtml) {
  InlineSuppression s;
  ASSERT_TRUE(ParseSuppression("  // churnml:ignore CML-I012 -- fixed command", 1, s));
  EXPECT_TRUE(s.standalone);
  ASSERT_TRUE(ParseSuppression("<!-- churnml:ignore CML-X005 -- sanitised -->", 1, s));
  EXPECT_EQ(s.reason, "sanitised");
}

TEST(ParseSuppression, NosecCoversEveryRuleUnlessGivenOurIds) {
  InlineSuppression s;
  ASSERT_TRUE(ParseSuppression("run(cmd)  # nosec", 1, s));
  EXPECT_TRUE(s.nosec);
  EXPECT_TRUE(s.rule_ids.empty());
  ASSERT_TRUE(ParseSuppression("run(cmd)  # nosec B602", 1, s));
  EXPECT_TRUE(s.rule_ids.empty());
  ASSERT_TRUE(ParseSuppression("run(cmd)  # nosec CML-I011", 1, s));
  EXPECT_EQ(s.rule_ids, std::vector<std::string>{"CML-I011"});
}

TEST(ParseSuppression, IgnoresMarkersOutsideComments) {
  InlineSuppression s;
  EXPECT_FALSE(ParseSuppression("x = \"churnml:ignore CML-S001\"", 1, s));
  EXPECT_FALSE(ParseSuppression("# the churnml:ignore marker is documented elsewhere", 1, s));
  EXPECT_FALSE(ParseSuppression("nosecurity = 1  # fine", 1, s));
}

class SuppressionScan : public ::testing::Test {
 protected:
  AuditReport Scan() {
    Result<AuditReport> r = testing::ScanAll(dir_.path());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : AuditReport();
  }
  TempDir dir_;
};

TEST_F(SuppressionScan, TrailingCommentAndLineAboveSuppress) {
  dir_.Write("a.py",
             "value = eval(expr)  # churnml:ignore CML-I020 -- trusted expression\n"
             "# churnml:ignore CML-I020 -- trusted too\n"
             "other = eval(expr2)\n"
             "third = eval(expr3)\n");
  AuditReport r = Scan();
  ASSERT_EQ(r.findings.size(), 3u);
  EXPECT_EQ(r.findings[0].suppression, SuppressionKind::kInline);
  EXPECT_EQ(r.findings[0].justification, "trusted expression");
  EXPECT_EQ(r.findings[1].suppression, SuppressionKind::kInline);
  EXPECT_EQ(r.findings[2].suppression, SuppressionKind::kNone);
  EXPECT_EQ(r.findings[2].line, 4);
  EXPECT_TRUE(r.warnings.empty());
}

TEST_F(SuppressionScan, TrailingCommentDoesNotCoverTheNextLine) {
  dir_.Write("a.py",
             "value = eval(expr)  # churnml:ignore CML-I020 -- ok here\n"
             "other = eval(expr2)\n");
  AuditReport r = Scan();
  ASSERT_EQ(r.findings.size(), 2u);
  EXPECT_EQ(r.findings[1].suppression, SuppressionKind::kNone);
}

TEST_F(SuppressionScan, MultiLineStatementSuppressedFromAboveOrInside) {
  dir_.Write("a.py",
             "# churnml:ignore CML-C005 -- internal CA, pinned below\n"
             "r = requests.post(\n"
             "    url,\n"
             "    verify=False,\n"  // churnml:ignore CML-C005 -- scanner input
             ")\n"
             "r2 = requests.post(\n"
             "    url,\n"
             "    verify=False,  # nosec\n"
             ")\n"
             "r3 = requests.post(\n"
             "    url,\n"
             "    verify=False,\n"  // churnml:ignore CML-C005 -- scanner input
             ")\n");
  AuditReport r = Scan();
  ASSERT_EQ(r.findings.size(), 3u);
  EXPECT_EQ(r.findings[0].line, 4);
  EXPECT_EQ(r.findings[0].suppression, SuppressionKind::kInline);
  EXPECT_EQ(r.findings[1].suppression, SuppressionKind::kInline);
  EXPECT_EQ(r.findings[2].suppression, SuppressionKind::kNone);
}

TEST_F(SuppressionScan, WrongRuleIdDoesNotSuppressAndWarns) {
  dir_.Write("a.py", "value = eval(expr)  # churnml:ignore CML-S001 -- wrong rule\n");
  AuditReport r = Scan();
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].suppression, SuppressionKind::kNone);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].line, 1);
  EXPECT_NE(r.warnings[0].message.find("matches no finding"), std::string::npos);
}

TEST_F(SuppressionScan, WarnsAboutUnknownRuleIds) {
  dir_.Write("a.py", "x = 1  # churnml:ignore CML-NOPE -- typo\n");
  AuditReport r = Scan();
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].message.find("unknown rule CML-NOPE"), std::string::npos);
}

TEST_F(SuppressionScan, SuppressedFindingsDoNotCountInScore) {
  dir_.Write("a.py", "value = eval(expr)  # nosec\n");
  AuditReport r = Scan();
  EXPECT_EQ(r.ActiveCount(), 0);
  EXPECT_EQ(r.SuppressedCount(SuppressionKind::kInline), 1);
  EXPECT_EQ(r.score, 100);
}

}  // namespace
}  // namespace churnml::audit
