#include "data/schema.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace churnml {
namespace {

ColumnSpec Col(std::string name, ColumnRole role, ColumnType type,
               std::vector<std::string> categories = {}) {
  ColumnSpec c;
  c.name = std::move(name);
  c.role = role;
  c.type = type;
  c.categories = std::move(categories);
  return c;
}

TEST(Schema, TelcoHasTheDesignColumnsInOrder) {
  const Schema& s = Schema::Telco();
  std::vector<std::string> names;
  for (const ColumnSpec& c : s.columns()) names.push_back(c.name);
  EXPECT_EQ(
      names,
      (std::vector<std::string>{
          "customerID",   "gender",           "SeniorCitizen", "Partner",         "Dependents",
          "tenure",       "PhoneService",     "MultipleLines", "InternetService", "OnlineSecurity",
          "OnlineBackup", "DeviceProtection", "TechSupport",   "StreamingTV",     "StreamingMovies",
          "Contract",     "PaperlessBilling", "PaymentMethod", "MonthlyCharges",  "TotalCharges",
          "Churn"}));
  EXPECT_EQ(s.id_index(), 0u);
  EXPECT_EQ(s.target_index(), 20u);
  EXPECT_EQ(s.feature_indices().size(), 19u);
  EXPECT_EQ(s.positive_label(), "Yes");
  EXPECT_EQ(s.negative_label(), "No");
  const ColumnSpec& tenure = s.column(*s.IndexOf("tenure"));
  EXPECT_EQ(tenure.type, ColumnType::kInteger);
  EXPECT_EQ(tenure.min, 0.0);
  EXPECT_EQ(tenure.max, 72.0);
  EXPECT_TRUE(s.column(*s.IndexOf("TotalCharges")).nullable);
  EXPECT_FALSE(s.column(*s.IndexOf("MonthlyCharges")).nullable);
  EXPECT_EQ(s.column(*s.IndexOf("PaymentMethod")).categories,
            (std::vector<std::string>{"Electronic check", "Mailed check",
                                      "Bank transfer (automatic)", "Credit card (automatic)"}));
}

TEST(Schema, CreateRejectsDuplicateColumn) {
  ColumnSpec a = Col("x", ColumnRole::kFeature, ColumnType::kNumeric);
  Result<Schema> s = Schema::Create("t", {a, a}, "");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(), "column \"x\" is listed twice");
}

TEST(Schema, CreateRejectsPositiveLabelOutsideTargetCategories) {
  ColumnSpec t = Col("y", ColumnRole::kTarget, ColumnType::kCategorical, {"a", "b"});
  Result<Schema> s = Schema::Create("t", {t}, "c");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(),
            "positive label \"c\" is not a category of target column \"y\" (expected \"a\" or "
            "\"b\")");
}

TEST(Schema, CreateRejectsMinAboveMax) {
  ColumnSpec a = Col("x", ColumnRole::kFeature, ColumnType::kNumeric);
  a.min = 2.0;
  a.max = 1.0;
  Result<Schema> s = Schema::Create("t", {a}, "");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(), "column \"x\": min is greater than max");
}

TEST(Schema, JsonRoundTripIsExact) {
  nlohmann::json j = Schema::Telco().ToJson();
  Result<Schema> back = Schema::FromJson(nlohmann::json::parse(j.dump()));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(*back == Schema::Telco());
}

TEST(Schema, FromJsonRejectsUnknownKey) {
  nlohmann::json j = Schema::Telco().ToJson();
  j["columns"][2]["colour"] = "red";
  Result<Schema> s = Schema::FromJson(j);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(), "schema columns[2]: unknown key \"colour\"");
}

TEST(Schema, YamlFileOfTelcoEqualsBuiltIn) {
  Result<Schema> s =
      Schema::FromYamlFile(CHURNML_SOURCE_DIR "/src/data/testdata/telco_schema.yaml");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(*s == Schema::Telco());
}

TEST(Schema, YamlUnknownColumnKeyNamesKeyAndLine) {
  Result<Schema> s = Schema::FromYamlString(R"(name: t
columns:
  - name: age
    type: integer
    maxx: 3
)",
                                            "s.yaml");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(),
            "s.yaml:5: columns[0] (\"age\"): unknown key \"maxx\" (expected name, role, type, "
            "categories, min, max, nullable)");
}

TEST(Schema, YamlBadTypeListsTheValidOnes) {
  Result<Schema> s = Schema::FromYamlString("columns:\n  - name: a\n    type: text\n", "s.yaml");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(),
            "s.yaml:3: columns[0] (\"a\").type: unknown type \"text\" (expected numeric, integer "
            "or categorical)");
}

TEST(Schema, YamlMissingTypeIsAnError) {
  Result<Schema> s = Schema::FromYamlString("columns:\n  - name: a\n", "s.yaml");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(), "s.yaml:2: columns[0] (\"a\"): missing key \"type\"");
}

TEST(Schema, YamlNonNumericMinNamesTheKey) {
  Result<Schema> s =
      Schema::FromYamlString("columns:\n  - name: a\n    type: numeric\n    min: low\n", "s.yaml");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(), "s.yaml:4: columns[0] (\"a\").min: \"low\" is not a number");
}

TEST(Schema, YamlUnknownTopLevelKey) {
  Result<Schema> s = Schema::FromYamlString("colums: []\n", "s.yaml");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(),
            "s.yaml:1: unknown key \"colums\" (expected name, positive_label, extra_columns, columns)");
}

TEST(Schema, YamlSyntaxErrorNamesTheLine) {
  Result<Schema> s = Schema::FromYamlString("columns: [\n", "s.yaml");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("s.yaml:"), std::string::npos);
}

TEST(Schema, YamlMissingFileIsIOError) {
  Result<Schema> s = Schema::FromYamlFile("/nonexistent/schema.yaml");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kIOError);
}

}  // namespace
}  // namespace churnml
