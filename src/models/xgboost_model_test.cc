#include "models/xgboost_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "models/model_registry.h"
#include "models/test_problem.h"

namespace churnml {
namespace {

using testing::FreshDir;
using ::testing::HasSubstr;
using testing::LinearProblem;
using testing::XorProblem;

XGBoostOptions SmallOptions() {
  XGBoostOptions o;
  o.n_estimators = 30;
  o.max_depth = 3;
  o.threads = 1;
  return o;
}

std::unique_ptr<XGBoostModel> TrainOrDie(const testing::Problem& p, const XGBoostOptions& o) {
  auto m = XGBoostModel::Train(p.x, p.y, o);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return std::move(m).value();
}

std::vector<double> Predict(const Model& m, const FeatureMatrix& x) {
  std::vector<double> out(x.rows());
  Status s = m.PredictProba(x, out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

TEST(XGBoostModel, LearnsANonLinearProblem) {
  testing::Problem p = XorProblem(2000, 1);
  auto m = TrainOrDie(p, SmallOptions());
  EXPECT_EQ(m->num_features(), 2u);
  EXPECT_EQ(m->kind(), "xgboost");
  testing::Problem test = XorProblem(500, 2);
  const std::vector<double> proba = Predict(*m, test.x);
  for (double v : proba) ASSERT_TRUE(v > 0.0 && v < 1.0);
  EXPECT_GT(testing::Accuracy(proba, test.y), 0.95);
}

TEST(XGBoostModel, ReportsEachBoostingRound) {
  testing::Problem p = XorProblem(500, 3);
  std::vector<std::pair<int, int>> rounds;
  FitMonitor monitor;
  monitor.on_round = [&rounds](const FitRound& r) {
    rounds.emplace_back(r.done, r.total);
    EXPECT_EQ(r.metric, "");  // no eval rows: no metric
  };
  auto m = XGBoostModel::Train(p.x, p.y, SmallOptions(), monitor);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(rounds.size(), 30u);
  EXPECT_EQ(rounds.front(), std::make_pair(1, 30));
  EXPECT_EQ(rounds.back(), std::make_pair(30, 30));
}

// Mean negative log-likelihood of 0/1 labels, as XGBoost's logloss (with
// its clipping of probabilities to [1e-16, 1 - 1e-16]).
double LogLoss(const std::vector<double>& p, const std::vector<uint8_t>& y) {
  double sum = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const double q = std::clamp(p[i], 1e-16, 1 - 1e-16);
    sum -= y[i] != 0 ? std::log(q) : std::log(1 - q);
  }
  return sum / static_cast<double>(p.size());
}

// With eval rows, each round carries the log loss on them: it falls as
// trees are added, the last one equals the trained model's log loss on those
// rows, and the model is the same as one trained without watching.
TEST(XGBoostModel, ReportsTheEvalLogLossOfEachRoundWithoutChangingTheModel) {
  testing::Problem p = XorProblem(2000, 5);
  testing::Problem held_out = XorProblem(600, 6);
  std::vector<FitRound> rounds;
  FitMonitor monitor;
  monitor.on_round = [&rounds](const FitRound& r) { rounds.push_back(r); };
  monitor.eval_x = &held_out.x;
  monitor.eval_labels = held_out.y;
  auto watched = XGBoostModel::Train(p.x, p.y, SmallOptions(), monitor);
  ASSERT_TRUE(watched.ok()) << watched.status().ToString();
  ASSERT_EQ(rounds.size(), 30u);
  for (const FitRound& r : rounds) EXPECT_EQ(r.metric, "logloss");
  EXPECT_LT(rounds.back().value, rounds.front().value);
  EXPECT_LT(rounds.back().value, 0.3);
  const std::vector<double> proba = Predict(**watched, held_out.x);
  // XGBoost computes in float and prints 6 significant digits.
  EXPECT_NEAR(rounds.back().value, LogLoss(proba, held_out.y), 1e-4);

  auto plain = TrainOrDie(p, SmallOptions());
  EXPECT_EQ(Predict(*plain, held_out.x), proba);  // bit for bit

  testing::Problem narrow = LinearProblem(100, 7);
  monitor.eval_x = &narrow.x;
  monitor.eval_labels = narrow.y;
  auto bad = XGBoostModel::Train(p.x, p.y, SmallOptions(), monitor);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

// With an interval longer than the fit, only the first and the last round
// are evaluated; the last one still carries the final log loss.
TEST(XGBoostModel, EvaluatesAtMostOncePerIntervalAndAlwaysTheLastRound) {
  testing::Problem p = XorProblem(2000, 5);
  testing::Problem held_out = XorProblem(600, 6);
  std::vector<FitRound> rounds;
  FitMonitor monitor;
  monitor.on_round = [&rounds](const FitRound& r) { rounds.push_back(r); };
  monitor.eval_x = &held_out.x;
  monitor.eval_labels = held_out.y;
  monitor.eval_interval_seconds = 3600;
  auto m = XGBoostModel::Train(p.x, p.y, SmallOptions(), monitor);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(rounds.size(), 30u);
  std::vector<int> evaluated;
  for (const FitRound& r : rounds) {
    if (!r.metric.empty()) evaluated.push_back(r.done);
  }
  EXPECT_EQ(evaluated, (std::vector<int>{1, 30}));
  EXPECT_NEAR(rounds.back().value, LogLoss(Predict(**m, held_out.x), held_out.y), 1e-4);
}

TEST(ModelRegistry, PassesFitProgressToKindsThatFitInRounds) {
  ModelRegistry registry;
  ASSERT_TRUE(RegisterBuiltinModels(registry).ok());
  testing::Problem p = XorProblem(500, 4);
  int xgboost_rounds = 0;
  int logistic_rounds = 0;
  FitMonitor xgboost_monitor;
  xgboost_monitor.on_round = [&](const FitRound&) { ++xgboost_rounds; };
  FitMonitor logistic_monitor;
  logistic_monitor.on_round = [&](const FitRound&) { ++logistic_rounds; };
  ASSERT_TRUE(
      registry.Train("xgboost", p.x, p.y, {{"n_estimators", 7}, {"threads", 1}}, xgboost_monitor)
          .ok());
  ASSERT_TRUE(
      registry.Train("logistic", p.x, p.y, nlohmann::json::object(), logistic_monitor).ok());
  EXPECT_EQ(xgboost_rounds, 7);
  EXPECT_EQ(logistic_rounds, 0);
}

TEST(XGBoostModel, SaveThenLoadPredictsBitIdentically) {
  testing::Problem p = XorProblem(1000, 3);
  XGBoostOptions o = SmallOptions();
  o.subsample = 0.8;
  o.colsample_bytree = 0.5;
  o.learning_rate = 0.123456789;
  o.seed = 42;
  auto m = TrainOrDie(p, o);
  const auto dir = FreshDir("xgboost-roundtrip");
  ASSERT_TRUE(m->Save(dir).ok());
  EXPECT_TRUE(std::filesystem::exists(dir / "xgboost_model.json"));
  auto loaded = XGBoostModel::Load(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->num_features(), 2u);
  EXPECT_EQ((*loaded)->hyperparameters(), m->hyperparameters());
  testing::Problem test = XorProblem(777, 4);
  const std::vector<double> before = Predict(*m, test.x);
  const std::vector<double> after = Predict(**loaded, test.x);
  EXPECT_EQ(std::memcmp(before.data(), after.data(), before.size() * sizeof(double)), 0);
}

TEST(XGBoostModel, MissingValuesAreAccepted) {
  testing::Problem p = XorProblem(500, 5);
  for (size_t r = 0; r < 500; r += 7) p.x.at(r, 1) = std::nan("");
  auto m = TrainOrDie(p, SmallOptions());
  FeatureMatrix x(1, 2);
  x.at(0, 0) = 0.5;
  x.at(0, 1) = std::nan("");
  const std::vector<double> proba = Predict(*m, x);
  EXPECT_TRUE(proba[0] > 0.0 && proba[0] < 1.0);
}

TEST(XGBoostModel, ConcurrentPredictionsMatchSerialOnes) {
  testing::Problem p = XorProblem(1000, 6);
  XGBoostOptions o = SmallOptions();
  o.threads = 2;
  auto m = TrainOrDie(p, o);
  std::vector<testing::Problem> inputs;
  std::vector<std::vector<double>> serial;
  for (int i = 0; i < 4; ++i) {
    inputs.push_back(XorProblem(300 + 50 * i, 10 + i));
    serial.push_back(Predict(*m, inputs.back().x));
  }
  std::vector<std::vector<double>> parallel(4);
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      for (int repeat = 0; repeat < 5; ++repeat) parallel[i] = Predict(*m, inputs[i].x);
    });
  }
  for (std::thread& t : threads) t.join();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(parallel[i], serial[i]) << i;
}

TEST(XGBoostModel, RejectsWrongFeatureCount) {
  auto m = TrainOrDie(XorProblem(200, 7), SmallOptions());
  FeatureMatrix wrong(3, 4);
  std::vector<double> out(3);
  EXPECT_THAT(m->PredictProba(wrong, out).message(),
              HasSubstr("xgboost model expects 2 features, got 4"));
}

TEST(XGBoostModel, OptionsRejectBadValuesNamingTheKey) {
  EXPECT_THAT(XGBoostOptions::FromJson({{"subsample", 1.5}}).status().message(),
              HasSubstr("\"subsample\": must be in (0, 1]"));
  EXPECT_THAT(XGBoostOptions::FromJson({{"n_estimators", 0}}).status().message(),
              HasSubstr("\"n_estimators\""));
  EXPECT_THAT(XGBoostOptions::FromJson({{"max_depth", 2.5}}).status().message(),
              HasSubstr("\"max_depth\": expected an integer"));
  EXPECT_THAT(XGBoostOptions::FromJson({{"eta", 0.1}}).status().message(),
              HasSubstr("\"eta\" is unknown (valid: n_estimators, max_depth, learning_rate"));
  auto o = XGBoostOptions::FromJson({{"n_estimators", 10}, {"learning_rate", 0.1}});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->n_estimators, 10);
  EXPECT_EQ(o->max_depth, 6);
}

