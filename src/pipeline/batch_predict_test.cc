#include "pipeline/batch_predict.h"

#include <gtest/gtest.h>

#include <sstream>

#include "common/strings.h"
#include "data/csv_loader.h"
#include "data/csv_record_parser.h"
#include "data/csv_writer.h"
#include "pipeline/test_support.h"
#include "pipeline/train.h"

namespace churnml {
namespace {

class BatchPredictTest : public testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    ASSERT_TRUE(RegisterBuiltinModels(registry_).ok());
    TrainOptions options;
    options.data_path = Generate("train.csv", 3000, 3);
    options.out_dir = dir_ / "model";
    TrainReport report;
    ASSERT_TRUE(Train(options, registry_, &report).ok());
    auto artifact = ModelArtifact::Load(dir_ / "model", registry_);
    ASSERT_TRUE(artifact.ok());
    artifact_ = *artifact;
    input_ = Generate("input.csv", 2500, 4);
  }

  std::vector<std::vector<std::string>> ReadRows(const std::filesystem::path& path) {
    std::vector<std::vector<std::string>> rows;
    std::istringstream in(*ReadFile(path));
    std::string line;
    while (std::getline(in, line)) {
      std::vector<std::string> fields;
      for (auto f : Split(line, ',')) fields.emplace_back(f);
      rows.push_back(std::move(fields));
    }
    return rows;
  }

  ModelRegistry registry_;
  std::shared_ptr<const ModelArtifact> artifact_;
  std::string input_;
};

// Small chunks and several threads: output must still be in input order
// and equal to scoring the whole file at once.
TEST_F(BatchPredictTest, ParallelChunkedOutputMatchesWholeFileScoringInOrder) {
  PredictOptions options;
  options.input_path = input_;
  options.output_path = dir_ / "scored.csv";
  options.threads = 3;
  options.chunk_bytes = 4096;
  PredictReport report;
  Status s = PredictBatch(*artifact_, options, &report);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(report.rows_read, 2500);
  EXPECT_EQ(report.rows_scored, 2500);
  EXPECT_EQ(report.rows_rejected, 0);

  auto loaded = LoadCsv(input_, Schema::Telco());
  ASSERT_TRUE(loaded.ok());
  std::vector<double> expected;
  ASSERT_TRUE(artifact_->PredictProba(loaded->dataset, &expected).ok());
  auto rows = ReadRows(options.output_path);
  ASSERT_EQ(rows.size(), 2501u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"customerID", "probability", "prediction"}));
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_EQ(rows[i + 1][0], loaded->dataset.ids()[i]);
    ASSERT_EQ(*ParseDouble(rows[i + 1][1]), expected[i]) << "row " << i + 1;  // exact round trip
    ASSERT_EQ(rows[i + 1][2], expected[i] >= 0.5 ? "1" : "0");
  }
}

TEST_F(BatchPredictTest, InvalidRowsGoToRejectsWithAbsoluteRowNumbers) {
  std::string text = *ReadFile(input_);
  // Make data row 2000 invalid: replace its tenure with "abc".
  size_t pos = 0;
  for (int line = 0; line < 2000; ++line) pos = text.find('\n', pos) + 1;
  size_t field = pos;
  for (int i = 0; i < 5; ++i) field = text.find(',', field) + 1;
  text.replace(field, text.find(',', field) - field, "abc");
  std::string bad = (dir_ / "bad.csv").string();
  ASSERT_TRUE(WriteFileAtomically(bad, text).ok());

  PredictOptions options;
  options.input_path = bad;
  options.output_path = dir_ / "scored.csv";
  options.threads = 2;
  options.chunk_bytes = 8192;
  PredictReport report;
  ASSERT_TRUE(PredictBatch(*artifact_, options, &report).ok());
  EXPECT_EQ(report.rows_scored, 2499);
  EXPECT_EQ(report.rows_rejected, 1);
  auto rejects = ReadRows(dir_ / "scored.csv.rejects.csv");
  ASSERT_EQ(rejects.size(), 2u);
  EXPECT_EQ(rejects[1][0], "2000");
  EXPECT_EQ(rejects[1][1], "tenure");
  EXPECT_EQ(rejects[1][2], "abc");
  EXPECT_EQ(rejects[1][3], "type");
}

TEST_F(BatchPredictTest, HeaderThatDoesNotFitTheSchemaFailsWithoutOutput) {
  std::string bad = (dir_ / "bad.csv").string();
  ASSERT_TRUE(WriteFileAtomically(bad, "a,b,c\n1,2,3\n").ok());
  PredictOptions options;
  options.input_path = bad;
  options.output_path = dir_ / "scored.csv";
  PredictReport report;
  Status s = PredictBatch(*artifact_, options, &report);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(options.output_path));
}

