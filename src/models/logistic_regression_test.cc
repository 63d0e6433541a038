#include "models/logistic_regression.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "models/model_files.h"
#include "models/test_problem.h"

namespace churnml {
namespace {

using testing::FreshDir;
using ::testing::HasSubstr;
using testing::LinearProblem;

std::vector<double> Predict(const Model& m, const FeatureMatrix& x) {
  std::vector<double> out(x.rows());
  Status s = m.PredictProba(x, out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

std::unique_ptr<LogisticRegression> TrainOrDie(const testing::Problem& p,
                                               const LogisticRegressionOptions& o = {}) {
  auto m = LogisticRegression::Train(p.x, p.y, o);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return std::move(m).value();
}

TEST(LogisticRegression, LearnsASeparableProblemWithSignedCoefficients) {
  testing::Problem p = LinearProblem(2000, 1);
  auto m = TrainOrDie(p);
  ASSERT_EQ(m->num_features(), 3u);
  EXPECT_GT(m->coefficients()[0], 1.0);
  EXPECT_LT(m->coefficients()[1], -0.5);
  EXPECT_LT(std::abs(m->coefficients()[2]), 0.5 * std::abs(m->coefficients()[1]));
  EXPECT_GT(testing::Accuracy(Predict(*m, p.x), p.y), 0.93);
  EXPECT_EQ(m->kind(), "logistic");
}

TEST(LogisticRegression, OrientationDoesNotDependOnTheFirstLabel) {
  testing::Problem p = LinearProblem(500, 2);
  // The same rows, starting once with a positive and once with a negative row.
  size_t first_pos = 0, first_neg = 0;
  while (p.y[first_pos] != 1) ++first_pos;
  while (p.y[first_neg] != 0) ++first_neg;
  auto reorder = [&](size_t first) {
    testing::Problem q{FeatureMatrix(p.x.rows(), p.x.cols()), p.y};
    q.x.mutable_values() = p.x.values();
    std::swap_ranges(q.x.mutable_row(0).begin(), q.x.mutable_row(0).end(),
                     q.x.mutable_row(first).begin());
    std::swap(q.y[0], q.y[first]);
    return q;
  };
  auto a = TrainOrDie(reorder(first_pos));
  auto b = TrainOrDie(reorder(first_neg));
  for (size_t j = 0; j < 3; ++j) {
    EXPECT_NEAR(a->coefficients()[j], b->coefficients()[j], 1e-3) << j;
  }
  EXPECT_GT(a->coefficients()[0], 0.0);
}

TEST(LogisticRegression, SaveThenLoadPredictsBitIdentically) {
  testing::Problem p = LinearProblem(1000, 3);
  for (const char* solver : {"dense", "newton", "dual"}) {
    auto o = LogisticRegressionOptions::FromJson({{"solver", solver}, {"C", 0.37}});
    ASSERT_TRUE(o.ok()) << o.status().ToString();
    auto m = TrainOrDie(p, *o);
    const auto dir = FreshDir(std::string("logistic-roundtrip-") + solver);
    ASSERT_TRUE(m->Save(dir).ok());
    EXPECT_TRUE(std::filesystem::exists(dir / "model.txt"));
    auto loaded = LogisticRegression::Load(dir);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    const std::vector<double> before = Predict(*m, p.x);
    const std::vector<double> after = Predict(**loaded, p.x);
    ASSERT_EQ(before.size(), after.size());
    EXPECT_EQ(std::memcmp(before.data(), after.data(), before.size() * sizeof(double)), 0)
        << solver;
    EXPECT_EQ((*loaded)->hyperparameters(), m->hyperparameters());
    EXPECT_EQ((*loaded)->intercept(), m->intercept());
  }
}

TEST(LogisticRegression, L1PenaltyDropsTheNoiseFeature) {
  testing::Problem p = LinearProblem(2000, 4);
  auto o = LogisticRegressionOptions::FromJson({{"penalty", "l1"}, {"C", 0.01}});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  auto m = TrainOrDie(p, *o);
  EXPECT_EQ(m->coefficients()[2], 0.0);
  EXPECT_GT(m->coefficients()[0], 0.0);
}

TEST(LogisticRegression, BalancedClassWeightRaisesMinorityProbabilities) {
  testing::Problem p = LinearProblem(2000, 5, /*threshold=*/1.2);  // about 15% positive
  LogisticRegressionOptions balanced;
  balanced.class_weight = ClassWeight::kBalanced;
  auto plain = TrainOrDie(p);
  auto weighted = TrainOrDie(p, balanced);
  double mean_plain = 0, mean_weighted = 0;
  for (double v : Predict(*plain, p.x)) mean_plain += v;
  for (double v : Predict(*weighted, p.x)) mean_weighted += v;
  EXPECT_GT(mean_weighted, mean_plain + 0.02 * p.x.rows());
}

TEST(LogisticRegression, RejectsWrongFeatureCount) {
  auto m = TrainOrDie(LinearProblem(200, 6));
  FeatureMatrix wrong(4, 5);
  std::vector<double> out(4);
  Status s = m->PredictProba(wrong, out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("logistic model expects 3 features, got 5"));
  FeatureMatrix right(4, 3);
  std::vector<double> small(2);
  EXPECT_THAT(m->PredictProba(right, small).message(), HasSubstr("holds 2 values for 4 rows"));
}

TEST(LogisticRegression, RejectsSingleClassAndMismatchedLabels) {
  testing::Problem p = LinearProblem(50, 7);
  std::vector<uint8_t> ones(50, 1);
  EXPECT_THAT(LogisticRegression::Train(p.x, ones, {}).status().message(), HasSubstr("one class"));
  std::vector<uint8_t> short_labels(10, 1);
  EXPECT_THAT(LogisticRegression::Train(p.x, short_labels, {}).status().message(),
              HasSubstr("10 labels for 50 rows"));
}

TEST(LogisticRegression, OptionsRejectUnknownValuesAndCombinations) {
  auto bad_solver = LogisticRegressionOptions::FromJson({{"solver", "lbfgs"}});
  EXPECT_THAT(bad_solver.status().message(),
              HasSubstr("\"solver\": unknown value \"lbfgs\" (valid: dense, liblinear, newton, "
                        "dual, newglmnet)"));
  EXPECT_THAT(LogisticRegressionOptions::FromJson({{"penalty", "l1"}, {"solver", "dual"}})
                  .status()
                  .message(),
              HasSubstr("supports only penalty l2"));
  EXPECT_THAT(LogisticRegressionOptions::FromJson({{"C", 0}}).status().message(),
              HasSubstr("\"C\": must be a positive number"));
  EXPECT_THAT(LogisticRegressionOptions::FromJson({{"max_iter", 100}, {"solver", "newton"}})
                  .status()
                  .message(),
              HasSubstr("liblinear 2.3 fixes the iteration limit at 1000"));
  EXPECT_THAT(LogisticRegressionOptions::FromJson({{"alpha", 1}}).status().message(),
              HasSubstr("\"alpha\" is unknown"));
  EXPECT_THAT(LogisticRegressionOptions::FromJson({{"C", "big"}}).status().message(),
              HasSubstr("\"C\": expected a number"));
  auto ok = LogisticRegressionOptions::FromJson(nullptr);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->tol, 1e-2);
  EXPECT_EQ(ok->ToJson()["solver"], "dense");
}

TEST(LogisticRegression, LoadReportsCorruptModelFileByName) {
  auto m = TrainOrDie(LinearProblem(200, 8));
  const auto dir = FreshDir("logistic-corrupt");
  ASSERT_TRUE(m->Save(dir).ok());
  {
    std::ofstream f(dir / "model.txt", std::ios::trunc);
    f << "solver_type L2R_LR\nnr_class 2\nlabel 1 -1\nnr_feature 3\nbias 1\nw\n0.5\n";
  }
  auto loaded = LogisticRegression::Load(dir);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("model.txt"));
  EXPECT_THAT(loaded.status().message(), HasSubstr("expected 4 weights, found 1"));
  {
    std::ofstream f(dir / "model.txt", std::ios::trunc);
    f << "garbage";
  }
  EXPECT_THAT(LogisticRegression::Load(dir).status().message(),
              HasSubstr("not a liblinear logistic model"));
  std::filesystem::remove(dir / "model.txt");
  EXPECT_THAT(LogisticRegression::Load(dir).status().message(), HasSubstr("model.txt"));
}

// liblinear orders labels "1 -1" for churnml's -1/+1 labels. A file that
// says "-1 1" with the same weights would invert every probability; it used
// to load without complaint.
TEST(LogisticRegression, LoadRefusesSwappedLabelOrder) {
  auto m = TrainOrDie(LinearProblem(200, 9));
  const auto dir = FreshDir("logistic-swapped");
  ASSERT_TRUE(m->Save(dir).ok());
  auto text = ReadBoundedFile(dir / "model.txt");
  ASSERT_TRUE(text.ok());
  const size_t at = text->find("label 1 -1");
  ASSERT_NE(at, std::string::npos) << "churnml writes label 1 -1: " << *text;
  std::string swapped = *text;
  swapped.replace(at, 10, "label -1 1");
  std::ofstream(dir / "model.txt", std::ios::trunc) << swapped;
  auto loaded = LogisticRegression::Load(dir);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("model.txt"));
  EXPECT_THAT(loaded.status().message(), HasSubstr("label order \"-1 1\" is not \"1 -1\""));
}

TEST(LogisticRegression, LoadRefusesNonFiniteAndHugeCounts) {
  auto m = TrainOrDie(LinearProblem(200, 10));
  const auto dir = FreshDir("logistic-hostile");
  ASSERT_TRUE(m->Save(dir).ok());
  {
    std::ofstream f(dir / "model.txt", std::ios::trunc);
    f << "solver_type L2R_LR\nnr_class 2\nlabel 1 -1\nnr_feature 2147483646\nbias 1\nw\n0.5\n";
  }
  EXPECT_THAT(LogisticRegression::Load(dir).status().message(),
              HasSubstr("expected 2147483647 weights, found 1"));
  {
    std::ofstream f(dir / "model.txt", std::ios::trunc);
    f << "solver_type L2R_LR\nnr_class 2\nlabel 1 -1\nnr_feature 3\nbias 1\nw\n0.5\n1\nnan\n2\n";
  }
  EXPECT_THAT(LogisticRegression::Load(dir).status().message(),
              HasSubstr("weight 3 \"nan\" is not a finite number"));
}

// The saved model reloads to the same coefficients (the loader builds
// liblinear's model itself instead of calling load_model).
TEST(LogisticRegression, LoadedCoefficientsEqualTheTrainedOnes) {
  auto m = TrainOrDie(LinearProblem(300, 11));
  const auto dir = FreshDir("logistic-coefficients");
  ASSERT_TRUE(m->Save(dir).ok());
  auto loaded = LogisticRegression::Load(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ((*loaded)->coefficients().size(), m->coefficients().size());
  for (size_t j = 0; j < m->coefficients().size(); ++j) {
    EXPECT_EQ((*loaded)->coefficients()[j], m->coefficients()[j]);
  }
  EXPECT_EQ((*loaded)->intercept(), m->intercept());
  EXPECT_GT(m->coefficients()[0], 0.0);  // x0 raises the positive class's odds
}

// Infinite features (what a damaged preprocessor produces) give inf - inf
// inside the model: the result is refused, never handed out as a
// "probability".
TEST(LogisticRegression, ANonProbabilityIsAnErrorNotAnAnswer) {
  auto m = TrainOrDie(LinearProblem(300, 12));
  ASSERT_GT(m->coefficients()[0], 0.0);
  ASSERT_LT(m->coefficients()[1], 0.0);
  FeatureMatrix x(2, 3);
  x.at(1, 0) = std::numeric_limits<double>::infinity();
  x.at(1, 1) = std::numeric_limits<double>::infinity();
  std::vector<double> out(2);
  Status s = m->PredictProba(x, out);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_THAT(s.message(), HasSubstr("computed nan for row 2, not a probability"));
}

}  // namespace
}  // namespace churnml
