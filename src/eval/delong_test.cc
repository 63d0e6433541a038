#include "eval/delong.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace churnml {
namespace {

// Hand-worked case, three positives and three negatives (rows in that order).
//   model A: positives 0.9 0.6 0.4, negatives 0.5 0.3 0.7
//   model B: positives 0.8 0.7 0.3, negatives 0.2 0.6 0.3
// A: V10 = (1, 2/3, 1/3), V01 = (2/3, 1, 1/3), AUC 2/3.
// B: V10 = (1, 1, 1/2) (0.3 ties 0.3), V01 = (1, 2/3, 5/6), AUC 5/6.
// Var(A) = s²(V10)/3 + s²(V01)/3 = (1/9)/3 + (1/9)/3 = 2/27.
// Var(B) = (1/12)/3 + (1/36)/3 = 1/27.   Cov(A,B) = (1/6)/3 + (-1/9)/3 = 1/54.
// Var(B - A) = 2/27 + 1/27 - 2/54 = 2/27;  z = (1/6) / sqrt(2/27) = 0.6123724;
// p = erfc(z / √2) = 0.5402914.
const std::vector<uint8_t> kLabels = {1, 1, 1, 0, 0, 0};
const std::vector<double> kScoresA = {0.9, 0.6, 0.4, 0.5, 0.3, 0.7};
const std::vector<double> kScoresB = {0.8, 0.7, 0.3, 0.2, 0.6, 0.3};

TEST(PairedDeLong, MatchesHandWorkedCase) {
  Result<DeLongResult> r = PairedDeLong(kLabels, kScoresA, kScoresB);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NEAR(r->auc_a, 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(r->auc_b, 5.0 / 6.0, 1e-12);
  EXPECT_NEAR(r->difference, 1.0 / 6.0, 1e-12);
  EXPECT_NEAR(r->variance, 2.0 / 27.0, 1e-12);
  EXPECT_NEAR(r->z, 0.6123724356957948, 1e-12);
  EXPECT_NEAR(r->p_value, 0.5402913746074198, 1e-12);
  EXPECT_EQ(r->positives, 3);
  EXPECT_EQ(r->negatives, 3);
}

TEST(PairedDeLong, SwappingModelsNegatesZAndKeepsP) {
  Result<DeLongResult> ab = PairedDeLong(kLabels, kScoresA, kScoresB);
  Result<DeLongResult> ba = PairedDeLong(kLabels, kScoresB, kScoresA);
  ASSERT_TRUE(ab.ok() && ba.ok());
  EXPECT_NEAR(ab->z, -ba->z, 1e-12);
  EXPECT_NEAR(ab->p_value, ba->p_value, 1e-12);
}

TEST(PairedDeLong, IdenticalModelsGiveNoEvidence) {
  Result<DeLongResult> r = PairedDeLong(kLabels, kScoresA, kScoresA);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->difference, 0.0);
  EXPECT_EQ(r->p_value, 1.0);
}

// The midrank computation against the O(m·n) definition on random data with
// ties (scores rounded to two decimals).
TEST(PairedDeLong, AgreesWithPairwiseDefinition) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::vector<uint8_t> y;
  std::vector<double> a, b;
  for (int i = 0; i < 300; ++i) {
    uint8_t label = i % 3 == 0 ? 1 : 0;
    y.push_back(label);
    a.push_back(std::round((label * 1.0 + noise(rng)) * 100) / 100);
    b.push_back(std::round((label * 1.4 + noise(rng) + 0.3 * a.back()) * 100) / 100);
  }
  std::vector<double> pa, na, pb, nb;
  for (size_t i = 0; i < y.size(); ++i) {
    (y[i] ? pa : na).push_back(a[i]);
    (y[i] ? pb : nb).push_back(b[i]);
  }
  auto psi = [](double x, double z) { return x > z ? 1.0 : (x == z ? 0.5 : 0.0); };
  auto components = [&](const std::vector<double>& p, const std::vector<double>& n,
                        std::vector<double>* v10, std::vector<double>* v01) {
    for (double x : p) {
      double s = 0;
      for (double z : n) s += psi(x, z);
      v10->push_back(s / n.size());
    }
    for (double z : n) {
      double s = 0;
      for (double x : p) s += psi(x, z);
      v01->push_back(s / p.size());
    }
  };
  auto cov = [](const std::vector<double>& u, const std::vector<double>& v) {
    double mu = 0, mv = 0;
    for (size_t i = 0; i < u.size(); ++i) mu += u[i], mv += v[i];
    mu /= u.size();
    mv /= v.size();
    double s = 0;
    for (size_t i = 0; i < u.size(); ++i) s += (u[i] - mu) * (v[i] - mv);
    return s / (u.size() - 1);
  };
  std::vector<double> a10, a01, b10, b01;
  components(pa, na, &a10, &a01);
  components(pb, nb, &b10, &b01);
  const double m = pa.size(), n = na.size();
  double auc_a = 0, auc_b = 0;
  for (double v : a10) auc_a += v / m;
  for (double v : b10) auc_b += v / m;
  const double var = cov(a10, a10) / m + cov(a01, a01) / n + cov(b10, b10) / m + cov(b01, b01) / n -
                     2 * (cov(a10, b10) / m + cov(a01, b01) / n);
  const double z = (auc_b - auc_a) / std::sqrt(var);

  Result<DeLongResult> r = PairedDeLong(y, a, b);
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(r->auc_a, auc_a, 1e-12);
  EXPECT_NEAR(r->auc_b, auc_b, 1e-12);
  EXPECT_NEAR(r->variance, var, 1e-12);
  EXPECT_NEAR(r->z, z, 1e-9);
  EXPECT_GT(r->difference, 0.0);
  EXPECT_LT(r->p_value, 0.05);  // B carries more signal by construction
}

TEST(PairedDeLong, RejectsBadInput) {
  const std::vector<double> two = {0.1, 0.2};
  EXPECT_EQ(PairedDeLong(kLabels, kScoresA, two).status().code(), StatusCode::kInvalidArgument);
  const std::vector<uint8_t> bad_label = {1, 1, 2, 0, 0, 0};
  EXPECT_EQ(PairedDeLong(bad_label, kScoresA, kScoresB).status().code(),
            StatusCode::kInvalidArgument);
  std::vector<double> nan_scores = kScoresB;
  nan_scores[4] = std::nan("");
  EXPECT_EQ(PairedDeLong(kLabels, kScoresA, nan_scores).status().code(),
            StatusCode::kInvalidArgument);
  const std::vector<uint8_t> one_positive = {1, 0, 0, 0, 0, 0};
  EXPECT_EQ(PairedDeLong(one_positive, kScoresA, kScoresB).status().code(),
            StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace churnml
