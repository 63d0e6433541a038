#include "serving/api/column_decoder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "data/schema.h"
#include "serving/api/json_parse.h"

namespace churnml::serving {
namespace {

using ::testing::HasSubstr;

// The first element of the JSON array `text` (parsed by the thread's parser:
// valid until the next parse).
simdjson::dom::element First(const std::string& text) {
  ApiResult<simdjson::dom::element> doc = internal::ParseJson(text);
  EXPECT_TRUE(doc.ok()) << text;
  simdjson::dom::element e;
  EXPECT_EQ(doc->at(0).get(e), simdjson::SUCCESS);
  return e;
}

ColumnSpec Spec(std::string name, ColumnRole role, ColumnType type) {
  ColumnSpec spec;
  spec.name = std::move(name);
  spec.role = role;
  spec.type = type;
  return spec;
}

// An id, an open-vocabulary category, a bounded integer and a target.
Schema OpenSchema() {
  ColumnSpec city = Spec("city", ColumnRole::kFeature, ColumnType::kCategorical);
  city.nullable = true;
  ColumnSpec age = Spec("age", ColumnRole::kFeature, ColumnType::kInteger);
  age.min = 0;
  age.max = 130;
  ColumnSpec target = Spec("y", ColumnRole::kTarget, ColumnType::kCategorical);
  target.categories = {"No", "Yes"};
  Result<Schema> schema = Schema::Create(
      "open", {Spec("id", ColumnRole::kId, ColumnType::kCategorical), city, age, target}, "Yes");
  EXPECT_TRUE(schema.ok()) << schema.status().message();
  return *schema;
}

class ColumnDecoderTest : public ::testing::Test {
 protected:
  const Schema& telco_ = Schema::Telco();
  ColumnDecoder decoder_{telco_};
  size_t Col(std::string_view name) { return *telco_.IndexOf(name); }
};

TEST_F(ColumnDecoderTest, CategoriesBecomeTheirSchemaLevelIndex) {
  const size_t payment = Col("PaymentMethod");
  const std::vector<std::string>& levels = telco_.column(payment).categories;
  for (size_t k = 0; k < levels.size(); ++k) {
    EXPECT_EQ(decoder_.FindCategory(payment, levels[k]), static_cast<int32_t>(k)) << levels[k];
  }
  EXPECT_EQ(decoder_.FindCategory(payment, "Cash"), kMissingCode);
  EXPECT_EQ(decoder_.FindCategory(payment, "Electronic chec"), kMissingCode);
  EXPECT_EQ(decoder_.FindCategory(payment, ""), kMissingCode);

  int32_t code = kMissingCode;
  std::string_view text;
  EXPECT_EQ(decoder_.ReadCategory(Col("Contract"), First(R"([" Two year "])"), &code, &text), "");
  EXPECT_EQ(code, 2);  // blanks around a level are trimmed, as in CSV
  EXPECT_THAT(decoder_.ReadCategory(Col("Contract"), First(R"(["Weekly"])"), &code, &text),
              HasSubstr(R"("Weekly" is not an allowed value (allowed: "Month-to-month",)"));
  EXPECT_EQ(decoder_.ReadCategory(Col("Contract"), First("[3]"), &code, &text),
            "expected a string, got a number");
  EXPECT_EQ(decoder_.ReadCategory(Col("Contract"), First(R"([""])"), &code, &text),
            "missing value (the column is not nullable)");
}

TEST_F(ColumnDecoderTest, NumbersStayNumbersAndAreRangeChecked) {
  double v = 0;
  EXPECT_EQ(decoder_.ReadNumber(Col("MonthlyCharges"), First("[29.85]"), &v), "");
  EXPECT_EQ(v, 29.85);
  EXPECT_EQ(decoder_.ReadNumber(Col("tenure"), First("[72]"), &v), "");
  EXPECT_EQ(v, 72.0);
  EXPECT_EQ(decoder_.ReadNumber(Col("tenure"), First("[3.0]"), &v), "");
  EXPECT_EQ(v, 3.0);
  EXPECT_EQ(decoder_.ReadNumber(Col("tenure"), First("[73]"), &v),
            "\"73\" is outside the range [0, 72]");
  EXPECT_EQ(decoder_.ReadNumber(Col("tenure"), First("[1.5]"), &v), "1.5 is not an integer");
  EXPECT_EQ(decoder_.ReadNumber(Col("tenure"), First("[true]"), &v),
            "expected a number, got a boolean");
}

TEST_F(ColumnDecoderTest, NumericStringsAreParsedOnceAndBlankIsMissingWhenNullable) {
  double v = 0;
  EXPECT_EQ(decoder_.ReadNumber(Col("TotalCharges"), First(R"(["+1889.5"])"), &v), "");
  EXPECT_EQ(v, 1889.5);
  EXPECT_EQ(decoder_.ReadNumber(Col("TotalCharges"), First(R"([" "])"), &v), "");
  EXPECT_TRUE(std::isnan(v));
  EXPECT_EQ(decoder_.ReadNumber(Col("TotalCharges"), First(R"(["abc"])"), &v),
            "\"abc\" is not a number");
  EXPECT_EQ(decoder_.ReadNumber(Col("TotalCharges"), First(R"(["inf"])"), &v),
            "\"inf\" is not a number");
  EXPECT_EQ(decoder_.ReadNumber(Col("tenure"), First(R"(["1.0"])"), &v),
            "\"1.0\" is not an integer");
  EXPECT_EQ(decoder_.ReadNumber(Col("tenure"), First(R"([""])"), &v),
            "missing value (the column is not nullable)");
}

TEST_F(ColumnDecoderTest, CommitAppendsOneTypedRow) {
  Dataset rows(telco_);
  TypedRow row;
  row.Reset(telco_.num_columns());
  ASSERT_EQ(decoder_.Read(Col("tenure"), First("[12]"), &row), "");
  ASSERT_EQ(decoder_.Read(Col("Contract"), First(R"(["One year"])"), &row), "");
  decoder_.Commit(row, "C-1", 7, &rows);
  ASSERT_EQ(rows.num_rows(), 1u);
  EXPECT_EQ(rows.ids()[0], "C-1");
  EXPECT_EQ(rows.source_rows()[0], 7);
  EXPECT_EQ(rows.column(Col("tenure")).numbers[0], 12.0);
  EXPECT_EQ(rows.column(Col("Contract")).codes[0], 1);
  // Columns not read stay missing.
  EXPECT_TRUE(std::isnan(rows.column(Col("MonthlyCharges")).numbers[0]));
  EXPECT_EQ(rows.column(Col("gender")).codes[0], kMissingCode);
}

TEST(ColumnDecoderOpen, OpenVocabularyLevelsAreAddedInOrderOfFirstSight) {
  const Schema schema = OpenSchema();
  ColumnDecoder decoder(schema);
  Dataset rows(schema);
  TypedRow row;
  for (const char* city : {R"(["Oslo"])", R"(["Lima"])", R"(["Oslo"])", R"([" "])"}) {
    row.Reset(schema.num_columns());
    ASSERT_EQ(decoder.Read(1, First(city), &row), "");
    ASSERT_EQ(decoder.Read(2, First("[40]"), &row), "");
    decoder.Commit(row, "x", 1, &rows);
  }
  const ColumnData& city = rows.column(1);
  EXPECT_EQ(city.levels, (std::vector<std::string>{"Oslo", "Lima"}));
  EXPECT_EQ(city.codes, (std::vector<int32_t>{0, 1, 0, kMissingCode}));
  double v = 0;
  EXPECT_EQ(decoder.ReadNumber(2, First("[131]"), &v), "\"131\" is outside the range [0, 130]");
}

}  // namespace
}  // namespace churnml::serving
