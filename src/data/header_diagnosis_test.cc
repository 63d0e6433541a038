#include "data/header_diagnosis.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/strings.h"
#include "data/row_converter.h"

namespace churnml {
namespace {

std::vector<std::string> TelcoNames() {
  std::vector<std::string> names;
  for (const ColumnSpec& c : Schema::Telco().columns()) names.push_back(c.name);
  return names;
}

TEST(DiagnoseHeader, AcceptsACommaSeparatedUtf8Header) {
  EXPECT_EQ(DiagnoseHeader(TelcoNames(), Schema::Telco()), std::nullopt);
  EXPECT_EQ(DiagnoseHeader({"a", "b", "c"}, Schema::Telco()), std::nullopt);
}

TEST(DiagnoseHeader, NamesASemicolonDelimiter) {
  const size_t n = Schema::Telco().num_columns();
  std::optional<std::string> d = DiagnoseHeader({Join(TelcoNames(), ";")}, Schema::Telco());
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(*d, "the header looks ';'-separated (split at ';' it holds " + std::to_string(n) +
                    " of the " + std::to_string(n) +
                    " expected columns); churnml reads comma-separated files: convert it first");
}

TEST(DiagnoseHeader, NamesATabDelimiter) {
  std::optional<std::string> d = DiagnoseHeader({Join(TelcoNames(), "\t")}, Schema::Telco());
  ASSERT_TRUE(d.has_value());
  EXPECT_NE(d->find("looks tab-separated"), std::string::npos) << *d;
}

TEST(DiagnoseHeader, NamesUtf16WithAByteOrderMark) {
  // "\xFF\xFE" then "c\0u\0..." as the CSV reader splits it at the commas.
  std::vector<std::string> header = {std::string("\xFF\xFE"
                                                 "c\0u\0s\0",
                                                 8),
                                     std::string("\0t\0e\0n\0", 7)};
  std::optional<std::string> d = DiagnoseHeader(header, Schema::Telco());
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(*d,
            "the file looks encoded as UTF-16 (little-endian, with a byte-order mark); churnml "
            "reads UTF-8: convert it first, e.g. iconv -f UTF-16 -t UTF-8 IN > OUT");
}

TEST(DiagnoseHeader, NamesNulBytesWithoutAByteOrderMark) {
  std::optional<std::string> d = DiagnoseHeader({std::string("c\0u\0", 4), "x"}, Schema::Telco());
  ASSERT_TRUE(d.has_value());
  EXPECT_NE(d->find("NUL bytes"), std::string::npos);
}

TEST(ClosestColumn, SuggestsTheRenamedColumn) {
  EXPECT_EQ(ClosestColumn("Tenure", Schema::Telco()), "tenure");
  EXPECT_EQ(ClosestColumn("Region", Schema::Telco()), std::nullopt);
}

TEST(RowConverterBind, FailsWithOneLineForASemicolonHeader) {
  IssueList issues(100);
  Result<RowConverter> r = RowConverter::Bind(Schema::Telco(), {Join(TelcoNames(), ";")},
                                              TargetPolicy::kRequired, &issues);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().find("header looks ';'-separated"), 4u);
  EXPECT_EQ(issues.count(), 1);
}

TEST(RowConverterBind, SuggestsTheColumnARenamedHeaderMeant) {
  std::vector<std::string> header = TelcoNames();
  for (std::string& name : header) {
    if (name == "tenure") name = "Tenure";
  }
  Result<RowConverter> r =
      RowConverter::Bind(Schema::Telco(), header, TargetPolicy::kRequired, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("unknown column \"Tenure\" (did you mean \"tenure\"?)"),
            std::string::npos)
      << r.status().message();
}

TEST(RowConverterBind, ReadsPastExtraColumnsWhenTheSchemaIgnoresThem) {
  std::vector<std::string> header = TelcoNames();
  header.insert(header.begin() + 3, "Region");
  EXPECT_FALSE(RowConverter::Bind(Schema::Telco(), header, TargetPolicy::kRequired, nullptr).ok());
  Schema lenient = Schema::Telco().WithExtraColumns(ExtraColumns::kIgnore);
  Result<RowConverter> r = RowConverter::Bind(lenient, header, TargetPolicy::kRequired, nullptr);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->num_fields(), header.size());
}

TEST(SchemaExtraColumns, ReadsFromYamlAndRoundTripsThroughJson) {
  Result<Schema> s = Schema::FromYamlString(
      "name: t\npositive_label: yes\nextra_columns: ignore\ncolumns:\n"
      "  - {name: id, role: id}\n  - {name: x, type: numeric}\n"
      "  - {name: y, role: target, categories: [no, yes]}\n",
      "t.yaml");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->extra_columns(), ExtraColumns::kIgnore);
  Result<Schema> back = Schema::FromJson(s->ToJson());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_TRUE(*back == *s);
  EXPECT_FALSE(Schema::Telco().ToJson().contains("extra_columns"));
  EXPECT_FALSE(
      Schema::FromYamlString("extra_columns: maybe\ncolumns: [{name: x}]\n", "b.yaml").ok());
}

}  // namespace
}  // namespace churnml
