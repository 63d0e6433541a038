#include "data/deterministic_random.h"

namespace churnml {

double DeterministicExp(double x) {
  if (x > 700) x = 700;
  if (x < -700) x = -700;
  constexpr double kLn2 = 0.6931471805599453094;
  constexpr double kInvLn2 = 1.4426950408889634074;
  // Round to nearest without libm.
  const double scaled = x * kInvLn2;
  int k = static_cast<int>(scaled < 0 ? scaled - 0.5 : scaled + 0.5);
  const double r = x - k * kLn2;
  // Horner form of sum r^n / n!, n = 0..13.
  double p = 1.0 / 6227020800.0;
  constexpr double kInvFactorials[] = {1.0 / 479001600.0,
                                       1.0 / 39916800.0,
                                       1.0 / 3628800.0,
                                       1.0 / 362880.0,
                                       1.0 / 40320.0,
                                       1.0 / 5040.0,
                                       1.0 / 720.0,
                                       1.0 / 120.0,
                                       1.0 / 24.0,
                                       1.0 / 6.0,
                                       1.0 / 2.0,
                                       1.0,
                                       1.0};
  for (double c : kInvFactorials) p = p * r + c;
  // Multiply by 2^k with exact power-of-two factors.
  while (k > 0) {
    int step = k > 60 ? 60 : k;
    p *= static_cast<double>(uint64_t{1} << step);
    k -= step;
  }
  while (k < 0) {
    int step = -k > 60 ? 60 : -k;
    p /= static_cast<double>(uint64_t{1} << step);
    k += step;
  }
  return p;
}

double DeterministicSigmoid(double z) { return 1.0 / (1.0 + DeterministicExp(-z)); }

}  // namespace churnml