TEST_F(BatchPredictTest, MalformedQuotingFailsAndLeavesNoOutput) {
  std::string text = *ReadFile(input_) + "\"unterminated,Male\n";
  std::string bad = (dir_ / "bad.csv").string();
  ASSERT_TRUE(WriteFileAtomically(bad, text).ok());
  PredictOptions options;
  options.input_path = bad;
  options.output_path = dir_ / "scored.csv";
  options.chunk_bytes = 4096;
  PredictReport report;
  Status s = PredictBatch(*artifact_, options, &report);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("2502"), std::string::npos) << s.message();  // the line
  EXPECT_FALSE(std::filesystem::exists(options.output_path));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "scored.csv.rejects.csv"));
}

// The output used to be renamed into place before the rejects file failed.
TEST_F(BatchPredictTest, UnwritableRejectsLeaveNoOutputAndNoTemporary) {
  PredictOptions options;
  options.input_path = input_;
  options.output_path = dir_ / "scored.csv";
  options.rejects_path = "/dev/full";
  PredictReport report;
  Status s = PredictBatch(*artifact_, options, &report);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("/dev/full"), std::string::npos) << s.message();
  EXPECT_FALSE(std::filesystem::exists(options.output_path));
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename().string().find(".scored.csv.tmp-"), std::string::npos)
        << entry.path();
  }
}

TEST_F(BatchPredictTest, ALineLongerThanTheLimitFailsNamingIt) {
  std::string text = *ReadFile(input_);
  text.insert(text.find('\n', text.size() / 2) + 1, std::string(5000, 'x') + "\n");
  std::string bad = (dir_ / "long.csv").string();
  ASSERT_TRUE(WriteFileAtomically(bad, text).ok());
  PredictOptions options;
  options.input_path = bad;
  options.output_path = dir_ / "scored.csv";
  options.max_line_bytes = 4096;
  PredictReport report;
  Status s = PredictBatch(*artifact_, options, &report);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("a record longer than 4,096 bytes"), std::string::npos)
      << s.message();
  EXPECT_FALSE(std::filesystem::exists(options.output_path));
}

TEST_F(BatchPredictTest, RejectsFileThatIsTheOutputIsRefused) {
  PredictOptions options;
  options.input_path = input_;
  options.output_path = dir_ / "scored.csv";
  options.rejects_path = dir_ / "scored.csv";
  PredictReport report;
  EXPECT_EQ(PredictBatch(*artifact_, options, &report).code(), StatusCode::kInvalidArgument);
}

// Appends a "Region" column after the header's 3rd column: CSV-quoted text
// with commas, quotes and a line break on some rows. Returns each data row's
// Region text (unquoted) and tenure text, and makes data row `bad_row`
// invalid (tenure "abc").
std::vector<std::string> AddRegionColumn(const std::string& in_path, const std::string& out_path,
                                         int64_t bad_row,
                                         std::vector<std::string>* tenures = nullptr) {
  std::istringstream in(*ReadFile(in_path));
  std::string line, out;
  std::vector<std::string> regions;
  int64_t row = -1;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    for (auto f : Split(line, ',')) fields.emplace_back(f);
    std::string region;
    if (row < 0) {
      region = "Region";
    } else {
      static const char* kRegions[] = {"north", "south, \"east\"", "two\nlines", ""};
      region = kRegions[row % 4];
      regions.push_back(region);
      if (tenures != nullptr) tenures->push_back(fields[5]);
      if (row + 1 == bad_row) fields[5] = "abc";
    }
    fields.insert(fields.begin() + 3, region);
    std::string record;
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) record.push_back(',');
      AppendCsvField(&record, fields[i]);
    }
    out += record + "\n";
    ++row;
  }
  EXPECT_TRUE(WriteFileAtomically(out_path, out).ok());
  return regions;
}

// Every record of a CSV file, parsed as CSV (quotes and line breaks).
std::vector<std::vector<std::string>> ParseCsvFile(const std::filesystem::path& path) {
  std::string text = *ReadFile(path);
  CsvRecordParser parser(text.data(), text.size(), 1, path.string());
  std::vector<std::vector<std::string>> rows;
  CsvRecord record;
  while (true) {
    Result<bool> got = parser.Next(&record);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    if (!got.ok() || !*got) break;
    rows.emplace_back(record.fields.begin(), record.fields.end());
  }
  return rows;
}

