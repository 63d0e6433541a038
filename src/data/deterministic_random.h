// A pseudo-random generator and distributions whose output is identical on
// every machine and standard library: xoshiro256** seeded by splitmix64,
// and distributions built from + - * / only (no std:: distributions, no
// libm transcendental functions, whose last bits differ between libms).
// Compile users with -ffp-contract=off so no FMA changes a rounding.
//
// Not thread-safe: one generator per thread.
#pragma once

#include <cstdint>

namespace churnml {

// splitmix64 step: also a good 64-bit mixing function.
inline uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

class DeterministicRandom {
 public:
  explicit DeterministicRandom(uint64_t seed) {
    uint64_t s = seed;
    for (uint64_t& word : state_) word = SplitMix64(&s);
  }

  // xoshiro256**.
  uint64_t Next() {
    const uint64_t result = Rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = Rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, 1), 53 random bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

  // True with probability p.
  bool Bernoulli(double p) { return Uniform() < p; }

  // Uniform integer in [0, n), n > 0 (Lemire's multiply-shift; the tiny
  // bias is irrelevant for synthetic data).
  uint64_t Below(uint64_t n) {
    __extension__ using Wide = unsigned __int128;
    return static_cast<uint64_t>((static_cast<Wide>(Next()) * n) >> 64);
  }

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
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t state_[4];
};

// e^x from + - * / only: x = k·ln2 + r with |r| <= ln2/2, a degree-13
// Taylor polynomial for e^r (error below 1e-15), then exact scaling by 2^k.
// Same bits on every IEEE-754 machine. |x| is clamped to 700.
double DeterministicExp(double x);

// 1 / (1 + e^-z), through DeterministicExp.
double DeterministicSigmoid(double z);

}  // namespace churnml
