// Distribution-shift statistics computed from binned counts: a reference
// histogram (frozen at training time) against a current one over the same
// bins. Every function is O(bins), pure and thread-safe; docs/quality.md
// gives each formula, its reading and its defaults.
//
// Input contract shared by every function here:
//   - reference and current have the same, non-zero number of bins, else
//     InvalidArgument naming both sizes;
//   - counts are non-negative (InvalidArgument naming the bin);
//   - each side holds at least one row (FailedPrecondition: a distribution of
//     nothing has no shape to compare).
#pragma once

#include <cstdint>
#include <span>

#include "common/status.h"

namespace churnml {

// PSI replaces the proportion of an empty bin on one side by this floor
// (the common practice; scorecard literature uses 1e-4), so a bin that is
// empty in the reference and filled now adds a large but finite term.
inline constexpr double kPsiEmptyBinFloor = 1e-4;

// Population stability index: sum over bins of (a - e) * ln(a / e), where e
// and a are the reference and current proportions, a zero proportion being
// replaced by `floor` first. Bins empty on both sides add nothing.
// Reading: < 0.1 stable, 0.1–0.25 moderate, > 0.25 significant shift.
Result<double> PopulationStabilityIndex(std::span<const int64_t> reference,
                                        std::span<const int64_t> current,
                                        double floor = kPsiEmptyBinFloor);

// Jensen–Shannon distance with base-2 logarithms: sqrt(JSD) in [0, 1], where
// JSD = (KL(p || m) + KL(q || m)) / 2 and m = (p + q) / 2 (scipy's
// jensenshannon(p, q, base=2)). Needs no smoothing: m > 0 wherever p or q is.
Result<double> JensenShannonDistance(std::span<const int64_t> reference,
                                     std::span<const int64_t> current);

struct TestResult {
  double statistic = 0;  // D for KS, X² for chi-square
  double p_value = 1;
  int64_t dof = 0;  // chi-square degrees of freedom (0 for KS)
};

// Two-sample Kolmogorov–Smirnov test on ordered bins: D is the largest gap
// between the two empirical CDFs at the bin boundaries (a lower bound of the
// D the raw values would give, so the test is conservative), and the p-value
// is the asymptotic Kolmogorov survival at (sqrt(ne) + 0.12 + 0.11/sqrt(ne)) D
// with ne = n m / (n + m) (Stephens' correction, as in Numerical Recipes).
Result<TestResult> KolmogorovSmirnovFromBins(std::span<const int64_t> reference,
                                             std::span<const int64_t> current);

// Pearson's chi-square test of homogeneity on the 2 × k table of counts
// (bins empty on both sides dropped): X² = sum (O - E)² / E with
// E = row total × column total / N, dof = non-empty bins - 1, p-value
// P(χ²_dof > X²). With a single non-empty bin, X² = 0 and p = 1.
Result<TestResult> ChiSquareFromBins(std::span<const int64_t> reference,
                                     std::span<const int64_t> current);

// Q_KS(lambda) = 2 sum_{j>=1} (-1)^{j-1} exp(-2 j² lambda²): the probability
// that the Kolmogorov statistic exceeds lambda. 1 for lambda <= 0. Accurate
// to about 1e-10 (two series, switching at lambda = 1.18).
double KolmogorovSurvival(double lambda);

// P(χ²_dof > x), through the regularized upper incomplete gamma function
// Q(dof / 2, x / 2) (Boost.Math). 1 for x <= 0; dof must be >= 1 (else 1).
double ChiSquareSurvival(double x, double dof);

}  // namespace churnml