// Kept columns travel through parallel chunks with their own rows: the
// output holds them between the id and the score, quoted where CSV needs,
// rejected rows leave no gap, and the scores equal a run without them.
TEST_F(BatchPredictTest, KeepColumnsCopiesInputTextBesideTheScoreInOrder) {
  const std::string region_csv = (dir_ / "region.csv").string();
  std::vector<std::string> tenures;
  std::vector<std::string> regions = AddRegionColumn(input_, region_csv, 1000, &tenures);
  PredictOptions options;
  options.input_path = region_csv;
  options.output_path = dir_ / "kept.csv";
  options.threads = 3;
  options.chunk_bytes = 4096;
  options.keep_columns = {"customerID", "tenure", "Region"};
  PredictReport report;
  Status s = PredictBatch(*artifact_, options, &report);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(report.rows_scored, 2499);
  EXPECT_EQ(report.rows_rejected, 1);
  EXPECT_EQ(report.kept_columns, (std::vector<std::string>{"tenure", "Region"}));

  PredictOptions plain = options;
  plain.input_path = input_;
  plain.output_path = dir_ / "plain.csv";
  plain.keep_columns.clear();
  ASSERT_TRUE(PredictBatch(*artifact_, plain, &report).ok());
  auto loaded = LoadCsv(input_, Schema::Telco());
  ASSERT_TRUE(loaded.ok());

  auto kept = ParseCsvFile(options.output_path);
  auto scores = ParseCsvFile(plain.output_path);
  ASSERT_EQ(kept.size(), 2500u);
  ASSERT_EQ(scores.size(), 2501u);
  EXPECT_EQ(kept[0], (std::vector<std::string>{"customerID", "tenure", "Region", "probability",
                                               "prediction"}));
  size_t out = 1;
  for (size_t i = 0; i < regions.size(); ++i) {
    if (i + 1 == 1000) continue;  // the rejected row
    ASSERT_EQ(kept[out].size(), 5u) << "output row " << out;
    EXPECT_EQ(kept[out][0], loaded->dataset.ids()[i]);
    EXPECT_EQ(kept[out][1], tenures[i]) << "row " << i;
    EXPECT_EQ(kept[out][2], regions[i]) << "row " << i;
    EXPECT_EQ(kept[out][3], scores[i + 1][1]) << "row " << i;
    EXPECT_EQ(kept[out][4], scores[i + 1][2]) << "row " << i;
    ++out;
  }
  EXPECT_EQ(out, kept.size());
}

TEST_F(BatchPredictTest, UnknownKeepColumnNamesTheFlagAndTheClosestColumn) {
  PredictOptions options;
  options.input_path = input_;
  options.output_path = dir_ / "scored.csv";
  options.keep_columns = {"tenure", "Tenur"};
  PredictReport report;
  Status s = PredictBatch(*artifact_, options, &report);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "--keep-columns: no column \"Tenur\" in " + input_ + "; did you mean \"tenure\"?");
  EXPECT_FALSE(std::filesystem::exists(options.output_path));
  options.keep_columns = {"Region"};
  s = PredictBatch(*artifact_, options, &report);
  EXPECT_EQ(s.message(), "--keep-columns: no column \"Region\" in " + input_);
}

TEST_F(BatchPredictTest, KeepColumnsNamedTwiceOrLikeAnOutputColumnAreRefused) {
  PredictOptions options;
  options.input_path = input_;
  options.output_path = dir_ / "scored.csv";
  options.keep_columns = {"tenure", "gender", "tenure"};
  PredictReport report;
  Status s = PredictBatch(*artifact_, options, &report);
  EXPECT_EQ(s.message(), "--keep-columns: \"tenure\" is named twice");
  options.keep_columns = {"probability"};
  s = PredictBatch(*artifact_, options, &report);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("\"probability\" is a column predict writes"), std::string::npos)
      << s.message();
}

// Without --keep-columns an extra input column is still a header error.
TEST_F(BatchPredictTest, AnExtraColumnIsReadPastOnlyWhenKept) {
  const std::string region_csv = (dir_ / "region.csv").string();
  AddRegionColumn(input_, region_csv, 0);
  PredictOptions options;
  options.input_path = region_csv;
  options.output_path = dir_ / "scored.csv";
  PredictReport report;
  Status s = PredictBatch(*artifact_, options, &report);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("unknown column \"Region\""), std::string::npos) << s.message();
}

}  // namespace
}  // namespace churnml
