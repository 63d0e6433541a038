#include "eval/delong.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

namespace churnml {
namespace {

// Midranks (1-based, ties share the mean rank) of `values`.
std::vector<double> MidRanks(const std::vector<double>& values) {
  const size_t n = values.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(n);
  size_t i = 0;
  while (i < n) {
    size_t j = i;
    while (j + 1 < n && values[order[j + 1]] == values[order[i]]) ++j;
    const double rank = 0.5 * static_cast<double>(i + j) + 1.0;
    for (size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

// The structural components of one model: V10 (one per positive, the share
// of negatives it outscores) and V01 (one per negative, the share of
// positives that outscore it), ties counting one half.
struct Components {
  std::vector<double> v10;
  std::vector<double> v01;
  double auc = 0;
};

Components StructuralComponents(const std::vector<double>& positives,
                                const std::vector<double>& negatives) {
  const size_t m = positives.size();
  const size_t n = negatives.size();
  std::vector<double> all(positives);
  all.insert(all.end(), negatives.begin(), negatives.end());
  const std::vector<double> rank_all = MidRanks(all);
  const std::vector<double> rank_pos = MidRanks(positives);
  const std::vector<double> rank_neg = MidRanks(negatives);
  Components c;
  c.v10.resize(m);
  c.v01.resize(n);
  for (size_t i = 0; i < m; ++i) {
    c.v10[i] = (rank_all[i] - rank_pos[i]) / static_cast<double>(n);
  }
  for (size_t j = 0; j < n; ++j) {
    c.v01[j] = 1.0 - (rank_all[m + j] - rank_neg[j]) / static_cast<double>(m);
  }
  c.auc = std::accumulate(c.v10.begin(), c.v10.end(), 0.0) / static_cast<double>(m);
  return c;
}

// Sample covariance (denominator k - 1) of two equally long vectors.
double Covariance(const std::vector<double>& a, const std::vector<double>& b) {
  const double k = static_cast<double>(a.size());
  const double mean_a = std::accumulate(a.begin(), a.end(), 0.0) / k;
  const double mean_b = std::accumulate(b.begin(), b.end(), 0.0) / k;
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += (a[i] - mean_a) * (b[i] - mean_b);
  return sum / (k - 1.0);
}

}  // namespace

Result<DeLongResult> PairedDeLong(std::span<const uint8_t> labels, std::span<const double> scores_a,
                                  std::span<const double> scores_b) {
  if (labels.size() != scores_a.size() || labels.size() != scores_b.size()) {
    return InvalidArgumentError(
        "DeLong needs one score per label from each model: " + std::to_string(labels.size()) +
        " labels, " + std::to_string(scores_a.size()) + " and " + std::to_string(scores_b.size()) +
        " scores");
  }
  std::vector<double> pos_a, neg_a, pos_b, neg_b;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] > 1) {
      return InvalidArgumentError("label at index " + std::to_string(i) + " is not 0 or 1");
    }
    if (std::isnan(scores_a[i]) || std::isnan(scores_b[i])) {
      return InvalidArgumentError("score at index " + std::to_string(i) + " is NaN");
    }
    if (labels[i] == 1) {
      pos_a.push_back(scores_a[i]);
      pos_b.push_back(scores_b[i]);
    } else {
      neg_a.push_back(scores_a[i]);
      neg_b.push_back(scores_b[i]);
    }
  }
  if (pos_a.size() < 2 || neg_a.size() < 2) {
    return FailedPreconditionError("DeLong needs at least two rows of each class (have " +
                                   std::to_string(pos_a.size()) + " positive, " +
                                   std::to_string(neg_a.size()) + " negative)");
  }
  const Components a = StructuralComponents(pos_a, neg_a);
  const Components b = StructuralComponents(pos_b, neg_b);
  const double m = static_cast<double>(pos_a.size());
  const double n = static_cast<double>(neg_a.size());
  // Var(B - A) = Var(A) + Var(B) - 2 Cov(A, B), each entry S10/m + S01/n.
  const double var_a = Covariance(a.v10, a.v10) / m + Covariance(a.v01, a.v01) / n;
  const double var_b = Covariance(b.v10, b.v10) / m + Covariance(b.v01, b.v01) / n;
  const double cov_ab = Covariance(a.v10, b.v10) / m + Covariance(a.v01, b.v01) / n;
  DeLongResult r;
  r.auc_a = a.auc;
  r.auc_b = b.auc;
  r.difference = b.auc - a.auc;
  r.variance = std::max(0.0, var_a + var_b - 2.0 * cov_ab);
  r.positives = static_cast<int64_t>(pos_a.size());
  r.negatives = static_cast<int64_t>(neg_a.size());
  if (r.variance > 0) {
    r.z = r.difference / std::sqrt(r.variance);
    r.p_value = std::erfc(std::abs(r.z) / std::sqrt(2.0));
  }
  return r;
}

}  // namespace churnml
