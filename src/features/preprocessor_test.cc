#include "features/preprocessor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>

namespace churnml {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

ColumnSpec Col(std::string name, ColumnRole role, ColumnType type,
               std::vector<std::string> categories = {}) {
  ColumnSpec c;
  c.name = std::move(name);
  c.role = role;
  c.type = type;
  c.categories = std::move(categories);
  return c;
}

// id, x (numeric), n (integer), color (closed: red/green/blue), city (open), y.
Schema TestSchema() {
  Result<Schema> s = Schema::Create(
      "test",
      {Col("id", ColumnRole::kId, ColumnType::kCategorical),
       Col("x", ColumnRole::kFeature, ColumnType::kNumeric),
       Col("n", ColumnRole::kFeature, ColumnType::kInteger),
       Col("color", ColumnRole::kFeature, ColumnType::kCategorical, {"red", "green", "blue"}),
       Col("city", ColumnRole::kFeature, ColumnType::kCategorical),
       Col("y", ColumnRole::kTarget, ColumnType::kCategorical, {"No", "Yes"})},
      "Yes");
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return *s;
}

constexpr double kNaN = kMissingNumber;

Dataset MakeData(std::vector<double> x, std::vector<double> n, std::vector<int32_t> color,
                 std::vector<std::string> city_levels, std::vector<int32_t> city) {
  Dataset d(TestSchema());
  const size_t rows = x.size();
  d.mutable_column(1).numbers = std::move(x);
  d.mutable_column(2).numbers = std::move(n);
  d.mutable_column(3).codes = std::move(color);
  d.mutable_column(4).levels = std::move(city_levels);
  d.mutable_column(4).codes = std::move(city);
  d.mutable_target().assign(rows, 0);
  for (size_t i = 0; i < rows; ++i) {
    d.mutable_ids().push_back("c" + std::to_string(i));
    d.mutable_source_rows().push_back(static_cast<int64_t>(i + 10));
  }
  d.set_num_rows(rows);
  return d;
}

// x: 1, 2, NaN, 4 -> median 2; n: 0, 10, 10, NaN -> median 10.
// color: red, blue, blue, missing -> mode blue; city levels {Paris, Rome}:
// Rome, Rome, missing, Paris -> mode Rome.
Dataset Train() {
  return MakeData({1, 2, kNaN, 4}, {0, 10, 10, kNaN}, {0, 2, 2, kMissingCode}, {"Paris", "Rome"},
                  {1, 1, kMissingCode, 0});
}

Preprocessor FitOrDie(const Dataset& d, PreprocessorOptions options = {}) {
  Result<Preprocessor> p = Preprocessor::Fit(d, options);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return std::move(p).value();
}

TEST(Preprocessor, FeatureNamesFollowSchemaOrderWithOneHotBlocks) {
  Preprocessor p = FitOrDie(Train());
  EXPECT_THAT(p.feature_names(), ElementsAre("x", "n", "color=red", "color=green", "color=blue",
                                             "city=Paris", "city=Rome"));
  EXPECT_EQ(p.num_features(), 7u);
}

TEST(Preprocessor, ImputesMedianAndModeFromTrainingData) {
  Preprocessor p = FitOrDie(Train());
  const auto& cols = p.columns();
  EXPECT_DOUBLE_EQ(cols[0].median, 2.0);
  EXPECT_DOUBLE_EQ(cols[1].median, 10.0);
  EXPECT_EQ(cols[2].categories[cols[2].mode], "blue");
  EXPECT_EQ(cols[3].categories[cols[3].mode], "Rome");
}

TEST(Preprocessor, MedianOfEvenCountAveragesTheMiddleValues) {
  Dataset d = MakeData({4, 1, 3, 2}, {1, 1, 1, 1}, {0, 0, 0, 0}, {"a"}, {0, 0, 0, 0});
  EXPECT_DOUBLE_EQ(FitOrDie(d).columns()[0].median, 2.5);
}

TEST(Preprocessor, ScalesWithMeanAndStdOfImputedTrainingData) {
  Preprocessor p = FitOrDie(Train());
  // Imputed x: 1, 2, 2, 4 -> mean 2.25, population variance 1.1875.
  EXPECT_DOUBLE_EQ(p.columns()[0].mean, 2.25);
  EXPECT_DOUBLE_EQ(p.columns()[0].scale, std::sqrt(1.1875));
  Result<FeatureMatrix> m = p.Transform(Train());
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_DOUBLE_EQ(m->at(2, 0), (2.0 - 2.25) / std::sqrt(1.1875));  // imputed then scaled
  double sum = 0;
  for (size_t r = 0; r < 4; ++r) sum += m->at(r, 0);
  EXPECT_NEAR(sum, 0.0, 1e-12);
}

TEST(Preprocessor, ConstantColumnGetsScaleOne) {
  Dataset d = MakeData({5, 5, 5}, {1, 2, 3}, {0, 1, 2}, {"a"}, {0, 0, 0});
  Preprocessor p = FitOrDie(d);
  EXPECT_EQ(p.columns()[0].scale, 1.0);
  Result<FeatureMatrix> m = p.Transform(d);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->at(0, 0), 0.0);
}

