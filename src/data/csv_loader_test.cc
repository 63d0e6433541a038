#include "data/csv_loader.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/strings.h"

namespace churnml {
namespace {

const char kHeader[] =
    "customerID,gender,SeniorCitizen,Partner,Dependents,tenure,PhoneService,MultipleLines,"
    "InternetService,OnlineSecurity,OnlineBackup,DeviceProtection,TechSupport,StreamingTV,"
    "StreamingMovies,Contract,PaperlessBilling,PaymentMethod,MonthlyCharges,TotalCharges,Churn\n";
const char kRow1[] =
    "7590-VHVEG,Female,0,Yes,No,1,No,No phone service,DSL,No,Yes,No,No,No,No,Month-to-month,Yes,"
    "Electronic check,29.85,29.85,No\n";
const char kRow2[] =
    "5575-GNVDE,Male,0,No,No,34,Yes,No,DSL,Yes,No,Yes,No,No,No,One year,No,Mailed check,56.95,"
    "1889.5,No\n";
const char kNewCustomer[] =
    "4472-LVYGI,Female,0,Yes,Yes,0,No,No phone service,DSL,Yes,Yes,Yes,Yes,Yes,No,Two year,Yes,"
    "\"Bank transfer (automatic)\",52.55, ,No\n";

// kRow1 with field `index` replaced by `value`.
std::string Row1With(size_t index, const std::string& value) {
  std::vector<std::string_view> fields = Split(Trim(kRow1), ',');
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    out += i == index ? std::string_view(value) : fields[i];
  }
  return out + "\n";
}

Result<LoadResult> Load(std::string text, LoadOptions options = {}) {
  options.invalid_rows = options.invalid_rows;
  CsvChunkReader reader = CsvChunkReader::FromString(std::move(text), "t.csv", {64});
  return LoadCsv(reader, Schema::Telco(), options);
}

LoadOptions Drop() {
  LoadOptions o;
  o.invalid_rows = InvalidRowPolicy::kDrop;
  return o;
}

// The only issue of loading kHeader + `row` with kDrop.
ValidationIssue OnlyIssue(const std::string& row) {
  Result<LoadResult> r = Load(std::string(kHeader) + row, Drop());
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok() || r->issues.issues().size() != 1) {
    ADD_FAILURE() << "expected one issue";
    return {};
  }
  EXPECT_EQ(r->rows_dropped, 1);
  EXPECT_EQ(r->dataset.num_rows(), 0u);
  return r->issues.issues()[0];
}

TEST(CsvLoader, LoadsValidRowsWithTypedColumns) {
  Result<LoadResult> r = Load(std::string(kHeader) + kRow1 + kRow2 + kNewCustomer);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Dataset& d = r->dataset;
  const Schema& s = Schema::Telco();
  ASSERT_EQ(d.num_rows(), 3u);
  EXPECT_EQ(r->rows_read, 3);
  EXPECT_EQ(r->rows_kept, 3);
  EXPECT_EQ(d.ids(), (std::vector<std::string>{"7590-VHVEG", "5575-GNVDE", "4472-LVYGI"}));
  EXPECT_EQ(d.column(*s.IndexOf("tenure")).numbers, (std::vector<double>{1, 34, 0}));
  EXPECT_EQ(d.column(*s.IndexOf("Contract")).codes, (std::vector<int32_t>{0, 1, 2}));
  EXPECT_EQ(d.column(*s.IndexOf("PaymentMethod")).codes, (std::vector<int32_t>{0, 1, 2}));
  const std::vector<double>& total = d.column(*s.IndexOf("TotalCharges")).numbers;
  EXPECT_EQ(total[1], 1889.5);
  EXPECT_TRUE(std::isnan(total[2]));  // " " is missing
  EXPECT_EQ(d.target(), (std::vector<uint8_t>{0, 0, 0}));
  EXPECT_EQ(d.source_rows(), (std::vector<int64_t>{1, 2, 3}));
}

