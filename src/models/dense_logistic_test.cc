#include "models/dense_logistic.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <numeric>

#include "models/logistic_regression.h"
#include "models/test_problem.h"

namespace churnml {
namespace {

using ::testing::HasSubstr;
using testing::Lcg;
using testing::LinearProblem;
using testing::Problem;

// A Telco-shaped problem: three one-hot blocks (every level has a column, so
// the blocks are collinear with the intercept and only the regularization
// makes the optimum unique), two standardised numbers, labels drawn from a
// logistic model.
Problem OneHotProblem(size_t rows, uint64_t seed) {
  constexpr size_t kLevels[] = {3, 4, 2};
  constexpr size_t kCols = 3 + 4 + 2 + 2;
  const double effects[] = {1.2, 0.0, -0.9, 0.5, -0.4, 0.3, 0.0, 0.7, -0.7};
  Lcg rng(seed);
  Problem p{FeatureMatrix(rows, kCols), std::vector<uint8_t>(rows)};
  for (size_t r = 0; r < rows; ++r) {
    double score = -0.8;
    size_t offset = 0;
    for (size_t levels : kLevels) {
      const size_t level = std::min(
          levels - 1, static_cast<size_t>((rng.Next() + 1.0) * 0.5 * static_cast<double>(levels)));
      p.x.at(r, offset + level) = 1.0;
      score += effects[offset + level];
      offset += levels;
    }
    for (size_t k = 0; k < 2; ++k) {
      const double v = rng.Next() * 1.7;
      p.x.at(r, offset + k) = v;
      score += (k == 0 ? 0.9 : -0.3) * v;
    }
    const double probability = 1.0 / (1.0 + std::exp(-score));
    p.y[r] = (rng.Next() + 1.0) * 0.5 < probability ? 1 : 0;
  }
  return p;
}

// Label 1 exactly when x0 > 0: separable, so without regularization the
// weights would grow without bound.
Problem SeparableProblem(size_t rows, uint64_t seed) {
  Problem p = LinearProblem(rows, seed);
  for (size_t r = 0; r < rows; ++r) p.y[r] = p.x.at(r, 0) > 0 ? 1 : 0;
  return p;
}

double RocAuc(const std::vector<double>& scores, const std::vector<uint8_t>& y) {
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  double rank_sum = 0, positives = 0;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j < order.size() && scores[order[j]] == scores[order[i]]) ++j;
    const double mid_rank = 0.5 * static_cast<double>(i + 1 + j);
    for (size_t k = i; k < j; ++k) {
      if (y[order[k]] != 0) {
        rank_sum += mid_rank;
        positives += 1;
      }
    }
    i = j;
  }
  const double negatives = static_cast<double>(y.size()) - positives;
  return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives);
}

// The compact form of a test matrix: a run of adjacent 0/1 columns with
// exactly one 1 in every row is a one-hot block, any other column numeric.
CompactFeatureMatrix Compact(const FeatureMatrix& x) {
  auto binary = [&](size_t c) {
    for (size_t r = 0; r < x.rows(); ++r) {
      if (x.at(r, c) != 0.0 && x.at(r, c) != 1.0) return false;
    }
    return true;
  };
  auto one_hot = [&](size_t begin, size_t end) {
    for (size_t r = 0; r < x.rows(); ++r) {
      double sum = 0;
      for (size_t c = begin; c < end; ++c) sum += x.at(r, c);
      if (sum != 1.0) return false;
    }
    return true;
  };
  std::vector<size_t> numeric;
  std::vector<CompactFeatureMatrix::Block> blocks;
  for (size_t c = 0; c < x.cols();) {
    size_t end = c;
    while (end < x.cols() && binary(end)) {
      ++end;
      if (one_hot(c, end)) break;
    }
    if (end > c && one_hot(c, end)) {
      blocks.push_back({c, end - c});
      c = end;
    } else {
      numeric.push_back(c++);
    }
  }
  CompactFeatureMatrix out(x.rows(), x.cols(), numeric, blocks);
  for (size_t r = 0; r < x.rows(); ++r) {
    for (size_t k = 0; k < numeric.size(); ++k) out.mutable_numbers(r)[k] = x.at(r, numeric[k]);
    for (size_t b = 0; b < blocks.size(); ++b) {
      for (size_t j = 0; j < blocks[b].width; ++j) {
        if (x.at(r, blocks[b].offset + j) == 1.0)
          out.mutable_codes(r)[b] = static_cast<uint16_t>(j);
      }
    }
  }
  return out;
}

