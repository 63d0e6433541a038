#include "pipeline/explanations.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "data/csv_loader.h"
#include "data/synthetic_generator.h"
#include "models/contributions.h"
#include "models/logistic_regression.h"
#include "models/xgboost_model.h"
#include "pipeline/model_artifact.h"
#include "pipeline/train.h"

namespace churnml {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Both artifacts are trained once for the suite (XGBoost at depth 6 takes
// seconds on a loaded machine); each test reads them only.
class ExplanationsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::filesystem::temp_directory_path() /
           ("churnml-ExplanationsTest-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    ASSERT_TRUE(RegisterBuiltinModels(registry_).ok());
    train_csv_ = Generate("train.csv", 6000, 17);
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(dir_); }

  static std::string Generate(const std::string& name, int64_t rows, uint64_t seed) {
    const std::string path = (dir_ / name).string();
    Status s = GenerateCsv(path, {.rows = rows, .seed = seed});
    EXPECT_TRUE(s.ok()) << s.ToString();
    return path;
  }

  // Trains `kind` on the first call, loads it on every call.
  static std::shared_ptr<const ModelArtifact> TrainArtifact(const std::string& kind) {
    TrainOptions options;
    options.data_path = train_csv_;
    options.model_kind = kind;
    options.out_dir = dir_ / kind;
    if (kind == "xgboost") {
      options.hyperparameters = {{"n_estimators", 100}, {"max_depth", 6}, {"threads", 1}};
    }
    if (!std::filesystem::exists(options.out_dir)) {
      TrainReport report;
      Status s = Train(options, registry_, &report);
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
    auto artifact = ModelArtifact::Load(options.out_dir, registry_);
    EXPECT_TRUE(artifact.ok()) << artifact.status().ToString();
    return *artifact;
  }

  Dataset Load(const std::string& path) {
    auto loaded = LoadCsv(path, Schema::Telco());
    EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
    return std::move(loaded->dataset);
  }

  // base + sum == margin within 1e-6 relative on 10,000 generated rows
  // (another seed than training; tenure-0 rows carry a missing TotalCharges).
  // Relative to the size of the sum's terms, |base| + sum |c_i| (which is
  // at least |margin|): XGBoost computes its margins and contributions in
  // float32 (epsilon 1.2e-7) over 100 trees, so near a margin of 0 no bound
  // relative to the margin alone can hold; the worst errors are printed.
  void ExpectAdditiveOnTenThousandRows(const std::string& kind) {
    auto artifact = TrainArtifact(kind);
    auto explainer = Explainer::Create(artifact);
    ASSERT_TRUE(explainer.ok()) << explainer.status().ToString();
    Dataset data = Load(Generate("score.csv", 10000, 99));
    Explanations e;
    ASSERT_TRUE(explainer->Explain(data, &e).ok());
    ASSERT_EQ(e.rows, 10000u);
    ASSERT_EQ(e.features, 19u);  // the Telco schema's raw features
    auto x = artifact->preprocessor().Transform(data);
    ASSERT_TRUE(x.ok());
    std::vector<double> margins(x->rows()), probabilities;
    ASSERT_TRUE(PredictMargin(artifact->model(), *x, margins).ok());
    ASSERT_TRUE(artifact->PredictProba(data, &probabilities).ok());
    double worst = 0, worst_abs = 0, worst_terms = 0;
    for (size_t r = 0; r < e.rows; ++r) {
      ASSERT_EQ(e.probabilities[r], probabilities[r]) << "row " << r;
      double sum = e.base_values[r], terms = std::abs(e.base_values[r]);
      for (double c : e.row(r)) sum += c, terms += std::abs(c);
      const double error = std::abs(sum - margins[r]) / std::max(1.0, std::abs(margins[r]));
      worst = std::max(worst, error);
      worst_abs = std::max(worst_abs, std::abs(sum - margins[r]));
      worst_terms = std::max(worst_terms, std::abs(sum - margins[r]) / terms);
      ASSERT_LE(std::abs(sum - margins[r]), 1e-6 * terms)
          << kind << " row " << r << ": " << sum << " vs " << margins[r];
      ASSERT_EQ(e.base_values[r], e.base_values[0]);
    }
    std::printf("%s: worst relative %.3g, absolute %.3g, relative to sum|terms| %.3g\n",
                kind.c_str(), worst, worst_abs, worst_terms);
  }

  static inline std::filesystem::path dir_;
  static inline ModelRegistry registry_;
  static inline std::string train_csv_;
};

TEST_F(ExplanationsTest, XGBoostContributionsAddUpToTheMargin) {
  ExpectAdditiveOnTenThousandRows("xgboost");
}

TEST_F(ExplanationsTest, LogisticContributionsAddUpToTheMargin) {
  ExpectAdditiveOnTenThousandRows("logistic");
}

TEST_F(ExplanationsTest, OneHotColumnsAreSummedIntoTheirRawFeature) {
  auto artifact = TrainArtifact("logistic");
  auto explainer = Explainer::Create(artifact);
  ASSERT_TRUE(explainer.ok()) << explainer.status().ToString();
  const auto& names = explainer->feature_names();
  ASSERT_EQ(names.front(), "gender");
  ASSERT_NE(std::find(names.begin(), names.end(), "Contract"), names.end());
  ASSERT_EQ(std::find(names.begin(), names.end(), "Contract=Month-to-month"), names.end());
  Dataset data = Load(Generate("few.csv", 50, 5));
  Explanations e;
  ASSERT_TRUE(explainer->Explain(data, &e).ok());
  // Within the one-hot block only the row's level is 1, so two rows differ
  // in Contract's contribution by exactly the difference of their levels'
  // weights (the training shares cancel).
  const auto contract =
      static_cast<size_t>(std::find(names.begin(), names.end(), "Contract") - names.begin());
  const FeatureColumnTransform& column = artifact->preprocessor().columns()[contract];
  ASSERT_EQ(column.name, "Contract");
  const auto* lr = dynamic_cast<const LogisticRegression*>(&artifact->model());
  ASSERT_NE(lr, nullptr);
  const ColumnData& codes = data.column(*data.schema().IndexOf("Contract"));
  auto weight_of_row = [&](size_t r) {
    const std::string& level = codes.levels[codes.codes[r]];
    const auto k = std::find(column.categories.begin(), column.categories.end(), level) -
                   column.categories.begin();
    return lr->coefficients()[column.offset + static_cast<size_t>(k)];
  };
  for (size_t r = 1; r < e.rows; ++r) {
    EXPECT_NEAR(e.row(r)[contract] - e.row(0)[contract], weight_of_row(r) - weight_of_row(0),
                1e-12);
  }
  // A month-to-month customer gets a larger Contract contribution than a
  // two-year one (the generator's strongest signal).
  double month = NAN, two_year = NAN;
  for (size_t r = 0; r < e.rows; ++r) {
    const std::string& level = codes.levels[codes.codes[r]];
    if (level == "Month-to-month") month = e.row(r)[contract];
    if (level == "Two year") two_year = e.row(r)[contract];
  }
  ASSERT_FALSE(std::isnan(month));
  ASSERT_FALSE(std::isnan(two_year));
  EXPECT_GT(month, 0.0);
  EXPECT_LT(two_year, 0.0);
  EXPECT_GT(month, two_year);
}

TEST_F(ExplanationsTest, LogisticWithoutAProfileIsRefusedWithTheReason) {
  auto trained = TrainArtifact("logistic");
  auto model = LogisticRegression::Load(dir_ / "logistic");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto bare = std::make_shared<const ModelArtifact>(trained->schema(), trained->preprocessor(),
                                                    std::move(model).value(), 0.5, 0.3,
                                                    nlohmann::json::object());
  auto explainer = Explainer::Create(bare);
  ASSERT_FALSE(explainer.ok());
  EXPECT_EQ(explainer.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(explainer.status().message(), HasSubstr("no reference profile (profile.json)"));
}

TEST_F(ExplanationsTest, XGBoostNeedsNoProfile) {
  auto trained = TrainArtifact("xgboost");
  auto model = XGBoostModel::Load(dir_ / "xgboost");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto bare = std::make_shared<const ModelArtifact>(trained->schema(), trained->preprocessor(),
                                                    std::move(model).value(), 0.5, 0.3,
                                                    nlohmann::json::object());
  auto explainer = Explainer::Create(bare);
  ASSERT_TRUE(explainer.ok()) << explainer.status().ToString();
  EXPECT_EQ(explainer->feature_names().size(), 19u);
}

TEST(TopContributions, OrdersByMagnitudeAndCapsK) {
  const std::vector<double> row = {0.1, -0.9, 0.5, 0.9, 0.0};
  EXPECT_THAT(TopContributions(row, 3), ElementsAre(1, 3, 2));
  EXPECT_THAT(TopContributions(row, 10), ElementsAre(1, 3, 2, 0, 4));
  EXPECT_TRUE(TopContributions(row, 0).empty());
}

}  // namespace
}  // namespace churnml