TEST(CsvLoader, ColumnsMayComeInAnyOrder) {
  std::string text =
      "Churn,customerID,gender,SeniorCitizen,Partner,Dependents,tenure,PhoneService,MultipleLines,"
      "InternetService,OnlineSecurity,OnlineBackup,DeviceProtection,TechSupport,StreamingTV,"
      "StreamingMovies,Contract,PaperlessBilling,PaymentMethod,MonthlyCharges,TotalCharges\n"
      "Yes,7590-VHVEG,Female,0,Yes,No,1,No,No phone service,DSL,No,Yes,No,No,No,No,"
      "Month-to-month,Yes,Electronic check,29.85,29.85\n";
  Result<LoadResult> r = Load(text);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->dataset.target(), (std::vector<uint8_t>{1}));
  EXPECT_EQ(r->dataset.column(*Schema::Telco().IndexOf("MonthlyCharges")).numbers[0], 29.85);
}

TEST(CsvLoader, MissingTargetColumnIsAllowedWhenOptional) {
  std::string header(kHeader);
  header.resize(header.size() - std::string(",Churn\n").size());
  std::string row(kRow1);
  row.resize(row.size() - std::string(",No\n").size());
  LoadOptions o;
  o.target = TargetPolicy::kOptional;
  Result<LoadResult> r = Load(header + "\n" + row + "\n", o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->dataset.num_rows(), 1u);
  EXPECT_FALSE(r->dataset.has_target());
}

TEST(CsvLoader, WrongHeaderListsExpectedAndFound) {
  Result<LoadResult> r = Load("customerID,gender,tenur\n1,Male,3\n");
  ASSERT_FALSE(r.ok());
  const std::string m = r.status().message();
  EXPECT_EQ(m.rfind("t.csv: header does not match schema \"telco\": unknown column \"tenur\" "
                    "(did you mean \"tenure\"?) (expected columns: customerID, gender, "
                    "SeniorCitizen,",
                    0),
            0u)
      << m;
  EXPECT_NE(m.find("; missing columns \"SeniorCitizen\", "), std::string::npos) << m;
  EXPECT_NE(m.find(", \"tenure\", "), std::string::npos) << m;
  EXPECT_NE(m.find("(found 3 columns: customerID, gender, tenur)"), std::string::npos) << m;
}

// An 8 MB header once gave a message that repeated all of it for each of
// the 21 missing columns (and about 100 times its size in memory).
TEST(CsvLoader, LongHeaderGivesAShortMessage) {
  const std::string header(3 << 20, 'a');
  Result<LoadResult> r = Load(header + "\n1\n");
  ASSERT_FALSE(r.ok());
  const std::string m = r.status().message();
  EXPECT_LT(m.size(), 1500u) << m.substr(0, 2000);
  EXPECT_NE(m.find("(found 1 column: aaaa"), std::string::npos);
  EXPECT_NE(m.find("\u2026)"), std::string::npos);
}

TEST(CsvLoader, ManyUnknownColumnsAreCountedNotListed) {
  std::string header(kHeader);
  header.pop_back();  // the line feed
  for (int i = 0; i < 10'000; ++i) header += ",extra" + std::to_string(i);
  Result<LoadResult> r = Load(header + "\n");
  ASSERT_FALSE(r.ok());
  const std::string m = r.status().message();
  EXPECT_LT(m.size(), 1500u);
  EXPECT_NE(m.find("; and 9,995 more"), std::string::npos) << m;
}

TEST(CsvLoader, InvalidValuesAreQuotedShortInMessagesAndIssues) {
  // tenure (field 6) holds a megabyte of digits and a letter: not an integer.
  const ValidationIssue issue = OnlyIssue(Row1With(5, std::string(1 << 20, '9') + "x"));
  EXPECT_EQ(issue.rule, "type");
  EXPECT_LT(issue.message.size(), 200u) << issue.message;
  EXPECT_LE(issue.value.size(), kMaxIssueValueBytes + 3);
}

TEST(CsvLoader, HeaderProblemsAreIssuesWhenDropping) {
  std::string header(kHeader);
  header.insert(header.size() - 1, ",gender");
  Result<LoadResult> r = Load(header + kRow1, Drop());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->issues.issues().size(), 1u);
  const ValidationIssue& issue = r->issues.issues()[0];
  EXPECT_EQ(issue.row, 0);
  EXPECT_EQ(issue.rule, "header");
  EXPECT_EQ(issue.column, "gender");
  EXPECT_EQ(issue.message, "header: column \"gender\" appears twice (fields 2 and 22)");
}

