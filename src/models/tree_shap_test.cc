#include "models/tree_shap.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "models/test_problem.h"
#include "models/xgboost_model.h"

namespace churnml {
namespace {

using testing::FreshDir;
using ::testing::HasSubstr;
using testing::Lcg;

// Columns 0-2 and 7 numeric (about 10% missing), 3-6 a one-hot category
// with four values. `unseen` of the rows carry a category none of the four
// (all four columns 0), as a serving request with a new category does.
testing::Problem MixedProblem(size_t rows, uint64_t seed, double unseen) {
  Lcg rng(seed);
  testing::Problem p{FeatureMatrix(rows, 8), std::vector<uint8_t>(rows)};
  for (size_t r = 0; r < rows; ++r) {
    for (const size_t c : {size_t{0}, size_t{1}, size_t{2}, size_t{7}}) {
      p.x.at(r, c) = rng.Next() < -0.8 ? NAN : rng.Next();
    }
    const double u = (rng.Next() + 1) / 2;
    if (u >= unseen) p.x.at(r, 3 + static_cast<size_t>((u - unseen) / (1 - unseen) * 3.999)) = 1;
    const double x0 = std::isnan(p.x.at(r, 0)) ? 0.3 : p.x.at(r, 0);
    const double x1 = std::isnan(p.x.at(r, 1)) ? -0.2 : p.x.at(r, 1);
    const double score = x0 * x1 * 4 + (p.x.at(r, 4) - p.x.at(r, 6)) + 0.5 * rng.Next() +
                         (std::isnan(p.x.at(r, 7)) ? 0.4 : std::sin(3 * p.x.at(r, 7)));
    p.y[r] = score > 0 ? 1 : 0;
  }
  return p;
}

struct Comparison {
  double max_abs = 0;
  double max_rel = 0;  // |ours - xgboost| / max(|xgboost|, 1e-3)
};

Comparison Compare(const std::vector<double>& ours, const std::vector<double>& reference) {
  Comparison c;
  for (size_t i = 0; i < ours.size(); ++i) {
    const double d = std::fabs(ours[i] - reference[i]);
    c.max_abs = std::max(c.max_abs, d);
    c.max_rel = std::max(c.max_rel, d / std::max(std::fabs(reference[i]), 1e-3));
  }
  return c;
}

// The gate for serving explanations: equal to XGBoost's own type-2
// contributions on 10,000 rows with missing values and unseen categories,
// and additive (base + sum == margin), for the trained and the loaded model.
TEST(TreeShap, EqualsXGBoostContributionsOnTenThousandRows) {
  const testing::Problem train = MixedProblem(4000, 21, 0.0);
  XGBoostOptions o;
  o.n_estimators = 100;
  o.max_depth = 6;
  o.subsample = 0.8;
  o.colsample_bytree = 0.9;
  o.threads = 1;
  auto trained = XGBoostModel::Train(train.x, train.y, o);
  ASSERT_TRUE(trained.ok()) << trained.status().ToString();
  const std::string dir = FreshDir("tree_shap_model");
  ASSERT_TRUE((*trained)->Save(dir).ok());
  auto loaded = XGBoostModel::Load(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();

  const testing::Problem p = MixedProblem(10000, 22, 0.1);
  const size_t width = p.x.cols() + 1;
  for (const XGBoostModel* m : {trained->get(), loaded->get()}) {
    std::vector<double> ours(p.x.rows() * width), reference(ours.size()), margins(p.x.rows());
    ASSERT_TRUE(m->PredictContributions(p.x, ours).ok());
    ASSERT_TRUE(m->XGBoostContributions(p.x, reference).ok());
    ASSERT_TRUE(m->PredictMargin(p.x, margins).ok());
    const Comparison c = Compare(ours, reference);
    std::printf("tree shap vs xgboost: max abs diff %.3g, max rel diff %.3g\n", c.max_abs,
                c.max_rel);
    EXPECT_LE(c.max_rel, 1e-6);
    // Relative to the size of the sum's terms, |base| + sum |c_i| (at least
    // |margin|): XGBoost's margins and contributions are float sums over 100
    // trees, so near a margin of 0 no bound relative to the margin alone holds.
    double max_additivity = 0;
    for (size_t r = 0; r < p.x.rows(); ++r) {
      double sum = 0, size = 0;
      for (size_t j = 0; j < width; ++j) {
        sum += ours[r * width + j];
        size += std::fabs(ours[r * width + j]);
      }
      max_additivity = std::max(max_additivity, std::fabs(sum - margins[r]) / size);
    }
    std::printf("base + sum vs margin: max rel diff %.3g\n", max_additivity);
    EXPECT_LE(max_additivity, 1e-6);
    // Every column the model splits on moves some row.
    for (const size_t j : {size_t{0}, size_t{1}, size_t{4}, size_t{7}}) {
      double mass = 0;
      for (size_t r = 0; r < p.x.rows(); ++r) mass += std::fabs(ours[r * width + j]);
      EXPECT_GT(mass, 1.0) << "column " << j;
    }
  }
}

TEST(TreeShap, ConcurrentCallsGiveTheSameValues) {
  const testing::Problem train = MixedProblem(2000, 31, 0.0);
  XGBoostOptions o;
  o.n_estimators = 40;
  o.max_depth = 6;
  o.threads = 1;
  auto m = XGBoostModel::Train(train.x, train.y, o);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const testing::Problem p = MixedProblem(500, 32, 0.1);
  std::vector<double> expected(p.x.rows() * 9);
  ASSERT_TRUE((*m)->PredictContributions(p.x, expected).ok());
  std::vector<std::vector<double>> got(4, std::vector<double>(expected.size()));
  std::vector<std::thread> threads;
  threads.reserve(got.size());
  for (auto& g : got) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) ASSERT_TRUE((*m)->PredictContributions(p.x, g).ok());
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& g : got) EXPECT_EQ(g, expected);
}

nlohmann::json OneSplit() {
  return nlohmann::json::parse(R"({"learner": {
    "learner_model_param": {"base_score": "5E-1", "num_feature": "2"},
    "gradient_booster": {"model": {"trees": [{
      "left_children": [1, -1, -1], "right_children": [2, -1, -1],
      "split_indices": [1, 0, 0], "split_conditions": [0.5, -1.0, 3.0],
      "default_left": [1, 0, 0], "sum_hessian": [4.0, 3.0, 1.0]}]}}}})");
}