std::unique_ptr<LogisticRegression> Train(const Problem& p, const nlohmann::json& hyperparameters) {
  auto o = LogisticRegressionOptions::FromJson(hyperparameters);
  EXPECT_TRUE(o.ok()) << o.status().ToString();
  auto m = LogisticRegression::Train(p.x, p.y, *o);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return std::move(m).value();
}

std::vector<double> Scores(const LogisticRegression& m, const FeatureMatrix& x) {
  std::vector<double> out(x.rows());
  EXPECT_TRUE(m.PredictProba(x, out).ok());
  return out;
}

// liblinear 2.3's objective at the model's weights (the intercept
// regularized like the others).
double Objective(const Problem& p, const LogisticRegression& m, const nlohmann::json& h) {
  const bool l1 = h.value("penalty", "l2") == "l1";
  const double c = h.value("C", 1.0);
  size_t positives = 0;
  for (uint8_t y : p.y) positives += y;
  const double n = static_cast<double>(p.y.size());
  const bool balanced = h.value("class_weight", "none") == "balanced";
  const double c_pos = balanced ? c * n / (2.0 * static_cast<double>(positives)) : c;
  const double c_neg = balanced ? c * n / (2.0 * (n - static_cast<double>(positives))) : c;
  double f = 0;
  auto add_penalty = [&](double v) { f += l1 ? std::abs(v) : 0.5 * v * v; };
  for (double v : m.coefficients()) add_penalty(v);
  add_penalty(m.intercept());
  for (size_t r = 0; r < p.x.rows(); ++r) {
    double z = m.intercept();
    for (size_t j = 0; j < p.x.cols(); ++j) z += m.coefficients()[j] * p.x.at(r, j);
    const double t = p.y[r] != 0 ? z : -z;
    f += (p.y[r] != 0 ? c_pos : c_neg) *
         (t >= 0 ? std::log1p(std::exp(-t)) : -t + std::log1p(std::exp(t)));
  }
  return f;
}

enum class Optimum { kUnique, kMayBeASet };

// The dense solver and liblinear minimise the same function; with tight
// tolerances both land on its optimum. Stated tolerances: the objective
// within 1e-6 relative and the dense solver's never higher by more than 1e-9
// (liblinear's newGLMNET stops at its fixed 100 outer iterations on the
// nearly separable balanced l1 case, 9e-8 above the dense optimum), every
// probability within 5e-4, ROC AUC within 1e-5, and, where the optimum is
// one point (l2: strictly convex; l1 with full-rank data), every weight within
// 5e-4 * max(1, |weight|). liblinear needs tol 1e-10 for that: at 1e-6 its
// weights along the one-hot blocks' nearly flat directions (each block sums
// to the intercept column) are still 1e-2 off. With l1 and such blocks the
// optimum is a set (shifting a block against the intercept changes neither
// the loss nor |w|_1 in some ranges), so only the objective and the
// predictions are compared.
void ExpectSameOptimum(const Problem& p, const nlohmann::json& hyperparameters,
                       const std::string& liblinear_solver, Optimum optimum = Optimum::kUnique) {
  nlohmann::json dense = hyperparameters;
  dense["solver"] = "dense";
  dense["tol"] = 1e-8;
  nlohmann::json reference = hyperparameters;
  reference["solver"] = liblinear_solver;
  reference["tol"] = 1e-10;
  auto a = Train(p, dense);
  auto b = Train(p, reference);
  const double fa = Objective(p, *a, hyperparameters);
  const double fb = Objective(p, *b, hyperparameters);
  {
    // The dense solver on the compact matrix: the same optimum as on the
    // dense one (sums in another order, so close, not equal, bits).
    const CompactFeatureMatrix compact = Compact(p.x);
    EXPECT_EQ(compact.Densify().values(), p.x.values());
    auto options = LogisticRegressionOptions::FromJson(dense);
    ASSERT_TRUE(options.ok());
    auto c = LogisticRegression::Train(compact, p.y, *options);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    EXPECT_NEAR(Objective(p, **c, hyperparameters), fa, 1e-10 * fa) << hyperparameters.dump();
    for (size_t j = 0; optimum == Optimum::kUnique && j < a->coefficients().size(); ++j) {
      EXPECT_NEAR((*c)->coefficients()[j], a->coefficients()[j],
                  1e-5 * std::max(1.0, std::abs(a->coefficients()[j])))
          << "compact weight " << j << " " << hyperparameters.dump();
    }
  }
  EXPECT_LE(fa, fb * (1 + 1e-9)) << hyperparameters.dump();
  EXPECT_NEAR(fa, fb, 1e-6 * fb) << hyperparameters.dump();
  const std::vector<double> sa = Scores(*a, p.x);
  const std::vector<double> sb = Scores(*b, p.x);
  double worst = 0;
  for (size_t r = 0; r < sa.size(); ++r) worst = std::max(worst, std::abs(sa[r] - sb[r]));
  EXPECT_LE(worst, 5e-4) << hyperparameters.dump();
  EXPECT_NEAR(RocAuc(sa, p.y), RocAuc(sb, p.y), 1e-5) << hyperparameters.dump();
  if (optimum == Optimum::kMayBeASet) return;
  ASSERT_EQ(a->coefficients().size(), b->coefficients().size());
  for (size_t j = 0; j < a->coefficients().size(); ++j) {
    EXPECT_NEAR(a->coefficients()[j], b->coefficients()[j],
                5e-4 * std::max(1.0, std::abs(b->coefficients()[j])))
        << "weight " << j << " " << hyperparameters.dump();
  }
  EXPECT_NEAR(a->intercept(), b->intercept(), 5e-4 * std::max(1.0, std::abs(b->intercept())))
      << hyperparameters.dump();
}

