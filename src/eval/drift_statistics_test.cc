#include "eval/drift_statistics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

namespace churnml {
namespace {

using Counts = std::vector<int64_t>;

TEST(PopulationStabilityIndex, IsZeroForTheSameProportions) {
  Result<double> psi = PopulationStabilityIndex(Counts{10, 20, 30}, Counts{100, 200, 300});
  ASSERT_TRUE(psi.ok()) << psi.status().ToString();
  EXPECT_NEAR(*psi, 0.0, 1e-15);
}

TEST(PopulationStabilityIndex, FloorsAnEmptyReferenceBin) {
  // e = 0.5, 0.3, 0.2, 0 → 1e-4;  a = 0.4, 0.3, 0.2, 0.1.
  // (0.4-0.5) ln(0.8) = 0.0223144; middle bins 0;
  // (0.1-0.0001) ln(1000) = 0.0999 · 6.9077553 = 0.6900848. Sum 0.7123991.
  Result<double> psi = PopulationStabilityIndex(Counts{50, 30, 20, 0}, Counts{40, 30, 20, 10});
  ASSERT_TRUE(psi.ok());
  const double expected = -0.1 * std::log(0.8) + 0.0999 * std::log(1000.0);
  EXPECT_NEAR(*psi, expected, 1e-12);
  EXPECT_NEAR(*psi, 0.7123991, 1e-7);
}

TEST(PopulationStabilityIndex, FloorsAnEmptyCurrentBinSymmetrically) {
  Result<double> forward = PopulationStabilityIndex(Counts{50, 30, 20, 0}, Counts{40, 30, 20, 10});
  Result<double> backward = PopulationStabilityIndex(Counts{40, 30, 20, 10}, Counts{50, 30, 20, 0});
  ASSERT_TRUE(forward.ok() && backward.ok());
  EXPECT_NEAR(*forward, *backward, 1e-12);  // (a-e) ln(a/e) is symmetric
}

TEST(PopulationStabilityIndex, IgnoresBinsEmptyOnBothSides) {
  Result<double> with = PopulationStabilityIndex(Counts{10, 0, 30}, Counts{30, 0, 10});
  Result<double> without = PopulationStabilityIndex(Counts{10, 30}, Counts{30, 10});
  ASSERT_TRUE(with.ok() && without.ok());
  EXPECT_DOUBLE_EQ(*with, *without);
  // 2 · (0.75 - 0.25) ln 3 = ln 3.
  EXPECT_NEAR(*with, std::log(3.0), 1e-12);
}

TEST(PopulationStabilityIndex, RejectsMismatchedNegativeAndEmptyInput) {
  EXPECT_EQ(PopulationStabilityIndex(Counts{1, 2}, Counts{1, 2, 3}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(PopulationStabilityIndex(Counts{1, -2}, Counts{1, 2}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(PopulationStabilityIndex(Counts{}, Counts{}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(PopulationStabilityIndex(Counts{0, 0}, Counts{1, 2}).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(PopulationStabilityIndex(Counts{1, 2}, Counts{1, 2}, 0.0).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(JensenShannonDistance, IsZeroForIdenticalAndOneForDisjoint) {
  Result<double> same = JensenShannonDistance(Counts{3, 5, 2}, Counts{30, 50, 20});
  Result<double> disjoint = JensenShannonDistance(Counts{5, 0}, Counts{0, 7});
  ASSERT_TRUE(same.ok() && disjoint.ok());
  EXPECT_NEAR(*same, 0.0, 1e-7);
  EXPECT_NEAR(*disjoint, 1.0, 1e-12);
}

TEST(JensenShannonDistance, MatchesHandComputedValue) {
  // p = (1/2, 1/2), q = (1, 0), m = (3/4, 1/4).
  // KL(p||m) = 1/2 log2(2/3) + 1/2 log2(2) = 0.5 - 0.5 log2 1.5
  // KL(q||m) = log2(4/3);  JSD = (KL(p||m) + KL(q||m)) / 2 = 0.3112781
  // distance = sqrt(JSD) = 0.5579230.
  Result<double> d = JensenShannonDistance(Counts{1, 1}, Counts{1, 0});
  ASSERT_TRUE(d.ok());
  const double jsd = (0.5 - 0.5 * std::log2(1.5) + std::log2(4.0 / 3.0)) / 2.0;
  EXPECT_NEAR(*d, std::sqrt(jsd), 1e-12);
  EXPECT_NEAR(*d, 0.5579230, 1e-7);
}

TEST(KolmogorovSurvival, MatchesTabulatedValues) {
  // Q_KS(λ) = 2 Σ (-1)^(j-1) exp(-2 j² λ²), summed to 200 terms.
  EXPECT_NEAR(KolmogorovSurvival(1.0), 0.26999967167735456, 1e-10);
  EXPECT_NEAR(KolmogorovSurvival(1.36), 0.049485876755377876, 1e-10);  // the 5% critical value
  EXPECT_NEAR(KolmogorovSurvival(0.5), 0.9639452436648751, 1e-10);
  EXPECT_NEAR(KolmogorovSurvival(2.0), 0.0006709252557796953, 1e-12);
  // Both sides of the switch between the two series.
  EXPECT_NEAR(KolmogorovSurvival(1.17), 0.12939004218561884, 1e-10);
  EXPECT_NEAR(KolmogorovSurvival(1.19), 0.11774229287977167, 1e-10);
  EXPECT_EQ(KolmogorovSurvival(0.0), 1.0);
  EXPECT_EQ(KolmogorovSurvival(-1.0), 1.0);
  EXPECT_NEAR(KolmogorovSurvival(0.01), 1.0, 1e-12);
  EXPECT_GE(KolmogorovSurvival(40.0), 0.0);
}

TEST(KolmogorovSmirnovFromBins, MatchesHandComputedStatisticAndPValue) {
  // CDFs at the boundaries: ref 0.1 0.3 0.6 1.0, cur 0.4 0.7 0.9 1.0 → D = 0.4.
  // ne = 100·100/200 = 50; λ = (√50 + 0.12 + 0.11/√50) · 0.4 = 2.8826497.
  Result<TestResult> ks = KolmogorovSmirnovFromBins(Counts{10, 20, 30, 40}, Counts{40, 30, 20, 10});
  ASSERT_TRUE(ks.ok());
  EXPECT_NEAR(ks->statistic, 0.4, 1e-12);
  EXPECT_NEAR(ks->p_value, 1.2115549968971104e-07, 1e-12);
}

TEST(KolmogorovSmirnovFromBins, GivesPOneForTheSameDistribution) {
  Result<TestResult> ks = KolmogorovSmirnovFromBins(Counts{10, 20, 30}, Counts{10, 20, 30});
  ASSERT_TRUE(ks.ok());
  EXPECT_EQ(ks->statistic, 0.0);
  EXPECT_EQ(ks->p_value, 1.0);
}

TEST(ChiSquareSurvival, MatchesClosedForms) {
  EXPECT_NEAR(ChiSquareSurvival(3.841458820694124, 1), 0.05, 1e-12);
  EXPECT_NEAR(ChiSquareSurvival(5.991464547107979, 2), 0.05, 1e-12);
  // dof 4: sf(x) = e^(-x/2) (1 + x/2).
  EXPECT_NEAR(ChiSquareSurvival(10.0, 4), std::exp(-5.0) * 6.0, 1e-14);
  // dof 1: sf(x) = erfc(sqrt(x/2)).
  EXPECT_NEAR(ChiSquareSurvival(2.5, 1), std::erfc(std::sqrt(1.25)), 1e-14);
  EXPECT_EQ(ChiSquareSurvival(0.0, 3), 1.0);
  EXPECT_EQ(ChiSquareSurvival(1.0, 0), 1.0);
  EXPECT_EQ(ChiSquareSurvival(INFINITY, 3), 0.0);
  EXPECT_GE(ChiSquareSurvival(1e6, 3), 0.0);
}

TEST(ChiSquareFromBins, MatchesHandComputedTable) {
  // Rows 60 and 60, columns 30, 40, 50 → E = 15, 20, 25 in both rows.
  // X² = 2 · (5²/15 + 0 + 5²/25) = 5.3333; dof 2; p = e^(-X²/2) = 0.0694835.
  Result<TestResult> chi = ChiSquareFromBins(Counts{10, 20, 30}, Counts{20, 20, 20});
  ASSERT_TRUE(chi.ok());
  EXPECT_NEAR(chi->statistic, 16.0 / 3.0, 1e-12);
  EXPECT_EQ(chi->dof, 2);
  EXPECT_NEAR(chi->p_value, std::exp(-8.0 / 3.0), 1e-12);
}

TEST(ChiSquareFromBins, DropsEmptyColumnsFromTheDegreesOfFreedom) {
  Result<TestResult> chi = ChiSquareFromBins(Counts{10, 0, 20, 30}, Counts{20, 0, 20, 20});
  ASSERT_TRUE(chi.ok());
  EXPECT_EQ(chi->dof, 2);
  EXPECT_NEAR(chi->statistic, 16.0 / 3.0, 1e-12);
}

TEST(ChiSquareFromBins, OneNonEmptyBinIsNoEvidence) {
  Result<TestResult> chi = ChiSquareFromBins(Counts{10, 0}, Counts{5, 0});
  ASSERT_TRUE(chi.ok());
  EXPECT_EQ(chi->dof, 0);
  EXPECT_EQ(chi->p_value, 1.0);
}

TEST(ChiSquareFromBins, LargeSamplesMakeSmallShiftsSignificant) {
  // The complaint that motivates requiring an effect size too: a 1-point
  // shift in shares is "significant" at a million rows while PSI stays tiny.
  Result<TestResult> chi = ChiSquareFromBins(Counts{500000, 500000}, Counts{490000, 510000});
  Result<double> psi = PopulationStabilityIndex(Counts{500000, 500000}, Counts{490000, 510000});
  ASSERT_TRUE(chi.ok() && psi.ok());
  EXPECT_LT(chi->p_value, 1e-10);
  EXPECT_LT(*psi, 0.001);
}

}  // namespace
}  // namespace churnml
