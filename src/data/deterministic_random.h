// A pseudo-random generator and distributions whose output is identical on
// every machine and standard library: xoshiro256** seeded by splitmix64,
// and distributions built from + - * / only (no std:: distributions, no
// libm transcendental functions, whose last bits differ between libms).
// Compile users with -ffp-contract=off so no FMA changes a rounding.
//
// Not thread-safe: one generator per thread.
#pragma once

#include <cstdint>

#include "common/random.h"

namespace churnml {

// The generator's distributions over common/random.h's Rng (xoshiro256**
// seeded by splitmix64: one implementation of the stream for the project).
class DeterministicRandom {
 public:
  explicit DeterministicRandom(uint64_t seed) : rng_(seed) {}

  uint64_t Next() { return rng_.Next(); }
  // Uniform in [0, 1), 53 random bits.
  double Uniform() { return rng_.Uniform(); }
  // Uniform integer in [0, n), n > 0.
  uint64_t Below(uint64_t n) { return rng_.Below(n); }

  // True with probability p.
  bool Bernoulli(double p) { return Uniform() < p; }

  // Approximately standard normal: Irwin–Hall sum of 12 uniforms minus 6
  // (mean 0, variance 1, tails cut at ±6).
  double Normal() {
    double sum = 0;
    for (int i = 0; i < 12; ++i) sum += Uniform();
    return sum - 6.0;
  }

  // Index drawn from cumulative probabilities `cdf` (last entry 1.0).
  template <int N>
  int Pick(const double (&cdf)[N]) {
    const double u = Uniform();
    for (int i = 0; i < N - 1; ++i) {
      if (u < cdf[i]) return i;
    }
    return N - 1;
  }

 private:
  Rng rng_;
};

// e^x from + - * / only: x = k·ln2 + r with |r| <= ln2/2, a degree-13
// Taylor polynomial for e^r (error below 1e-15), then exact scaling by 2^k.
// Same bits on every IEEE-754 machine. |x| is clamped to 700.
double DeterministicExp(double x);

// 1 / (1 + e^-z), through DeterministicExp.
double DeterministicSigmoid(double z);

}  // namespace churnml