TEST(Preprocessor, ScalingUsesTrainingStatisticsOnOtherData) {
  Preprocessor p = FitOrDie(Train());
  Dataset test = MakeData({100}, {kNaN}, {1}, {"Rome"}, {0});
  Result<FeatureMatrix> m = p.Transform(test);
  ASSERT_TRUE(m.ok());
  EXPECT_DOUBLE_EQ(m->at(0, 0), (100 - 2.25) / std::sqrt(1.1875));
  EXPECT_DOUBLE_EQ(m->at(0, 1), (10 - p.columns()[1].mean) / p.columns()[1].scale);
}

TEST(Preprocessor, OneHotLayoutIsNotScaledAndImputesMode) {
  Preprocessor p = FitOrDie(Train());
  Result<FeatureMatrix> m = p.Transform(Train());
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->rows(), 4u);
  ASSERT_EQ(m->cols(), 7u);
  // Row 0: red, Rome. Row 3: missing color -> blue, Paris.
  EXPECT_THAT(std::vector<double>(m->row(0).begin() + 2, m->row(0).end()),
              ElementsAre(1, 0, 0, 0, 1));
  EXPECT_THAT(std::vector<double>(m->row(2).begin() + 2, m->row(2).end()),
              ElementsAre(0, 0, 1, 0, 1));
  EXPECT_THAT(std::vector<double>(m->row(3).begin() + 2, m->row(3).end()),
              ElementsAre(0, 0, 1, 1, 0));
  EXPECT_EQ(m->feature_names(), p.feature_names());
}

TEST(Preprocessor, MatchesCategoriesByStringNotCode) {
  Preprocessor p = FitOrDie(Train());
  // Levels numbered the other way round from the training data.
  Dataset other = MakeData({1}, {1}, {0}, {"Rome", "Paris"}, {1});
  Result<FeatureMatrix> m = p.Transform(other);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->at(0, 5), 1.0);  // city=Paris
  EXPECT_EQ(m->at(0, 6), 0.0);
}

TEST(Preprocessor, ManyCategoriesAreMatchedByStringToo) {
  // More categories than the linear lookup handles: the hashed path.
  std::vector<std::string> cities;
  std::vector<int32_t> codes;
  for (int k = 0; k < 40; ++k) {
    cities.push_back("city" + std::to_string(k));
    codes.push_back(k);
  }
  Preprocessor p = FitOrDie(MakeData(std::vector<double>(40, 1.0), std::vector<double>(40, 1.0),
                                     std::vector<int32_t>(40, 0), cities, codes));
  // city39 first, then an unseen city, in another level order than training.
  Dataset other = MakeData({1, 1}, {1, 1}, {0, 0}, {"city39", "Oslo"}, {0, 1});
  Result<FeatureMatrix> m = p.Transform(other);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const size_t city_block = 5;  // x, n, then color's three categories
  EXPECT_EQ(m->at(0, city_block + 39), 1.0);
  double row1 = 0;
  for (size_t k = 0; k < 40; ++k) row1 += m->at(1, city_block + k);
  EXPECT_EQ(row1, 0.0);  // unseen: an all-zero block
}

TEST(Preprocessor, UnseenCategoryIgnoredGivesAllZeroBlock) {
  Preprocessor p = FitOrDie(Train(), {.unknown_category = UnknownCategoryPolicy::kIgnore});
  Dataset other = MakeData({1}, {1}, {0}, {"Paris", "Rome", "Oslo"}, {2});
  Result<FeatureMatrix> m = p.Transform(other);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->at(0, 5), 0.0);
  EXPECT_EQ(m->at(0, 6), 0.0);
  EXPECT_EQ(m->at(0, 2), 1.0);
}

TEST(Preprocessor, UnseenCategoryErrorNamesRowColumnAndValue) {
  Preprocessor p = FitOrDie(Train(), {.unknown_category = UnknownCategoryPolicy::kError});
  Dataset other = MakeData({1, 2}, {1, 1}, {0, 0}, {"Paris", "Oslo"}, {0, 1});
  Result<FeatureMatrix> m = p.Transform(other);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(m.status().message(),
              HasSubstr("row 11, column \"city\": unknown category \"Oslo\""));
  EXPECT_THAT(m.status().message(), HasSubstr("\"Paris\", \"Rome\""));
}

