#include "eval/drift_statistics.h"

#include <algorithm>
#include <boost/math/policies/policy.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <numbers>
#include <string>

namespace churnml {
namespace {

// Boost.Math reports domain and overflow problems through errno instead of
// exceptions: the arguments are checked before the call, and no exception
// may leave this adapter.
using NoThrowPolicy = boost::math::policies::policy<
    boost::math::policies::domain_error<boost::math::policies::errno_on_error>,
    boost::math::policies::overflow_error<boost::math::policies::errno_on_error>,
    boost::math::policies::evaluation_error<boost::math::policies::errno_on_error>,
    boost::math::policies::pole_error<boost::math::policies::errno_on_error>>;

struct Totals {
  double reference = 0;
  double current = 0;
};

Result<Totals> CheckCounts(std::span<const int64_t> reference, std::span<const int64_t> current) {
  if (reference.size() != current.size()) {
    return InvalidArgumentError("reference has " + std::to_string(reference.size()) +
                                " bins and current " + std::to_string(current.size()));
  }
  if (reference.empty()) return InvalidArgumentError("no bins to compare");
  Totals totals;
  for (size_t i = 0; i < reference.size(); ++i) {
    if (reference[i] < 0 || current[i] < 0) {
      return InvalidArgumentError("bin " + std::to_string(i) + " has a negative count");
    }
    totals.reference += static_cast<double>(reference[i]);
    totals.current += static_cast<double>(current[i]);
  }
  if (totals.reference <= 0) return FailedPreconditionError("the reference histogram is empty");
  if (totals.current <= 0) return FailedPreconditionError("the current histogram is empty");
  return totals;
}

}  // namespace

Result<double> PopulationStabilityIndex(std::span<const int64_t> reference,
                                        std::span<const int64_t> current, double floor) {
  if (!(floor > 0 && floor < 1)) return InvalidArgumentError("the PSI floor must be in (0, 1)");
  CHURNML_ASSIGN_OR_RETURN(Totals totals, CheckCounts(reference, current));
  double psi = 0;
  for (size_t i = 0; i < reference.size(); ++i) {
    if (reference[i] == 0 && current[i] == 0) continue;
    const double e =
        reference[i] == 0 ? floor : static_cast<double>(reference[i]) / totals.reference;
    const double a = current[i] == 0 ? floor : static_cast<double>(current[i]) / totals.current;
    psi += (a - e) * std::log(a / e);
  }
  return psi;
}

Result<double> JensenShannonDistance(std::span<const int64_t> reference,
                                     std::span<const int64_t> current) {
  CHURNML_ASSIGN_OR_RETURN(Totals totals, CheckCounts(reference, current));
  double divergence = 0;
  for (size_t i = 0; i < reference.size(); ++i) {
    double p = static_cast<double>(reference[i]) / totals.reference;
    double q = static_cast<double>(current[i]) / totals.current;
    double m = 0.5 * (p + q);
    if (p > 0) divergence += 0.5 * p * std::log2(p / m);
    if (q > 0) divergence += 0.5 * q * std::log2(q / m);
  }
  // Rounding can leave a tiny negative value for identical histograms.
  return std::sqrt(std::clamp(divergence, 0.0, 1.0));
}

Result<TestResult> KolmogorovSmirnovFromBins(std::span<const int64_t> reference,
                                             std::span<const int64_t> current) {
  CHURNML_ASSIGN_OR_RETURN(Totals totals, CheckCounts(reference, current));
  double cum_ref = 0;
  double cum_cur = 0;
  double d = 0;
  for (size_t i = 0; i < reference.size(); ++i) {
    cum_ref += static_cast<double>(reference[i]);
    cum_cur += static_cast<double>(current[i]);
    d = std::max(d, std::abs(cum_ref / totals.reference - cum_cur / totals.current));
  }
  const double ne = totals.reference * totals.current / (totals.reference + totals.current);
  const double root = std::sqrt(ne);
  TestResult result;
  result.statistic = d;
  result.p_value = KolmogorovSurvival((root + 0.12 + 0.11 / root) * d);
  return result;
}

Result<TestResult> ChiSquareFromBins(std::span<const int64_t> reference,
                                     std::span<const int64_t> current) {
  CHURNML_ASSIGN_OR_RETURN(Totals totals, CheckCounts(reference, current));
  const double n = totals.reference + totals.current;
  double x2 = 0;
  int64_t columns = 0;
  for (size_t i = 0; i < reference.size(); ++i) {
    const double column = static_cast<double>(reference[i]) + static_cast<double>(current[i]);
    if (column == 0) continue;
    ++columns;
    const double expected_ref = totals.reference * column / n;
    const double expected_cur = totals.current * column / n;
    const double dr = static_cast<double>(reference[i]) - expected_ref;
    const double dc = static_cast<double>(current[i]) - expected_cur;
    x2 += dr * dr / expected_ref + dc * dc / expected_cur;
  }
  TestResult result;
  result.statistic = x2;
  result.dof = columns - 1;
  result.p_value = result.dof >= 1 ? ChiSquareSurvival(x2, static_cast<double>(result.dof)) : 1.0;
  return result;
}

double KolmogorovSurvival(double lambda) {
  if (!(lambda > 0)) return 1.0;
  if (lambda < 1.18) {
    // 1 - sqrt(2π)/λ · sum_{j>=1} exp(-(2j-1)² π² / (8 λ²)); four terms reach
    // double precision on this side of the switch.
    const double y = std::exp(-std::numbers::pi * std::numbers::pi / (8.0 * lambda * lambda));
    const double y2 = y * y;
    const double y4 = y2 * y2;
    const double y8 = y4 * y4;
    const double sum = y * (1.0 + y8 * (1.0 + y8 * y8 * (1.0 + y8 * y8 * y8)));
    const double cdf = std::sqrt(2.0 * std::numbers::pi) / lambda * sum;
    return std::clamp(1.0 - cdf, 0.0, 1.0);
  }
  const double x = std::exp(-2.0 * lambda * lambda);
  const double x2 = x * x;
  const double x4 = x2 * x2;
  const double x8 = x4 * x4;
  // 2 (x - x^4 + x^9 - x^16)
  const double q = 2.0 * (x - x4 + x8 * x - x8 * x8);
  return std::clamp(q, 0.0, 1.0);
}

double ChiSquareSurvival(double x, double dof) {
  if (!(x > 0) || !(dof >= 1) || !std::isfinite(dof)) return 1.0;
  if (!std::isfinite(x)) return 0.0;
  const double q = boost::math::gamma_q(dof / 2.0, x / 2.0, NoThrowPolicy());
  if (!std::isfinite(q)) return 0.0;
  return std::clamp(q, 0.0, 1.0);
}

}  // namespace churnml
