// The online comparison of a shadow model with the answers clients got
// (serve --shadow; docs/serving.md, "Shadow model"): a sliding window of the
// last N (answer, shadow) score pairs and its statistics — agreement of the
// predicted class, mean and mean absolute score difference, and Spearman's
// rank correlation of the two scores.
//
// Thread safety: Add and Stats may run concurrently (one short lock; the
// statistics are computed on a copy, outside it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/mutex.h"

namespace churnml::serving {

// One customer scored by both models.
struct ShadowPair {
  double primary = 0;     // the probability the client got
  double shadow = 0;      // the shadow model's probability
  int primary_class = 0;  // 0/1 by the answering model's threshold
  int shadow_class = 0;   // 0/1 by the shadow model's threshold
};

// Statistics of a window; every ratio is NaN when the window is empty, and
// spearman is NaN with fewer than 2 pairs or when either score is constant.
struct ComparisonStats {
  size_t pairs = 0;          // pairs in the window now
  size_t window = 0;         // the window's capacity
  uint64_t total_pairs = 0;  // pairs ever added (since the last Clear)
  double agreement = 0;      // share of pairs with the same predicted class
  double mean_diff = 0;      // mean of shadow - primary
  double mean_abs_diff = 0;  // mean of |shadow - primary|
  double spearman = 0;       // rank correlation of primary and shadow scores
};

// Average ranks (1-based; ties share the mean of their ranks).
std::vector<double> AverageRanks(std::span<const double> values);

// Spearman's rho: Pearson's correlation of the average ranks. NaN with
// fewer than 2 values or a constant side; x and y must be the same length.
double SpearmanCorrelation(std::span<const double> x, std::span<const double> y);

// Statistics of `pairs` (any order).
ComparisonStats Compare(std::span<const ShadowPair> pairs);

class ShadowComparison {
 public:
  // `window` pairs at most (>= 1); the oldest pair leaves when a new one comes.
  explicit ShadowComparison(size_t window);

  void Add(const ShadowPair& pair);
  void Clear();  // a new shadow model starts a new window
  ComparisonStats Stats() const;

 private:
  const size_t window_;
  mutable Mutex mu_;
  std::vector<ShadowPair> ring_ CHURNML_GUARDED_BY(mu_);
  size_t next_ CHURNML_GUARDED_BY(mu_) = 0;  // where the next pair goes once full
  uint64_t total_ CHURNML_GUARDED_BY(mu_) = 0;
};

}  // namespace churnml::serving