// The compact matrix is the dense one stored by column kind: densified, the
// same bits, with missing values, mode imputation and unknown categories.
TEST(Preprocessor, CompactTransformDensifiesToTheSameBits) {
  Preprocessor p = FitOrDie(Train(), {.unknown_category = UnknownCategoryPolicy::kIgnore});
  ASSERT_TRUE(p.compact_encodable());
  Dataset other = MakeData({1, kNaN, 7.25, -3}, {kNaN, 3, 10, 0}, {0, kMissingCode, 1, 2},
                           {"Paris", "Rome", "Oslo"}, {2, 1, kMissingCode, 0});
  for (const Dataset* d : {&other}) {
    Result<FeatureMatrix> dense = p.Transform(*d);
    Result<CompactFeatureMatrix> compact = p.TransformCompact(*d);
    ASSERT_TRUE(dense.ok() && compact.ok());
    EXPECT_EQ(compact->rows(), 4u);
    EXPECT_EQ(compact->cols(), dense->cols());
    EXPECT_EQ(compact->numeric_columns(), (std::vector<size_t>{0, 1}));
    ASSERT_EQ(compact->blocks().size(), 2u);
    EXPECT_EQ(compact->codes(0)[1], CompactFeatureMatrix::kNoCategory);  // "Oslo": unknown
    const FeatureMatrix back = compact->Densify();
    ASSERT_EQ(back.values().size(), dense->values().size());
    EXPECT_EQ(std::memcmp(back.values().data(), dense->values().data(),
                          dense->values().size() * sizeof(double)),
              0);
    EXPECT_EQ(back.feature_names(), dense->feature_names());
  }
  Result<FeatureMatrix> train_dense = p.Transform(Train());
  Result<CompactFeatureMatrix> train_compact = p.TransformCompact(Train());
  ASSERT_TRUE(train_dense.ok() && train_compact.ok());
  EXPECT_EQ(train_compact->Densify().values(), train_dense->values());
}

TEST(Preprocessor, CompactTransformReportsTheSameErrors) {
  Preprocessor p = FitOrDie(Train(), {.unknown_category = UnknownCategoryPolicy::kError});
  Dataset other = MakeData({1, 2}, {1, 1}, {0, 0}, {"Paris", "Oslo"}, {0, 1});
  Result<CompactFeatureMatrix> m = p.TransformCompact(other);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message(), p.Transform(other).status().message());
  Dataset bad_code = MakeData({1}, {1}, {9}, {"Paris"}, {0});
  EXPECT_THAT(p.TransformCompact(bad_code).status().message(),
              HasSubstr("row 10, column \"color\": category code 9 is out of range"));
}

TEST(Preprocessor, ClosedVocabularyValueAbsentFromTrainingIsKnown) {
  Preprocessor p = FitOrDie(Train(), {.unknown_category = UnknownCategoryPolicy::kError});
  Dataset other = MakeData({1}, {1}, {1}, {"Paris"}, {0});  // green never seen in training
  Result<FeatureMatrix> m = p.Transform(other);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->at(0, 3), 1.0);
}

TEST(Preprocessor, FitRejectsAllMissingColumnAndEmptyData) {
  Dataset d = MakeData({kNaN, kNaN}, {1, 2}, {0, 0}, {"a"}, {0, 0});
  Result<Preprocessor> p = Preprocessor::Fit(d, {});
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.status().message(), HasSubstr("column \"x\" has no non-missing value"));
  Dataset empty(TestSchema());
  EXPECT_FALSE(Preprocessor::Fit(empty, {}).ok());
}

TEST(Preprocessor, TransformRejectsDataWithoutAFittedColumn) {
  Preprocessor p = FitOrDie(Train());
  Result<Schema> s =
      Schema::Create("other",
                     {Col("x", ColumnRole::kFeature, ColumnType::kNumeric),
                      Col("y", ColumnRole::kTarget, ColumnType::kCategorical, {"No", "Yes"})},
                     "Yes");
  ASSERT_TRUE(s.ok());
  Dataset d(*s);
  Result<FeatureMatrix> m = p.Transform(d);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.status().message(), HasSubstr("column \"n\" is missing"));
}