TEST(DenseLogistic, L2MatchesLiblinearNewton) {
  const Problem linear = LinearProblem(5000, 21);
  const Problem one_hot = OneHotProblem(40000, 22);
  for (double c : {0.05, 1.0, 20.0}) {
    ExpectSameOptimum(linear, {{"C", c}}, "liblinear");
    ExpectSameOptimum(one_hot, {{"C", c}}, "liblinear");
  }
}

// liblinear's newGLMNET needs about a minute on the one-hot problem with a
// large C (its coordinate descent crawls along the flat directions), so the
// one-hot cases stop at C = 0.5.
TEST(DenseLogistic, L1MatchesLiblinearNewGlmnet) {
  const Problem linear = LinearProblem(5000, 23);
  const Problem one_hot = OneHotProblem(10000, 24);
  for (double c : {0.01, 0.5, 10.0}) {
    ExpectSameOptimum(linear, {{"C", c}, {"penalty", "l1"}}, "newglmnet");
    if (c <= 0.5) {
      ExpectSameOptimum(one_hot, {{"C", c}, {"penalty", "l1"}}, "newglmnet", Optimum::kMayBeASet);
    }
  }
}

TEST(DenseLogistic, L1ZeroesTheSameWeightsAsLiblinear) {
  const Problem linear = LinearProblem(20000, 25);
  auto a = Train(linear, {{"C", 0.002}, {"penalty", "l1"}, {"tol", 1e-8}});
  auto b =
      Train(linear, {{"C", 0.002}, {"penalty", "l1"}, {"tol", 1e-10}, {"solver", "newglmnet"}});
  size_t zeros = 0;
  for (size_t j = 0; j < a->coefficients().size(); ++j) {
    EXPECT_EQ(a->coefficients()[j] == 0.0, b->coefficients()[j] == 0.0) << "weight " << j;
    zeros += a->coefficients()[j] == 0.0 ? 1 : 0;
  }
  EXPECT_GE(zeros, 1u);  // a strong l1 penalty does zero some weights
}

TEST(DenseLogistic, BalancedClassWeightsMatchLiblinear) {
  const Problem rare = LinearProblem(8000, 26, /*threshold=*/1.2);  // about 15% positive
  const Problem one_hot = OneHotProblem(20000, 27);
  ExpectSameOptimum(rare, {{"class_weight", "balanced"}}, "liblinear");
  ExpectSameOptimum(one_hot, {{"class_weight", "balanced"}, {"C", 0.3}}, "liblinear");
  ExpectSameOptimum(rare, {{"class_weight", "balanced"}, {"penalty", "l1"}}, "newglmnet");
}

