#include "pipeline/ensemble_train.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "data/csv_loader.h"
#include "data/synthetic_generator.h"
#include "pipeline/explanations.h"
#include "pipeline/train.h"

namespace churnml {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

double Logit(double p) { return std::log(p / (1 - p)); }
double Sigmoid(double z) { return 1 / (1 + std::exp(-z)); }

// ---- out-of-fold scores (stacking's leakage guard) ----

// Every row's out-of-fold value comes from a fit that did not see that row,
// and each row is scored exactly once per member.
TEST(OutOfFoldScores, NoRowIsScoredByAFitThatSawIt) {
  std::vector<uint8_t> labels(200);
  for (size_t i = 0; i < labels.size(); ++i) labels[i] = i % 4 == 0;
  std::vector<int> scored(labels.size() * 2, 0);
  MemberFoldScorer scorer = [&](size_t k, std::span<const size_t> fit,
                                std::span<const size_t> score, std::span<double> out) {
    const std::set<size_t> seen(fit.begin(), fit.end());
    for (size_t i = 0; i < score.size(); ++i) {
      EXPECT_EQ(seen.count(score[i]), 0u) << "row " << score[i] << " was in its own fit";
      ++scored[score[i] * 2 + k];
      out[i] = static_cast<double>(score[i]) / 1000.0;
    }
    EXPECT_EQ(fit.size() + score.size(), labels.size());
    return Status::Ok();
  };
  Result<FeatureMatrix> oof = OutOfFoldScores(labels, 2, 5, 3, scorer);
  ASSERT_TRUE(oof.ok()) << oof.status().message();
  for (size_t r = 0; r < labels.size(); ++r) {
    EXPECT_EQ(scored[r * 2], 1);
    EXPECT_EQ(scored[r * 2 + 1], 1);
    EXPECT_EQ(oof->at(r, 0), static_cast<double>(r) / 1000.0);  // written to its own row
  }
}

// A member that memorises its training rows (certain on rows it saw, no
// better than chance on others) looks perfect in-sample; stacking on
// out-of-fold scores gives it no weight, while the honest member keeps its
// weight. The in-sample contrast shows the test can fail.
TEST(OutOfFoldScores, AMemorisingMemberGetsNoInflatedStackingWeight) {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> coin(0, 1);
  const size_t n = 3000;
  std::vector<double> signal(n);
  std::vector<uint8_t> labels(n);
  for (size_t i = 0; i < n; ++i) {
    signal[i] = normal(rng);
    labels[i] = coin(rng) < Sigmoid(1.5 * signal[i]) ? 1 : 0;
  }
  std::vector<double> noise(n);
  for (double& v : noise) v = coin(rng);
  auto memoriser = [&](const std::set<size_t>& seen, size_t row) {
    if (seen.count(row)) return labels[row] ? 0.999 : 0.001;
    return 0.2 + 0.6 * noise[row];  // knows nothing about rows it did not see
  };
  auto honest = [&](size_t row) { return Sigmoid(1.5 * signal[row]); };
  MemberFoldScorer scorer = [&](size_t k, std::span<const size_t> fit,
                                std::span<const size_t> score, std::span<double> out) {
    const std::set<size_t> seen(fit.begin(), fit.end());
    for (size_t i = 0; i < score.size(); ++i) {
      out[i] = k == 0 ? memoriser(seen, score[i]) : honest(score[i]);
    }
    return Status::Ok();
  };
  Result<FeatureMatrix> oof = OutOfFoldScores(labels, 2, 5, 7, scorer);
  ASSERT_TRUE(oof.ok());
  auto stacked = EnsembleModel::FitStacking(*oof, labels);
  ASSERT_TRUE(stacked.ok()) << stacked.status().message();
  EXPECT_LT(std::fabs((*stacked)->weights()[0]), 0.1);
  EXPECT_NEAR((*stacked)->weights()[1], 1.0, 0.2);

  // In-sample (the memoriser scoring the rows it was fitted on): it wins.
  std::set<size_t> all;
  for (size_t i = 0; i < n; ++i) all.insert(i);
  FeatureMatrix in_sample(n, 2);
  for (size_t i = 0; i < n; ++i) {
    in_sample.at(i, 0) = memoriser(all, i);
    in_sample.at(i, 1) = honest(i);
  }
  auto leaky = EnsembleModel::FitStacking(in_sample, labels);
  ASSERT_TRUE(leaky.ok());
  EXPECT_GT((*leaky)->weights()[0], 0.5);
}

TEST(OutOfFoldScores, ScorerErrorsPassThrough) {
  std::vector<uint8_t> labels = {0, 1, 0, 1, 0, 1, 0, 1};
  MemberFoldScorer fails = [](size_t, std::span<const size_t>, std::span<const size_t>,
                              std::span<double>) { return InvalidArgumentError("boom"); };
  Result<FeatureMatrix> oof = OutOfFoldScores(labels, 2, 2, 1, fails);
  ASSERT_FALSE(oof.ok());
  EXPECT_THAT(oof.status().message(), HasSubstr("boom"));
}

// ---- the use case on real members ----

class EnsembleTrainTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("churnml-EnsembleTrainTest-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ASSERT_TRUE(RegisterBuiltinModels(registry_).ok());
    csv_ = (dir_ / "train.csv").string();
    ASSERT_TRUE(GenerateCsv(csv_, {.rows = 3000, .seed = 5}).ok());
    // A Platt-calibrated logistic model and a small XGBoost model.
    TrainOptions logistic;
    logistic.data_path = csv_;
    logistic.out_dir = dir_ / "logistic";
    logistic.calibrate = CalibrationMethod::kPlatt;
    TrainReport report;
    Status s = Train(logistic, registry_, &report);
    ASSERT_TRUE(s.ok()) << s.message();
    TrainOptions xgb;
    xgb.data_path = csv_;
    xgb.model_kind = "xgboost";
    xgb.hyperparameters = {{"n_estimators", 30}, {"max_depth", 3}, {"threads", 1}};
    xgb.out_dir = dir_ / "xgboost";
    s = Train(xgb, registry_, &report);
    ASSERT_TRUE(s.ok()) << s.message();
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static EnsembleMember Member(const std::string& name) {
    Result<EnsembleMember> m = ModelArtifact::LoadMember(dir_ / name, registry_, {}, name);
    EXPECT_TRUE(m.ok()) << m.status().message();
    return std::move(*m);
  }

  static EnsembleTrainOptions Options(const std::string& out) {
    EnsembleTrainOptions o;
    o.data_path = csv_;
    o.members = {Member("logistic"), Member("xgboost")};
    o.out_dir = dir_ / out;
    return o;
  }

  static Dataset Rows() {
    LoadOptions load;
    load.target = TargetPolicy::kRequired;
    Result<LoadResult> loaded = LoadCsv(csv_, Schema::Telco(), load);
    EXPECT_TRUE(loaded.ok());
    return std::move(loaded->dataset);
  }

  static inline fs::path dir_;
  static inline std::string csv_;
  static inline ModelRegistry registry_;
};

TEST_F(EnsembleTrainTest, AverageCombinesTheMembersLogOddsWithTheGivenWeights) {
  EnsembleTrainOptions options = Options("average");
  options.weights = {7, 3};
  EnsembleTrainReport report;
  Status s = TrainEnsemble(options, registry_, &report);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(report.warnings.empty());  // members trained on the same split
  ASSERT_EQ(report.weights.size(), 2u);
  EXPECT_DOUBLE_EQ(report.weights[0], 0.7);
  EXPECT_DOUBLE_EQ(report.weights[1], 0.3);
  const double worse =
      std::min(*report.member_metrics[0].roc_auc, *report.member_metrics[1].roc_auc);
  EXPECT_GE(*report.test_metrics.roc_auc, worse);

  auto loaded = ModelArtifact::Load(options.out_dir, registry_);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  ASSERT_TRUE((*loaded)->is_ensemble());
  EXPECT_EQ((*loaded)->model().kind(), "ensemble");
  ASSERT_EQ((*loaded)->members().size(), 2u);
  const Dataset rows = Rows().Select({0, 1, 2, 3, 4, 5, 6, 7});
  std::vector<double> p, a, b;
  ASSERT_TRUE((*loaded)->PredictProba(rows, &p).ok());
  ASSERT_TRUE(options.members[0].artifact->PredictProba(rows, &a).ok());
  ASSERT_TRUE(options.members[1].artifact->PredictProba(rows, &b).ok());
  for (size_t i = 0; i < p.size(); ++i) {
    EXPECT_NEAR(p[i], Sigmoid(0.7 * Logit(a[i]) + 0.3 * Logit(b[i])), 1e-12);
  }
  // The profile travels with it, so drift and serving monitoring work.
  EXPECT_TRUE((*loaded)->File("profile.json").ok());
}

TEST_F(EnsembleTrainTest, StackingFitsTheMetaModelOnOutOfFoldScores) {
  EnsembleTrainOptions options = Options("stacked");
  options.method = EnsembleMethod::kStacking;
  options.stacking_folds = 3;
  EnsembleTrainReport report;
  Status s = TrainEnsemble(options, registry_, &report);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(report.weights.size(), 2u);
  for (double w : report.weights) EXPECT_TRUE(std::isfinite(w));
  EXPECT_GT(report.weights[0] + report.weights[1], 0.0);
  const double worse =
      std::min(*report.member_metrics[0].roc_auc, *report.member_metrics[1].roc_auc);
  EXPECT_GE(*report.test_metrics.roc_auc, worse);
  auto loaded = ModelArtifact::Load(options.out_dir, registry_);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ((*loaded)->ensemble()->method(), EnsembleMethod::kStacking);
  EXPECT_EQ((*loaded)->ensemble()->weights(), report.weights);
}

TEST_F(EnsembleTrainTest, RefusesBadWeightsAndWeightsWithStacking) {
  EnsembleTrainOptions options = Options("bad");
  options.weights = {1, 2, 3};
  EnsembleTrainReport report;
  Status s = TrainEnsemble(options, registry_, &report);
  EXPECT_THAT(s.message(), HasSubstr("3 value(s) for 2 member(s)"));
  options.weights = {1, 2};
  options.method = EnsembleMethod::kStacking;
  s = TrainEnsemble(options, registry_, &report);
  EXPECT_THAT(s.message(), HasSubstr("--weights applies to --method average"));
  EXPECT_FALSE(fs::exists(options.out_dir));
}

TEST_F(EnsembleTrainTest, ExplanationsAddUpToTheEnsemblesLogOdds) {
  EnsembleTrainOptions options = Options("explained");
  options.weights = {2, 1};
  EnsembleTrainReport report;
  ASSERT_TRUE(TrainEnsemble(options, registry_, &report).ok());
  auto loaded = ModelArtifact::Load(options.out_dir, registry_);
  ASSERT_TRUE(loaded.ok());
  Result<Explainer> explainer = Explainer::Create(*loaded);
  ASSERT_TRUE(explainer.ok()) << explainer.status().message();
  const Dataset rows = Rows().Select({10, 11, 12, 13, 14, 15});
  Explanations e;
  ASSERT_TRUE(explainer->Explain(rows, &e).ok());
  std::vector<double> p;
  ASSERT_TRUE((*loaded)->PredictProba(rows, &p).ok());
  // The members' own explanations, weighted (member 1 through its Platt map).
  Result<Explainer> m0 = Explainer::Create((*loaded)->members()[0]);
  Result<Explainer> m1 = Explainer::Create((*loaded)->members()[1]);
  ASSERT_TRUE(m0.ok() && m1.ok());
  Explanations e0, e1;
  ASSERT_TRUE(m0->Explain(rows, &e0).ok());
  ASSERT_TRUE(m1->Explain(rows, &e1).ok());
  const Calibrator& platt = *(*loaded)->members()[0]->calibration();
  ASSERT_EQ(explainer->feature_names(), m0->feature_names());
  for (size_t r = 0; r < e.rows; ++r) {
    EXPECT_EQ(e.probabilities[r], p[r]);
    // Additivity holds as for a single model: exact but for rounding, and
    // XGBoost's TreeSHAP sums in float32 (1e-6 relative, as for a member).
    double sum = e.base_values[r], terms = std::fabs(e.base_values[r]);
    for (double c : e.row(r)) {
      sum += c;
      terms += std::fabs(c);
    }
    EXPECT_NEAR(sum, Logit(p[r]), 1e-6 * terms) << "row " << r;
    for (size_t f = 0; f < e.features; ++f) {
      const double expected = (2.0 / 3) * -platt.a() * e0.row(r)[f] + (1.0 / 3) * e1.row(r)[f];
      EXPECT_NEAR(e.row(r)[f], expected, 1e-12);
    }
  }
}

TEST_F(EnsembleTrainTest, ATamperedMemberFileIsRefusedOnLoad) {
  EnsembleTrainOptions options = Options("tampered");
  EnsembleTrainReport report;
  ASSERT_TRUE(TrainEnsemble(options, registry_, &report).ok());
  const fs::path file = options.out_dir / "member-2.hyperparameters.json";
  ASSERT_TRUE(fs::exists(file));
  std::ofstream(file, std::ios::app) << " ";
  auto loaded = ModelArtifact::Load(options.out_dir, registry_);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("member-2.hyperparameters.json"));
  EXPECT_THAT(loaded.status().message(), HasSubstr("checksum mismatch"));
}