TEST(Preprocessor, JsonRoundTripIsBitIdentical) {
  // Values whose shortest decimal form needs all 17 digits.
  std::vector<double> x;
  std::vector<double> n;
  for (int i = 0; i < 50; ++i) {
    x.push_back(std::sqrt(2.0 + i) / 3.0 + 1e-9 * i);
    n.push_back(i % 7 == 0 ? kNaN : std::exp(0.1 * i));
  }
  Dataset d = MakeData(x, n, std::vector<int32_t>(50, 1), {"a", "b"}, std::vector<int32_t>(50, 0));
  Preprocessor p = FitOrDie(d, {.unknown_category = UnknownCategoryPolicy::kError});
  const std::string text = p.ToJson().dump();
  Result<Preprocessor> q = Preprocessor::FromJson(nlohmann::json::parse(text));
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->options().unknown_category, UnknownCategoryPolicy::kError);
  EXPECT_EQ(q->feature_names(), p.feature_names());
  EXPECT_EQ(q->ToJson().dump(), text);
  Result<FeatureMatrix> a = p.Transform(d);
  Result<FeatureMatrix> b = q->Transform(d);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->values().size(), b->values().size());
  EXPECT_EQ(
      std::memcmp(a->values().data(), b->values().data(), a->values().size() * sizeof(double)), 0);
  for (size_t i = 0; i < 2; ++i) {
    // NOLINTNEXTLINE(bugprone-suspicious-memory-comparison): bit-identical, on purpose
    EXPECT_EQ(std::memcmp(&p.columns()[i].mean, &q->columns()[i].mean, sizeof(double)), 0);
    // NOLINTNEXTLINE(bugprone-suspicious-memory-comparison): bit-identical, on purpose
    EXPECT_EQ(std::memcmp(&p.columns()[i].scale, &q->columns()[i].scale, sizeof(double)), 0);
  }
}

TEST(Preprocessor, FromJsonErrorsNameTheField) {
  nlohmann::json j = FitOrDie(Train()).ToJson();
  {
    nlohmann::json bad = j;
    bad["columns"][0]["mean"] = "abc";
    Result<Preprocessor> p = Preprocessor::FromJson(bad);
    ASSERT_FALSE(p.ok());
    EXPECT_THAT(p.status().message(), HasSubstr("\"columns[0].mean\": expected a number"));
  }
  {
    nlohmann::json bad = j;
    bad["columns"][2]["mode"] = "purple";
    EXPECT_THAT(Preprocessor::FromJson(bad).status().message(), HasSubstr("columns[2].mode"));
  }
  {
    nlohmann::json bad = j;
    bad["unknown_category"] = "drop";
    EXPECT_THAT(Preprocessor::FromJson(bad).status().message(), HasSubstr("unknown_category"));
  }
  {
    nlohmann::json bad = j;
    bad["format_version"] = 99;
    EXPECT_THAT(Preprocessor::FromJson(bad).status().message(), HasSubstr("format_version"));
  }
  {
    nlohmann::json bad = j;
    bad["extra"] = 1;
    EXPECT_THAT(Preprocessor::FromJson(bad).status().message(), HasSubstr("\"extra\": unknown"));
  }
  {
    nlohmann::json bad = j;
    bad["columns"][1].erase("scale");
    EXPECT_THAT(Preprocessor::FromJson(bad).status().message(),
                HasSubstr("\"columns[1].scale\": is missing"));
  }
}

TEST(Preprocessor, ConcurrentTransformsMatchASerialOne) {
  std::vector<double> x, n;
  std::vector<int32_t> color, city;
  for (int i = 0; i < 3000; ++i) {
    x.push_back(i % 11 == 0 ? kNaN : 0.5 * i);
    n.push_back(i % 13);
    color.push_back(i % 4 == 3 ? kMissingCode : i % 3);
    city.push_back(i % 2);
  }
  Dataset d = MakeData(x, n, color, {"Paris", "Rome"}, city);
  Preprocessor p = FitOrDie(d);
  Result<FeatureMatrix> serial = p.Transform(d);
  ASSERT_TRUE(serial.ok());
  std::vector<std::vector<double>> results(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < results.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int repeat = 0; repeat < 3; ++repeat) {
        Result<FeatureMatrix> m = p.Transform(d);
        if (m.ok()) results[t] = m->values();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (const std::vector<double>& r : results) EXPECT_EQ(r, serial->values());
}

TEST(Preprocessor, ParsesPolicyNames) {
  EXPECT_EQ(*ParseUnknownCategoryPolicy("error"), UnknownCategoryPolicy::kError);
  EXPECT_EQ(*ParseUnknownCategoryPolicy("ignore"), UnknownCategoryPolicy::kIgnore);
  EXPECT_THAT(ParseUnknownCategoryPolicy("skip").status().message(),
              HasSubstr("valid: \"ignore\", \"error\""));
}

}  // namespace
}  // namespace churnml
