#include "serving/shadow_comparison.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace churnml::serving {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

std::vector<double> AverageRanks(std::span<const double> values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&values](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  size_t i = 0;
  while (i < order.size()) {
    size_t j = i + 1;
    while (j < order.size() && values[order[j]] == values[order[i]]) ++j;
    // Positions i..j-1 (0-based) hold ranks i+1..j: their mean.
    const double rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    for (size_t k = i; k < j; ++k) ranks[order[k]] = rank;
    i = j;
  }
  return ranks;
}

double SpearmanCorrelation(std::span<const double> x, std::span<const double> y) {
  const size_t n = x.size();
  if (n < 2 || y.size() != n) return kNaN;
  const std::vector<double> rx = AverageRanks(x);
  const std::vector<double> ry = AverageRanks(y);
  const double mean = (static_cast<double>(n) + 1) / 2;  // of ranks 1..n, ties included
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < n; ++i) {
    const double dx = rx[i] - mean;
    const double dy = ry[i] - mean;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx <= 0 || syy <= 0) return kNaN;
  return sxy / std::sqrt(sxx * syy);
}

ComparisonStats Compare(std::span<const ShadowPair> pairs) {
  ComparisonStats stats;
  stats.pairs = pairs.size();
  if (pairs.empty()) {
    stats.agreement = stats.mean_diff = stats.mean_abs_diff = stats.spearman = kNaN;
    return stats;
  }
  double agree = 0, diff = 0, abs_diff = 0;
  std::vector<double> primary, shadow;
  primary.reserve(pairs.size());
  shadow.reserve(pairs.size());
  for (const ShadowPair& p : pairs) {
    agree += p.primary_class == p.shadow_class ? 1 : 0;
    diff += p.shadow - p.primary;
    abs_diff += std::abs(p.shadow - p.primary);
    primary.push_back(p.primary);
    shadow.push_back(p.shadow);
  }
  const double n = static_cast<double>(pairs.size());
  stats.agreement = agree / n;
  stats.mean_diff = diff / n;
  stats.mean_abs_diff = abs_diff / n;
  stats.spearman = SpearmanCorrelation(primary, shadow);
  return stats;
}

ShadowComparison::ShadowComparison(size_t window) : window_(std::max<size_t>(window, 1)) {
  ring_.reserve(window_);
}

void ShadowComparison::Add(const ShadowPair& pair) {
  MutexLock lock(&mu_);
  ++total_;
  if (ring_.size() < window_) {
    ring_.push_back(pair);
    return;
  }
  ring_[next_] = pair;
  next_ = (next_ + 1) % window_;
}

void ShadowComparison::Clear() {
  MutexLock lock(&mu_);
  ring_.clear();
  next_ = 0;
  total_ = 0;
}

ComparisonStats ShadowComparison::Stats() const {
  std::vector<ShadowPair> copy;
  uint64_t total = 0;
  {
    MutexLock lock(&mu_);
    copy = ring_;
    total = total_;
  }
  ComparisonStats stats = Compare(copy);
  stats.window = window_;
  stats.total_pairs = total;
  return stats;
}

}  // namespace churnml::serving
