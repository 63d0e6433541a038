#include "pipeline/split.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

namespace churnml {
namespace {

std::vector<uint8_t> Labels(size_t negatives, size_t positives) {
  std::vector<uint8_t> y(negatives, 0);
  y.insert(y.end(), positives, 1);
  return y;
}

size_t CountPositives(const std::vector<size_t>& rows, const std::vector<uint8_t>& y) {
  return static_cast<size_t>(
      std::count_if(rows.begin(), rows.end(), [&](size_t r) { return y[r]; }));
}

TEST(StratifiedTrainTestSplit, KeepsClassShareInBothParts) {
  auto y = Labels(740, 260);
  auto split = StratifiedTrainTestSplit(y, 0.2, 42);
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(split->test.size(), 200u);
  EXPECT_EQ(CountPositives(split->test, y), 52u);
  EXPECT_EQ(CountPositives(split->train, y), 208u);
}

TEST(StratifiedTrainTestSplit, PartsAreDisjointAndCoverEveryRow) {
  auto y = Labels(50, 30);
  auto split = StratifiedTrainTestSplit(y, 0.25, 1);
  ASSERT_TRUE(split.ok());
  std::vector<size_t> all = split->train;
  all.insert(all.end(), split->test.begin(), split->test.end());
  std::sort(all.begin(), all.end());
  std::vector<size_t> expected(80);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(all, expected);
}

TEST(StratifiedTrainTestSplit, SameSeedSameSplitOtherSeedOtherSplit) {
  auto y = Labels(100, 100);
  auto a = StratifiedTrainTestSplit(y, 0.3, 5);
  auto b = StratifiedTrainTestSplit(y, 0.3, 5);
  auto c = StratifiedTrainTestSplit(y, 0.3, 6);
  EXPECT_EQ(a->test, b->test);
  EXPECT_NE(a->test, c->test);
}

TEST(StratifiedTrainTestSplit, RejectsTestSizeOutsideUnitInterval) {
  auto y = Labels(10, 10);
  auto r = StratifiedTrainTestSplit(y, 1.5, 0);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("--test-size"), std::string::npos);
}

TEST(StratifiedKFold, EachRowIsHeldOutExactlyOnce) {
  auto y = Labels(37, 13);
  auto folds = StratifiedKFold(y, 5, 3);
  ASSERT_TRUE(folds.ok());
  std::vector<int> held_out(50, 0);
  for (const auto& f : *folds) {
    EXPECT_EQ(f.train.size() + f.test.size(), 50u);
    for (size_t r : f.test) ++held_out[r];
    EXPECT_GE(CountPositives(f.test, y), 2u);
  }
  EXPECT_TRUE(std::all_of(held_out.begin(), held_out.end(), [](int n) { return n == 1; }));
}

TEST(StratifiedKFold, RejectsClassSmallerThanK) {
  auto y = Labels(20, 3);
  auto r = StratifiedKFold(y, 5, 0);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("class 1 has 3"), std::string::npos);
}

}  // namespace
}  // namespace churnml
