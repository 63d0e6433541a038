#include "pipeline/train.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "models/logistic_regression.h"
#include "pipeline/model_artifact.h"
#include "pipeline/test_support.h"

namespace churnml {
namespace {

class TrainTest : public testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    ASSERT_TRUE(RegisterBuiltinModels(registry_).ok());
    data_ = Generate("train.csv", 6000, 17);
  }

  TrainOptions Options(const std::string& kind) {
    TrainOptions options;
    options.data_path = data_;
    options.model_kind = kind;
    options.out_dir = dir_ / kind;
    return options;
  }

  ModelRegistry registry_;
  std::string data_;
};

TEST_F(TrainTest, BothModelKindsLearnTheGeneratedSignal) {
  for (const char* kind : {"logistic", "xgboost"}) {
    TrainOptions options = Options(kind);
    if (std::string(kind) == "xgboost") {
      options.hyperparameters = {{"n_estimators", 80}, {"max_depth", 4}, {"learning_rate", 0.1}};
    }
    TrainReport report;
    Status s = Train(options, registry_, &report);
    ASSERT_TRUE(s.ok()) << kind << ": " << s.ToString();
    ASSERT_TRUE(report.test_metrics.roc_auc.has_value());
    EXPECT_GT(*report.test_metrics.roc_auc, 0.80) << kind;
    EXPECT_EQ(report.train_rows + report.test_rows, 6000);
    EXPECT_EQ(report.test_rows, 1200);
  }
}

// The generator raises churn for month-to-month contracts, fiber, electronic
// checks and high charges and lowers it with tenure (data/churn_signal.h);
// the fitted coefficients must agree in sign.
TEST_F(TrainTest, LogisticCoefficientsAgreeInSignWithTheGeneratorSignal) {
  TrainReport report;
  ASSERT_TRUE(Train(Options("logistic"), registry_, &report).ok());
  auto artifact = ModelArtifact::Load(dir_ / "logistic", registry_);
  ASSERT_TRUE(artifact.ok()) << artifact.status().ToString();
  const auto* lr = dynamic_cast<const LogisticRegression*>(&(*artifact)->model());
  ASSERT_NE(lr, nullptr);
  const auto& names = (*artifact)->preprocessor().feature_names();
  auto weight = [&](const std::string& name) {
    auto it = std::find(names.begin(), names.end(), name);
    EXPECT_NE(it, names.end()) << name;
    return lr->coefficients()[static_cast<size_t>(it - names.begin())];
  };
  EXPECT_GT(weight("Contract=Month-to-month"), weight("Contract=Two year"));
  EXPECT_LT(weight("tenure"), 0);
  EXPECT_GT(weight("InternetService=Fiber optic"), weight("InternetService=DSL"));
  EXPECT_GT(weight("PaymentMethod=Electronic check"), weight("PaymentMethod=Mailed check"));
}

TEST_F(TrainTest, CrossValidationReportsEveryFold) {
  TrainOptions options = Options("logistic");
  options.cv_folds = 3;
  TrainReport report;
  ASSERT_TRUE(Train(options, registry_, &report).ok());
  ASSERT_TRUE(report.cv.has_value());
  EXPECT_EQ(report.cv->folds, 3);
  const FoldSummaryEntry* auc = report.cv->Find("roc_auc");
  ASSERT_NE(auc, nullptr);
  ASSERT_TRUE(auc->summary.has_value());
  EXPECT_GT(auc->summary->mean, 0.8);
  EXPECT_GT(auc->summary->std, 0.0);
}

TEST_F(TrainTest, InvalidRowsStopTrainingWithTheirIssues) {
  std::string bad = (dir_ / "bad.csv").string();
  std::string text = *ReadFile(data_);
  // Break the tenure of data row 1: "...,No,34,Yes..." → first row's 6th field.
  size_t line2 = text.find('\n') + 1;
  size_t field = line2;
  for (int i = 0; i < 5; ++i) field = text.find(',', field) + 1;
  text.replace(field, text.find(',', field) - field, "abc");
  ASSERT_TRUE(WriteFileAtomically(bad, text).ok());

  TrainOptions options = Options("logistic");
  options.data_path = bad;
  TrainReport report;
  Status s = Train(options, registry_, &report);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  ASSERT_EQ(report.issues.count(), 1);
  EXPECT_EQ(report.issues.issues()[0].row, 1);
  EXPECT_EQ(report.issues.issues()[0].column, "tenure");
  EXPECT_FALSE(std::filesystem::exists(options.out_dir));

  options.invalid_rows = InvalidRowPolicy::kDrop;
  ASSERT_TRUE(Train(options, registry_, &report).ok());
  EXPECT_EQ(report.rows_dropped, 1);
  EXPECT_EQ(report.train_rows + report.test_rows, 5999);
}

TEST_F(TrainTest, RefusesToReplaceAnExistingArtifact) {
  TrainReport report;
  ASSERT_TRUE(Train(Options("logistic"), registry_, &report).ok());
  Status s = Train(Options("logistic"), registry_, &report);
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
}

