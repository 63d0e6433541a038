#include "data/deterministic_random.h"

#include <gtest/gtest.h>

#include <cmath>

namespace churnml {
namespace {

TEST(DeterministicRandom, KnownFirstOutputsForSeed) {
  DeterministicRandom a(1);
  DeterministicRandom b(1);
  DeterministicRandom c(2);
  uint64_t first = a.Next();
  EXPECT_EQ(first, b.Next());
  EXPECT_NE(first, c.Next());
}

TEST(DeterministicRandom, UniformStaysInUnitInterval) {
  DeterministicRandom r(7);
  double sum = 0;
  for (int i = 0; i < 100000; ++i) {
    double u = r.Uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  EXPECT_NEAR(sum / 100000, 0.5, 0.01);
}

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