TEST(CsvLoader, TooFewColumns) {
  ValidationIssue i = OnlyIssue("7590-VHVEG,Female,0\n");
  EXPECT_EQ(i.rule, "column_count");
  EXPECT_EQ(i.message, "row 1: expected 21 columns, found 3");
}

TEST(CsvLoader, TooManyColumns) {
  std::string row(kRow1);
  row.insert(row.size() - 1, ",extra");
  ValidationIssue i = OnlyIssue(row);
  EXPECT_EQ(i.rule, "column_count");
  EXPECT_EQ(i.message, "row 1: expected 21 columns, found 22");
}

TEST(CsvLoader, NonIntegerValue) {
  ValidationIssue i = OnlyIssue(Row1With(5, "abc"));
  EXPECT_EQ(i, (ValidationIssue{1, "tenure", "abc", "type",
                                "row 1, column \"tenure\": \"abc\" is not an integer"}));
}

TEST(CsvLoader, FractionIsNotAnInteger) {
  ValidationIssue i = OnlyIssue(Row1With(5, "1.5"));
  EXPECT_EQ(i.message, "row 1, column \"tenure\": \"1.5\" is not an integer");
}

TEST(CsvLoader, NonNumericValue) {
  ValidationIssue i = OnlyIssue(Row1With(18, "cheap"));
  EXPECT_EQ(i.message, "row 1, column \"MonthlyCharges\": \"cheap\" is not a number");
  EXPECT_EQ(i.rule, "type");
}

TEST(CsvLoader, OutOfRangeValue) {
  ValidationIssue i = OnlyIssue(Row1With(5, "80"));
  EXPECT_EQ(i, (ValidationIssue{1, "tenure", "80", "range",
                                "row 1, column \"tenure\": \"80\" is outside the range [0, 72]"}));
}

TEST(CsvLoader, UnknownCategoryListsAllowedValues) {
  ValidationIssue i = OnlyIssue(Row1With(15, "Monthly"));
  EXPECT_EQ(i, (ValidationIssue{1, "Contract", "Monthly", "category",
                                "row 1, column \"Contract\": \"Monthly\" is not an allowed value "
                                "(allowed: \"Month-to-month\", \"One year\", \"Two year\")"}));
}

TEST(CsvLoader, MissingValueInNonNullableColumn) {
  ValidationIssue i = OnlyIssue(Row1With(18, " "));
  EXPECT_EQ(i, (ValidationIssue{1, "MonthlyCharges", " ", "missing",
                                "row 1, column \"MonthlyCharges\": missing value (the column is "
                                "not nullable)"}));
}

TEST(CsvLoader, BadTargetValue) {
  ValidationIssue i = OnlyIssue(Row1With(20, "Maybe"));
  EXPECT_EQ(i, (ValidationIssue{1, "Churn", "Maybe", "target",
                                "row 1, column \"Churn\": \"Maybe\" is not a target value "
                                "(expected \"No\", \"Yes\")"}));
}

TEST(CsvLoader, DuplicateIdNamesTheFirstRow) {
  Result<LoadResult> r = Load(std::string(kHeader) + kRow1 + kRow2 + kRow1, Drop());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->issues.issues().size(), 1u);
  EXPECT_EQ(
      r->issues.issues()[0],
      (ValidationIssue{3, "customerID", "7590-VHVEG", "duplicate_id",
                       "row 3, column \"customerID\": \"7590-VHVEG\" repeats the id of row 1"}));
  EXPECT_EQ(r->rows_kept, 2);
  EXPECT_EQ(r->rows_dropped, 1);
}

