#include "data/deterministic_random.h"

#include <gtest/gtest.h>

#include <cmath>

namespace churnml {
namespace {

// The uniform stream itself is common/random.h's Rng (tested there); these
// tests cover the distributions built on it.
TEST(DeterministicRandom, NormalHasUnitVariance) {
  DeterministicRandom r(7);
  double sum = 0, sq = 0;
  for (int i = 0; i < 100000; ++i) {
    double x = r.Normal();
    sum += x;
    sq += x * x;
  }
  EXPECT_NEAR(sum / 100000, 0.0, 0.02);
  EXPECT_NEAR(sq / 100000, 1.0, 0.02);
}

TEST(DeterministicExp, MatchesLibmClosely) {
  for (double x = -30; x <= 30; x += 0.37) {
    EXPECT_NEAR(DeterministicExp(x) / std::exp(x), 1.0, 1e-14) << x;
  }
  EXPECT_EQ(DeterministicExp(0), 1.0);
  EXPECT_NEAR(DeterministicSigmoid(0), 0.5, 0);
}

}  // namespace
}  // namespace churnml