// --force once deleted any folder: now only a churnml model is replaced.
TEST_F(TrainTest, ForceRefusesAFolderThatIsNotAModelAndLeavesItIntact) {
  TrainOptions options = Options("logistic");
  options.existing = ExistingPolicy::kReplace;
  std::filesystem::create_directories(options.out_dir / "chapters");
  ASSERT_TRUE(WriteFileAtomically(options.out_dir / "chapters" / "1.txt", "work").ok());
  TrainReport report;
  Status s = Train(options, registry_, &report);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("churnml model directory"), std::string::npos) << s.message();
  EXPECT_EQ(*ReadFile(options.out_dir / "chapters" / "1.txt"), "work");

  ASSERT_TRUE(WriteFileAtomically(options.out_dir / "model.json", "{\"kind\": 3}").ok());
  EXPECT_EQ(Train(options, registry_, &report).code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(std::filesystem::exists(options.out_dir / "chapters" / "1.txt"));
}

TEST_F(TrainTest, ForceReplacesAModel) {
  TrainOptions options = Options("logistic");
  TrainReport report;
  ASSERT_TRUE(Train(options, registry_, &report).ok());
  ASSERT_TRUE(WriteFileAtomically(options.out_dir / "stale.txt", "old").ok());
  options.existing = ExistingPolicy::kReplace;
  ASSERT_TRUE(Train(options, registry_, &report).ok());
  EXPECT_FALSE(std::filesystem::exists(options.out_dir / "stale.txt"));
  EXPECT_TRUE(std::filesystem::exists(options.out_dir / "model.json"));
}

// A watched XGBoost fit reports each round's log loss on the test split:
// the last round's value is the log loss `train` then reports for the test
// split (XGBoost computes in float); with cross-validation every fold's fit
// reports too.
TEST_F(TrainTest, XGBoostRoundsCarryTheTestSplitLogLoss) {
  TrainOptions options = Options("xgboost");
  options.hyperparameters = {{"n_estimators", 25}, {"threads", 1}};
  options.cv_folds = 2;
  std::vector<FitRound> rounds;
  options.on_fit_round = [&rounds](const FitRound& r) { rounds.push_back(r); };
  TrainReport report;
  Status s = Train(options, registry_, &report);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(rounds.size(), 75u);  // the final fit, then two folds
  for (const FitRound& r : rounds) ASSERT_EQ(r.metric, "logloss");
  EXPECT_EQ(rounds[24].done, 25);
  EXPECT_LT(rounds[24].value, rounds[0].value);
  EXPECT_NEAR(rounds[24].value, report.test_metrics.log_loss, 1e-4);
  EXPECT_NEAR(rounds[49].value, report.cv_folds[0].log_loss, 1e-4);
  EXPECT_NEAR(rounds[74].value, report.cv_folds[1].log_loss, 1e-4);
}

TEST_F(TrainTest, UnknownModelKindListsTheValidOnes) {
  TrainReport report;
  Status s = Train(Options("forest"), registry_, &report);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("logistic"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("xgboost"), std::string::npos) << s.message();
}

// Early stopping carves validation rows from the training split only: the
// test split keeps its size, and the artifact records the best round.
TEST_F(TrainTest, EarlyStoppingUsesValidationRowsFromTheTrainingSplit) {
  TrainOptions options = Options("xgboost");
  options.hyperparameters = {
      {"n_estimators", 300}, {"learning_rate", 0.5}, {"early_stopping_rounds", 5}, {"threads", 1}};
  options.validation_fraction = 0.25;
  TrainReport report;
  Status s = Train(options, registry_, &report);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(report.test_rows, 1200);
  EXPECT_NEAR(static_cast<double>(report.validation_rows), 0.25 * 4800, 2);
  EXPECT_TRUE(report.fit.stopped_early);
  EXPECT_EQ(report.fit.rounds, report.fit.best_rounds + 5);
  auto artifact = ModelArtifact::Load(options.out_dir, registry_);
  ASSERT_TRUE(artifact.ok()) << artifact.status().ToString();
  const nlohmann::json& es = (*artifact)->metadata()["training"]["early_stopping"];
  EXPECT_EQ(es["best_iteration"], report.fit.best_rounds - 1);
  EXPECT_EQ(es["rounds"], report.fit.rounds);
}

TEST_F(TrainTest, ThresholdForRecallIsChosenOnValidationRowsAndStored) {
  TrainOptions options = Options("logistic");
  options.threshold_for = *ThresholdGoal::Parse("recall=0.9");
  TrainReport report;
  ASSERT_TRUE(Train(options, registry_, &report).ok());
  ASSERT_TRUE(report.threshold_choice.has_value());
  EXPECT_GE(report.threshold_choice->recall, 0.9);
  EXPECT_LT(report.threshold, 0.5);  // 90% recall needs a low threshold
  EXPECT_EQ(report.test_metrics.threshold, report.threshold);
  auto artifact = ModelArtifact::Load(options.out_dir, registry_);
  ASSERT_TRUE(artifact.ok());
  EXPECT_EQ((*artifact)->threshold(), report.threshold);
  EXPECT_EQ((*artifact)->metadata()["threshold_choice"]["goal"], "recall=0.9");
}

TEST_F(TrainTest, PlattCalibrationOfABalancedModelLowersTheTestEce) {
  TrainOptions options = Options("logistic");
  options.hyperparameters = {{"class_weight", "balanced"}};
  options.calibrate = CalibrationMethod::kPlatt;
  TrainReport report;
  ASSERT_TRUE(Train(options, registry_, &report).ok());
  ASSERT_TRUE(report.test_calibrated && report.test_uncalibrated);
  // Balanced weights push every score up; Platt on held-out rows undoes it.
  EXPECT_LT(report.test_calibrated->ece, report.test_uncalibrated->ece / 2);
}

}  // namespace
}  // namespace churnml