TEST(IdRegistry, ReportsTheFirstRowOfEveryRepeatExactly) {
  IdRegistry ids;
  constexpr int kIds = 300000;
  for (int i = 0; i < kIds; ++i) {
    ASSERT_EQ(ids.Insert("id-" + std::to_string(i), i + 1), 0) << i;
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(kIds));
  // Every repeat names its first row, after the table grew many times;
  // near-identical ids (one byte apart, a prefix, empty) stay distinct.
  for (int i = 0; i < kIds; i += 997) {
    EXPECT_EQ(ids.Insert("id-" + std::to_string(i), kIds + 1 + i), i + 1) << i;
  }
  EXPECT_EQ(ids.Insert("id-", kIds * 3), 0);
  EXPECT_EQ(ids.Insert("", kIds * 3 + 1), 0);
  EXPECT_EQ(ids.Insert("", kIds * 3 + 2), kIds * 3 + 1);
  EXPECT_EQ(ids.Insert("id-1", kIds * 3 + 3), 2);
  // Row numbers past 32 bits survive.
  EXPECT_EQ(ids.Insert("late", int64_t{1} << 40), 0);
  EXPECT_EQ(ids.Insert("late", (int64_t{1} << 40) + 1), int64_t{1} << 40);
}

TEST(IdRegistry, HoldsAnIdInAboutItsLengthPlusTwentyFiveBytes) {
  IdRegistry ids;
  constexpr int kIds = 200000;
  for (int i = 0; i < kIds; ++i) ids.Insert("0000-" + std::to_string(1000000 + i), i + 1);
  // 12-byte ids: entries of 16 bytes in the arena, at most 1.875 slots of
  // 8 bytes each (80% load after a 1.5× growth), and one partly filled block.
  EXPECT_LT(ids.memory_bytes(), size_t{kIds} * (16 + 15) + (size_t{1} << 20));
}

TEST(IdRegistry, AnIdLongerThanABlockGetsItsOwnBlock) {
  IdRegistry ids;
  const std::string big(3 << 20, 'x');
  EXPECT_EQ(ids.Insert("a", 1), 0);
  EXPECT_EQ(ids.Insert(big, 2), 0);
  EXPECT_EQ(ids.Insert("b", 3), 0);
  EXPECT_EQ(ids.Insert(big, 4), 2);
  EXPECT_EQ(ids.Insert("a", 5), 1);
  EXPECT_EQ(ids.Insert("b", 6), 3);
}

TEST(CsvLoader, RowNumbersCountAcrossChunks) {
  std::string text(kHeader);
  for (int i = 0; i < 30; ++i) {
    text += Row1With(0, "id-" + std::to_string(i));
  }
  text += Row1With(5, "-1");
  Result<LoadResult> r = Load(text, Drop());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->issues.issues().size(), 1u);
  EXPECT_EQ(r->issues.issues()[0].row, 31);
  EXPECT_EQ(r->issues.issues()[0].message,
            "row 31, column \"tenure\": \"-1\" is outside the range [0, 72]");
  EXPECT_EQ(r->dataset.num_rows(), 30u);
  EXPECT_EQ(r->dataset.source_rows().back(), 30);
}