TEST(TreeShap, OneSplitByHand) {
  auto shap = TreeShap::FromJson(OneSplit(), "m.json");
  ASSERT_TRUE(shap.ok()) << shap.status().ToString();
  FeatureMatrix x(3, 2);
  x.at(0, 1) = 0.0;  // left
  x.at(1, 1) = 1.0;  // right
  x.at(2, 1) = NAN;  // missing: default left
  std::vector<double> out(9);
  ASSERT_TRUE(shap->Contributions(x, out).ok());
  // Mean value (3 * -1 + 1 * 3) / 4 = 0; base_score 0.5 is margin 0.
  EXPECT_EQ(out[2], 0.0);
  EXPECT_EQ(out[0], 0.0);
  EXPECT_EQ(out[1], -1.0);
  EXPECT_EQ(out[4], 3.0);
  EXPECT_EQ(out[7], -1.0);
}

TEST(TreeShap, RefusesBrokenTrees) {
  nlohmann::json doc = OneSplit();
  auto& tree = doc["learner"]["gradient_booster"]["model"]["trees"][0];
  tree["left_children"][0] = 0;  // the root as its own child
  auto s = TreeShap::FromJson(doc, "m.json");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr("m.json: learner.gradient_booster.model.trees[0]"));
  tree["left_children"][0] = 2;  // node 2 reached twice
  EXPECT_THAT(TreeShap::FromJson(doc, "m.json").status().message(), HasSubstr("reached twice"));
  tree["left_children"][0] = 1;
  tree["split_indices"][0] = 2;  // no such feature
  EXPECT_THAT(TreeShap::FromJson(doc, "m.json").status().message(),
              HasSubstr("split index is not a feature"));
  tree["split_indices"][0] = 1;
  tree["sum_hessian"] = {1.0, 2.0};  // short array
  EXPECT_THAT(TreeShap::FromJson(doc, "m.json").status().message(),
              HasSubstr("sum_hessian: expected an array of 3 numbers"));
  doc = OneSplit();
  doc["learner"]["learner_model_param"]["base_score"] = "1.5";
  EXPECT_THAT(TreeShap::FromJson(doc, "m.json").status().message(), HasSubstr("(0, 1)"));
  // A chain deeper than kMaxDepth is refused before any walk.
  nlohmann::json deep = OneSplit();
  auto& d = deep["learner"]["gradient_booster"]["model"]["trees"][0];
  const int n = 2 * (TreeShap::kMaxDepth + 1) + 1;
  d = {{"left_children", nlohmann::json::array()}, {"right_children", nlohmann::json::array()},
       {"split_indices", nlohmann::json::array()}, {"split_conditions", nlohmann::json::array()},
       {"default_left", nlohmann::json::array()},  {"sum_hessian", nlohmann::json::array()}};
  for (int i = 0; i < n; ++i) {
    const bool internal = i % 2 == 0 && i + 2 < n;
    d["left_children"].push_back(internal ? i + 1 : -1);
    d["right_children"].push_back(internal ? i + 2 : -1);
    d["split_indices"].push_back(0);
    d["split_conditions"].push_back(0.0);
    d["default_left"].push_back(0);
    d["sum_hessian"].push_back(1.0);
  }
  EXPECT_THAT(TreeShap::FromJson(deep, "m.json").status().message(), HasSubstr("deeper than 64"));
}

TEST(TreeShap, RefusesWrongShapes) {
  auto shap = TreeShap::FromJson(OneSplit(), "m.json");
  ASSERT_TRUE(shap.ok());
  FeatureMatrix x(2, 3);
  std::vector<double> out(8);
  EXPECT_THAT(shap->Contributions(x, out).message(), HasSubstr("the rows have 3"));
  FeatureMatrix y(2, 2);
  EXPECT_THAT(shap->Contributions(y, out).message(), HasSubstr("need 6 values, got 8"));
}

}  // namespace
}  // namespace churnml