TEST_F(EnsembleTrainTest, AnUnlistedMemberRecordIsRefused) {
  EnsembleTrainOptions options = Options("renamed");
  EnsembleTrainReport report;
  ASSERT_TRUE(TrainEnsemble(options, registry_, &report).ok());
  // Point member 2 at member 1's files: the prefix must be member-2.
  const fs::path model_json = options.out_dir / "model.json";
  std::ifstream in(model_json);
  nlohmann::json doc = nlohmann::json::parse(in);
  in.close();
  doc["ensemble"]["members"][1]["prefix"] = "member-1.";
  // model.json is not itself listed: an edit passes the checksums.
  std::ofstream(model_json, std::ios::trunc) << doc.dump(2);
  auto loaded = ModelArtifact::Load(options.out_dir, registry_);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("member 2"));
}

TEST_F(EnsembleTrainTest, EnsemblesDoNotNest) {
  EnsembleTrainOptions options = Options("inner");
  EnsembleTrainReport report;
  ASSERT_TRUE(TrainEnsemble(options, registry_, &report).ok());
  Result<EnsembleMember> inner = ModelArtifact::LoadMember(options.out_dir, registry_, {}, "inner");
  ASSERT_FALSE(inner.ok());
  EXPECT_THAT(inner.status().message(), HasSubstr("ensembles do not nest"));
}

TEST_F(EnsembleTrainTest, AMemberFromOtherRowsIsWarnedAbout) {
  EnsembleTrainOptions options = Options("other-split");
  options.seed = 43;
  EnsembleTrainReport report;
  ASSERT_TRUE(TrainEnsemble(options, registry_, &report).ok());
  ASSERT_EQ(report.warnings.size(), 2u);
  EXPECT_THAT(report.warnings[0], HasSubstr("may be optimistic"));
}

}  // namespace
}  // namespace churnml