TEST(DenseLogistic, SeparableDataGivesBoundedWeightsEqualToLiblinear) {
  const Problem p = SeparableProblem(4000, 28);
  for (double c : {1.0, 100.0}) {
    ExpectSameOptimum(p, {{"C", c}}, "liblinear");
    auto m = Train(p, {{"C", c}});
    // Regularization bounds the weights: 0.5|w|^2 <= f(0) = C n log 2.
    const double bound = std::sqrt(2.0 * c * 4000 * std::log(2.0));
    EXPECT_LT(std::abs(m->coefficients()[0]), bound);
    EXPECT_GT(m->coefficients()[0], 5.0);  // and still large: the data are separable
  }
}

TEST(DenseLogistic, DefaultToleranceGivesLiblinearsRanking) {
  const Problem p = OneHotProblem(60000, 29);
  auto dense = Train(p, nlohmann::json::object());
  auto reference = Train(p, {{"solver", "liblinear"}});
  EXPECT_EQ(dense->hyperparameters()["solver"], "dense");
  EXPECT_NEAR(RocAuc(Scores(*dense, p.x), p.y), RocAuc(Scores(*reference, p.x), p.y), 1e-4);
}

TEST(DenseLogistic, ConvergesInAFewNewtonIterations) {
  const Problem p = OneHotProblem(40000, 30);
  DenseLogisticSettings s;
  s.tol = 1e-8;
  auto fit = FitDenseLogistic(p.x, p.y, s);
  ASSERT_TRUE(fit.ok()) << fit.status().ToString();
  EXPECT_TRUE(fit->converged);
  EXPECT_LE(fit->iterations, 12);
  s.max_iter = 1;
  auto capped = FitDenseLogistic(p.x, p.y, s);
  ASSERT_TRUE(capped.ok());
  EXPECT_FALSE(capped->converged);
  EXPECT_EQ(capped->iterations, 1);
}

TEST(DenseLogistic, SameThreadCountSameBitsAndThreadCountsAgree) {
  const Problem p = OneHotProblem(70000, 31);
  DenseLogisticSettings s;
  s.threads = 2;
  auto a = FitDenseLogistic(p.x, p.y, s);
  auto b = FitDenseLogistic(p.x, p.y, s);
  s.threads = 1;
  auto one = FitDenseLogistic(p.x, p.y, s);
  ASSERT_TRUE(a.ok() && b.ok() && one.ok());
  ASSERT_EQ(a->weights.size(), b->weights.size());
  EXPECT_EQ(std::memcmp(a->weights.data(), b->weights.data(), a->weights.size() * sizeof(double)),
            0);
  EXPECT_EQ(a->intercept, b->intercept);
  for (size_t j = 0; j < a->weights.size(); ++j) {
    EXPECT_NEAR(a->weights[j], one->weights[j], 1e-9) << j;
  }
}

TEST(DenseLogistic, CompactMatrixSameThreadCountSameBitsAndAgreesWithDense) {
  const Problem p = OneHotProblem(70000, 33);
  const CompactFeatureMatrix compact = Compact(p.x);
  ASSERT_EQ(compact.blocks().size(), 3u);
  ASSERT_EQ(compact.numeric_columns().size(), 2u);
  DenseLogisticSettings s;
  s.threads = 2;
  s.tol = 1e-8;
  auto a = FitDenseLogistic(compact, p.y, s);
  auto b = FitDenseLogistic(compact, p.y, s);
  auto dense = FitDenseLogistic(p.x, p.y, s);
  ASSERT_TRUE(a.ok() && b.ok() && dense.ok());
  EXPECT_EQ(std::memcmp(a->weights.data(), b->weights.data(), a->weights.size() * sizeof(double)),
            0);
  EXPECT_EQ(a->intercept, b->intercept);
  EXPECT_EQ(a->iterations, dense->iterations);
  for (size_t j = 0; j < a->weights.size(); ++j) {
    EXPECT_NEAR(a->weights[j], dense->weights[j], 1e-7) << j;
  }
  EXPECT_NEAR(a->intercept, dense->intercept, 1e-7);
}

