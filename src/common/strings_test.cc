#include "common/strings.h"

#include <gtest/gtest.h>

namespace churnml {
namespace {

TEST(Strings, TrimRemovesSpacesAndLineEnds) {
  EXPECT_EQ(Trim("  a b \r\n"), "a b");
  EXPECT_EQ(Trim(" "), "");
}

TEST(Strings, AbbreviateKeepsShortTextAndCutsLongText) {
  EXPECT_EQ(Abbreviate("short"), "short");
  EXPECT_EQ(Abbreviate(std::string(80, 'a')), std::string(80, 'a'));
  // NOLINTNEXTLINE(bugprone-string-constructor): a deliberately huge input
  EXPECT_EQ(Abbreviate(std::string(10'000'000, 'a')), std::string(80, 'a') + "\u2026");
  EXPECT_EQ(Abbreviate("abcdef", 3), "abc\u2026");
}

TEST(Strings, AbbreviateNeverSplitsAUtf8Character) {
  // "é" is two bytes: a cut after 3 bytes would split the second one.
  EXPECT_EQ(Abbreviate("a\xC3\xA9\xC3\xA9", 4), "a\xC3\xA9\u2026");
}

TEST(Strings, CollapseWhitespaceJoinsRunsAndTrims) {
  EXPECT_EQ(CollapseWhitespace("  eval(\n      x )\t\n"), "eval( x )");
  EXPECT_EQ(CollapseWhitespace(" \n\t "), "");
  EXPECT_EQ(CollapseWhitespace("a   b c", 3), "a b\u2026");
  EXPECT_EQ(CollapseWhitespace("a b", 3), "a b");
  // A huge input is cut at the limit, not copied whole.
  // NOLINTNEXTLINE(bugprone-string-constructor): a deliberately huge input
  EXPECT_EQ(CollapseWhitespace(std::string(10'000'000, 'x'), 5), "xxxxx\u2026");
}

TEST(Strings, SplitKeepsEmptyPieces) {
  auto parts = Split("a,,b", ',');
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[1], "");
}

TEST(Strings, FormatCountGroupsThousands) {
  EXPECT_EQ(FormatCount(1204), "1,204");
  EXPECT_EQ(FormatCount(999), "999");
  EXPECT_EQ(FormatCount(-1234567), "-1,234,567");
}

TEST(Strings, ParseDoubleRejectsTrailingText) {
  EXPECT_EQ(ParseDouble(" 29.85 "), 29.85);
  EXPECT_FALSE(ParseDouble("29.85x"));
  EXPECT_FALSE(ParseDouble(""));
  EXPECT_FALSE(ParseDouble("nan"));
}

TEST(Strings, ParseIntRejectsFractions) {
  EXPECT_EQ(ParseInt("72"), 72);
  EXPECT_FALSE(ParseInt("7.5"));
}

TEST(Strings, FormatPValueSwitchesToScientificBelowOneInTenThousand) {
  EXPECT_EQ(FormatPValue(0.03125), "0.0312");
  EXPECT_EQ(FormatPValue(1e-4), "0.0001");
  EXPECT_EQ(FormatPValue(3.1e-7), "3.1e-07");
}

TEST(Strings, FormatFixedRoundsToTheGivenDecimals) {
  EXPECT_EQ(FormatFixed(3.600484744, 2), "3.60");
  EXPECT_EQ(FormatFixed(0.84646, 4), "0.8465");
}

TEST(Strings, FormatDoubleRoundTrips) {
  double v = 0.1 + 0.2;
  EXPECT_EQ(*ParseDouble(FormatDouble(v)), v);
}

}  // namespace
}  // namespace churnml