TEST(CsvLoader, FailPolicyQuotesTheFirstIssues) {
  Result<LoadResult> r = Load(std::string(kHeader) + kRow1 + Row1With(5, "x") + Row1With(18, "y"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "t.csv: 2 problems found: row 2, column \"tenure\": \"x\" is not an integer; row 3, "
            "column \"MonthlyCharges\": \"y\" is not a number");
}

TEST(CsvLoader, MaxIssuesKeepsCountingAll) {
  std::string text(kHeader);
  for (int i = 0; i < 5; ++i) text += Row1With(5, "x");
  LoadOptions o = Drop();
  o.max_issues = 2;
  Result<LoadResult> r = Load(text, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->issues.issues().size(), 2u);
  EXPECT_EQ(r->issues.count(), 5);
  EXPECT_TRUE(r->issues.truncated());
}

TEST(CsvLoader, UnterminatedQuoteFailsNamingTheLine) {
  Result<LoadResult> r = Load(std::string(kHeader) + kRow2 + "\"7590-VHVEG,Female\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "t.csv:3: unterminated quoted field (a '\"' opened here is never closed)");
}

TEST(CsvLoader, ReadsTestdataFileWithBomCrLfAndBlankLines) {
  Result<LoadResult> r = LoadCsv(
      std::string(CHURNML_SOURCE_DIR) + "/src/data/testdata/telco_small.csv", Schema::Telco());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->dataset.num_rows(), 3u);
  EXPECT_EQ(r->dataset.ids()[2], "4472-LVYGI");
}

TEST(RowConverter, ConvertsNamedRecord) {
  RowConverter conv = RowConverter::ForSchema(Schema::Telco(), TargetPolicy::kIgnore);
  std::vector<std::string_view> values = Split(Trim(kRow1), ',');
  std::vector<std::pair<std::string, std::string>> record;
  for (size_t c = 0; c + 1 < values.size(); ++c) {
    record.emplace_back(Schema::Telco().column(c).name, std::string(values[c]));
  }
  Dataset d(Schema::Telco());
  IssueList issues;
  EXPECT_TRUE(conv.ConvertNamed(record, 1, &d, &issues));
  EXPECT_EQ(d.num_rows(), 1u);
  EXPECT_EQ(d.ids()[0], "7590-VHVEG");

  record.emplace_back("favourite_colour", "blue");
  EXPECT_FALSE(conv.ConvertNamed(record, 2, &d, &issues));
  ASSERT_EQ(issues.issues().size(), 1u);
  EXPECT_EQ(issues.issues()[0].rule, "header");
  EXPECT_EQ(issues.issues()[0].column, "favourite_colour");
}

TEST(RowConverter, AbsentNamedFieldIsMissing) {
  RowConverter conv = RowConverter::ForSchema(Schema::Telco(), TargetPolicy::kIgnore);
  std::vector<std::string_view> values = Split(Trim(kRow1), ',');
  std::vector<std::pair<std::string, std::string>> record;
  for (size_t c = 0; c + 1 < values.size(); ++c) {
    if (Schema::Telco().column(c).name == "tenure") continue;
    record.emplace_back(Schema::Telco().column(c).name, std::string(values[c]));
  }
  Dataset d(Schema::Telco());
  IssueList issues;
  EXPECT_FALSE(conv.ConvertNamed(record, 1, &d, &issues));
  ASSERT_EQ(issues.issues().size(), 1u);
  EXPECT_EQ(issues.issues()[0].message,
            "row 1, column \"tenure\": missing value (the column is not nullable)");
}

}  // namespace
}  // namespace churnml

namespace churnml {
namespace {

TEST(RowConverter, CollidingVocabularyStillResolvesEveryCategory) {
  ColumnSpec c;
  c.name = "code";
  c.type = ColumnType::kCategorical;
  c.categories = {"abc", "axc", "b"};  // "abc" and "axc" share size and end bytes
  Result<Schema> s = Schema::Create("t", {c}, "");
  ASSERT_TRUE(s.ok());
  RowConverter conv = RowConverter::ForSchema(*s, TargetPolicy::kIgnore);
  Dataset d(*s);
  IssueList issues;
  for (std::string v : {"axc", "abc", "b", "ayc"}) {
    conv.ConvertNamed({{"code", v}}, 1, &d, &issues);
  }
  EXPECT_EQ(d.column(0).codes, (std::vector<int32_t>{1, 0, 2}));
  ASSERT_EQ(issues.count(), 1);
  EXPECT_EQ(issues.issues()[0].rule, "category");
}

}  // namespace
}  // namespace churnml
