#include "common/suggest.h"

#include <gtest/gtest.h>

namespace churnml {
namespace {

TEST(EditDistance, CountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("abc", ""), 3u);
  EXPECT_EQ(EditDistance("trian", "train"), 1u);  // one swap
  EXPECT_EQ(EditDistance("modle", "model"), 1u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(EditDistance("out", "output"), 3u);
}

TEST(EditDistance, BoundsTheWorkOnHugeInputs) {
  // NOLINTNEXTLINE(bugprone-string-constructor): a deliberately huge input
  std::string huge(10'000'000, 'a');
  EXPECT_EQ(EditDistance(huge, ""), kMaxSuggestBytes);
}

TEST(ClosestMatch, SuggestsATypoOfACommand) {
  std::vector<std::string> commands = {"data", "train", "evaluate", "predict", "serve"};
  EXPECT_EQ(ClosestMatch("trian", commands), "train");
  EXPECT_EQ(ClosestMatch("predcit", commands), "predict");
  EXPECT_EQ(ClosestMatch("serv", commands), "serve");
}

TEST(ClosestMatch, SuggestsNothingForAnUnrelatedWordOrAnExactName) {
  std::vector<std::string> commands = {"data", "train", "evaluate"};
  EXPECT_EQ(ClosestMatch("banana", commands), std::nullopt);
  EXPECT_EQ(ClosestMatch("train", commands), std::nullopt);
  EXPECT_EQ(ClosestMatch("", commands), std::nullopt);
}

TEST(ClosestMatch, IgnoresCaseSoARenamedColumnIsFound) {
  std::vector<std::string> columns = {"customerID", "tenure", "MonthlyCharges"};
  EXPECT_EQ(ClosestMatch("Tenure", columns), "tenure");
  EXPECT_EQ(ClosestMatch("monthly_charges", columns), "MonthlyCharges");
}

TEST(ClosestMatch, PrefersTheNearestAndThenTheFirst) {
  EXPECT_EQ(ClosestMatch("xgb", {"logistic", "xgboost"}), "xgboost");  // the only one it starts
  EXPECT_EQ(ClosestMatch("x", {"logistic", "xgboost"}), std::nullopt);
  EXPECT_EQ(ClosestMatch("output", {"out", "seed"}), "out");
  EXPECT_EQ(ClosestMatch("ru", {"runs", "run-all"}), std::nullopt);  // ambiguous
  EXPECT_EQ(ClosestMatch("xgboots", {"logistic", "xgboost"}), "xgboost");
  EXPECT_EQ(ClosestMatch("ab", {"ac", "ad"}), "ac");
}

TEST(DidYouMean, FormatsTheHintWithAPrefix) {
  EXPECT_EQ(DidYouMean("outt", {"out", "seed"}, "--"), "; did you mean --out?");
  EXPECT_EQ(DidYouMean("zzzz", {"out", "seed"}, "--"), "");
}

TEST(CountNoun, AgreesInNumber) {
  EXPECT_EQ(CountNoun(1, "problem", "problems"), "1 problem");
  EXPECT_EQ(CountNoun(0, "problem", "problems"), "0 problems");
  EXPECT_EQ(CountNoun(1204, "thread", "threads"), "1,204 threads");
}

TEST(FormatBytes, UsesTheLargestUnitBelowAThousand) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(999), "999 B");
  EXPECT_EQ(FormatBytes(1000), "1.0 KB");
  EXPECT_EQ(FormatBytes(9436966), "9.4 MB");
  EXPECT_EQ(FormatBytes(999'990'000), "1.0 GB");
  EXPECT_EQ(FormatBytes(1'500'000'000), "1.5 GB");
}

}  // namespace
}  // namespace churnml
