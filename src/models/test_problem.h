// Small deterministic binary problems for the models tests.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "features/feature_matrix.h"

namespace churnml::testing {

// Uniform doubles in [-1, 1) from a 64-bit LCG (same values everywhere).
class Lcg {
 public:
  explicit Lcg(uint64_t seed) : state_(seed * 2 + 1) {}
  double Next() {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state_ >> 11) / static_cast<double>(1ULL << 52) - 1.0;
  }

 private:
  uint64_t state_;
};

struct Problem {
  FeatureMatrix x;
  std::vector<uint8_t> y;
};

// Label 1 when 2*x0 - x1 + noise > threshold; x2 is pure noise.
inline Problem LinearProblem(size_t rows, uint64_t seed, double threshold = 0.0) {
  Lcg rng(seed);
  Problem p{FeatureMatrix(rows, 3), std::vector<uint8_t>(rows)};
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < 3; ++c) p.x.at(r, c) = rng.Next();
    const double score = 2 * p.x.at(r, 0) - p.x.at(r, 1) + 0.2 * rng.Next();
    p.y[r] = score > threshold ? 1 : 0;
  }
  return p;
}

// Label 1 when x0 and x1 have the same sign: not linearly separable.
inline Problem XorProblem(size_t rows, uint64_t seed) {
  Lcg rng(seed);
  Problem p{FeatureMatrix(rows, 2), std::vector<uint8_t>(rows)};
  for (size_t r = 0; r < rows; ++r) {
    p.x.at(r, 0) = rng.Next();
    p.x.at(r, 1) = rng.Next();
    p.y[r] = (p.x.at(r, 0) > 0) == (p.x.at(r, 1) > 0) ? 1 : 0;
  }
  return p;
}

inline double Accuracy(const std::vector<double>& proba, const std::vector<uint8_t>& y) {
  size_t right = 0;
  for (size_t i = 0; i < y.size(); ++i) right += (proba[i] >= 0.5) == (y[i] != 0) ? 1 : 0;
  return static_cast<double>(right) / static_cast<double>(y.size());
}

// A fresh empty directory for one test under CHURNML_TEST_TMPDIR (or the
// system temporary directory). The process id keeps it private: ctest runs
// each test case as its own process, several at once.
inline std::filesystem::path FreshDir(const std::string& name) {
  const char* root = std::getenv("CHURNML_TEST_TMPDIR");
  std::filesystem::path dir =
      std::filesystem::path(root != nullptr ? root : std::filesystem::temp_directory_path()) /
      ("models-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace churnml::testing