TEST(XGBoostModel, LoadReportsCorruptModelFileByName) {
  auto m = TrainOrDie(XorProblem(200, 8), SmallOptions());
  const auto dir = FreshDir("xgboost-corrupt");
  ASSERT_TRUE(m->Save(dir).ok());
  {
    // A model file cut in half.
    std::ifstream in(dir / "xgboost_model.json", std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream f(dir / "xgboost_model.json", std::ios::trunc | std::ios::binary);
    f << text.substr(0, text.size() / 2);
  }
  EXPECT_THAT(XGBoostModel::Load(dir).status().message(), HasSubstr("not valid JSON"));
  {
    std::ofstream f(dir / "xgboost_model.json", std::ios::trunc | std::ios::binary);
    f << "{\"learner\": {\"garbage";
  }
  auto loaded = XGBoostModel::Load(dir);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("xgboost_model.json"));
  EXPECT_THAT(loaded.status().message(), HasSubstr("not valid JSON"));
  std::filesystem::remove(dir / "xgboost_model.json");
  EXPECT_EQ(XGBoostModel::Load(dir).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace churnml

namespace churnml {
namespace {

// A noisy problem and a high learning rate: the validation log loss bottoms
// out and rises again, so early stopping must keep the lowest round.
TEST(XGBoostModel, EarlyStoppingKeepsTheBestValidationRound) {
  testing::Problem train = testing::LinearProblem(400, 21, 0.0);
  testing::Problem valid = testing::LinearProblem(300, 22, 0.0);
  // Flip a fifth of the training labels: later rounds fit the noise.
  for (size_t i = 0; i < train.y.size(); i += 5) train.y[i] = 1 - train.y[i];
  XGBoostOptions o;
  o.n_estimators = 300;
  o.max_depth = 6;
  o.learning_rate = 0.5;
  o.threads = 1;
  o.early_stopping_rounds = 10;
  FitOutcome outcome;
  FitMonitor monitor;
  monitor.validation_x = &valid.x;
  monitor.validation_labels = valid.y;
  monitor.outcome = &outcome;
  auto m = XGBoostModel::Train(train.x, train.y, o, monitor);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_TRUE(outcome.stopped_early);
  ASSERT_EQ(static_cast<int>(outcome.validation_curve.size()), outcome.rounds);
  const auto best =
      std::min_element(outcome.validation_curve.begin(), outcome.validation_curve.end());
  EXPECT_EQ(outcome.best_rounds, 1 + (best - outcome.validation_curve.begin()));
  EXPECT_EQ(outcome.rounds, outcome.best_rounds + 10);
  EXPECT_LT(outcome.rounds, 300);
  // The kept model is the best round's: equal to training that many rounds.
  XGBoostOptions fixed = o;
  fixed.early_stopping_rounds = 0;
  fixed.n_estimators = outcome.best_rounds;
  auto reference = XGBoostModel::Train(train.x, train.y, fixed);
  ASSERT_TRUE(reference.ok());
  EXPECT_EQ(Predict(**m, valid.x), Predict(**reference, valid.x));
  // And it survives a save and load with the same predictions.
  const std::filesystem::path dir = FreshDir("early_stopping");
  ASSERT_TRUE((*m)->Save(dir).ok());
  auto loaded = XGBoostModel::Load(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(Predict(**loaded, valid.x), Predict(**m, valid.x));
  EXPECT_EQ((*loaded)->options().early_stopping_rounds, 10);
}

TEST(XGBoostModel, EarlyStoppingWithoutValidationRowsIsRefused) {
  testing::Problem p = testing::LinearProblem(100, 3);
  XGBoostOptions o = SmallOptions();
  o.early_stopping_rounds = 5;
  EXPECT_THAT(XGBoostModel::Train(p.x, p.y, o).status().message(),
              HasSubstr("needs validation rows"));
}

TEST(XGBoostModel, BalancedClassWeightRaisesMinorityScores) {
  testing::Problem p = testing::LinearProblem(1000, 4, 1.0);  // a quarter positive
  for (size_t i = 0; i < p.y.size(); i += 7) p.y[i] = 0;      // overlap: weights matter
  XGBoostOptions o = SmallOptions();
  auto plain = TrainOrDie(p, o);
  o.balanced_class_weight = true;
  auto balanced = TrainOrDie(p, o);
  double plain_mean = 0, balanced_mean = 0;
  for (double v : Predict(*plain, p.x)) plain_mean += v;
  for (double v : Predict(*balanced, p.x)) balanced_mean += v;
  EXPECT_GT(balanced_mean, plain_mean * 1.15);
  EXPECT_EQ(balanced->hyperparameters()["class_weight"], "balanced");
  EXPECT_FALSE(plain->hyperparameters().contains("class_weight"));
}

}  // namespace
}  // namespace churnml