// Unknown categories (an all-zero block) in one member of a pair of blocks,
// in both, and in a block of its own: the same fit as on the dense form.
TEST(DenseLogistic, CompactMatrixWithAllZeroBlocksAgreesWithItsDenseForm) {
  const Problem p = OneHotProblem(30000, 35);
  CompactFeatureMatrix compact = Compact(p.x);
  for (size_t r = 0; r < compact.rows(); r += 7)
    compact.mutable_codes(r)[0] = CompactFeatureMatrix::kNoCategory;
  for (size_t r = 0; r < compact.rows(); r += 11)
    compact.mutable_codes(r)[1] = CompactFeatureMatrix::kNoCategory;
  for (size_t r = 0; r < compact.rows(); r += 13)
    compact.mutable_codes(r)[2] = CompactFeatureMatrix::kNoCategory;
  const FeatureMatrix dense = compact.Densify();
  DenseLogisticSettings s;
  s.tol = 1e-8;
  for (Penalty penalty : {Penalty::kL2, Penalty::kL1}) {
    s.penalty = penalty;
    s.c = penalty == Penalty::kL2 ? 1.0 : 0.05;
    auto a = FitDenseLogistic(compact, p.y, s);
    auto b = FitDenseLogistic(dense, p.y, s);
    ASSERT_TRUE(a.ok() && b.ok());
    if (penalty == Penalty::kL1) {
      // l1 on one-hot blocks: the optimum may be a set; the margins agree.
      for (size_t r = 0; r < dense.rows(); ++r) {
        double za = a->intercept, zb = b->intercept;
        for (size_t j = 0; j < dense.cols(); ++j) {
          za += a->weights[j] * dense.at(r, j);
          zb += b->weights[j] * dense.at(r, j);
        }
        ASSERT_NEAR(za, zb, 1e-4) << "row " << r;
      }
      continue;
    }
    for (size_t j = 0; j < a->weights.size(); ++j) {
      EXPECT_NEAR(a->weights[j], b->weights[j], 1e-7) << j;
    }
    EXPECT_NEAR(a->intercept, b->intercept, 1e-7);
  }
}

TEST(DenseLogistic, CompactMatrixRejectsNonFiniteValuesAndBadShapes) {
  const Problem p = OneHotProblem(200, 34);
  CompactFeatureMatrix compact = Compact(p.x);
  std::vector<uint8_t> short_labels(10, 1);
  EXPECT_THAT(FitDenseLogistic(compact, short_labels, {}).status().message(),
              HasSubstr("10 labels for 200 rows"));
  compact.mutable_numbers(7)[1] = std::nan("");
  auto options = LogisticRegressionOptions::FromJson(nlohmann::json::object());
  ASSERT_TRUE(options.ok());
  EXPECT_THAT(LogisticRegression::Train(compact, p.y, *options).status().message(),
              HasSubstr("row 8, feature 11 is not a finite number"));
}

TEST(DenseLogistic, RejectsBadInput) {
  const Problem p = LinearProblem(100, 32);
  std::vector<uint8_t> ones(100, 1);
  EXPECT_THAT(FitDenseLogistic(p.x, ones, {}).status().message(), HasSubstr("only one class"));
  std::vector<uint8_t> short_labels(10, 1);
  EXPECT_THAT(FitDenseLogistic(p.x, short_labels, {}).status().message(),
              HasSubstr("10 labels for 100 rows"));
  FeatureMatrix wide(4, kDenseLogisticMaxFeatures + 1);
  std::vector<uint8_t> y = {0, 1, 0, 1};
  EXPECT_THAT(FitDenseLogistic(wide, y, {}).status().message(),
              HasSubstr("the dense solver takes at most 512 (use solver \"liblinear\")"));
  DenseLogisticSettings bad;
  bad.c = 0;
  EXPECT_THAT(FitDenseLogistic(p.x, p.y, bad).status().message(), HasSubstr("C must be"));
}

TEST(DenseLogistic, MaxIterIsHonouredOnlyByTheDenseSolver) {
  auto dense = LogisticRegressionOptions::FromJson({{"max_iter", 7}});
  ASSERT_TRUE(dense.ok()) << dense.status().ToString();
  EXPECT_EQ(dense->max_iter, 7);
  EXPECT_THAT(LogisticRegressionOptions::FromJson({{"max_iter", 7}, {"solver", "liblinear"}})
                  .status()
                  .message(),
              HasSubstr("liblinear 2.3 fixes the iteration limit at 1000"));
  EXPECT_THAT(LogisticRegressionOptions::FromJson({{"max_iter", 0}}).status().message(),
              HasSubstr("must be a positive integer"));
}

// Artifacts written before the dense solver say "auto": they still load,
// as liblinear's choice.
TEST(DenseLogistic, LegacyAutoReadsAsLiblinear) {
  auto o = LogisticRegressionOptions::FromJson({{"solver", "auto"}});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->solver, LogisticSolver::kAuto);
  EXPECT_EQ(o->ToJson()["solver"], "liblinear");
}

}  // namespace
}  // namespace churnml
