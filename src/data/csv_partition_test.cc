#include "data/csv_partition.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace churnml {
namespace {

namespace fs = std::filesystem;

class CsvPartitionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("csv_partition_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& text) {
    const fs::path path = dir_ / "in.csv";
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }
  // Every chunk of `range`, read in place, concatenated.
  static std::string ReadRange(const std::string& path, const CsvByteRange& range,
                               int64_t* first_line = nullptr) {
    CsvChunkReaderOptions options;
    options.chunk_bytes = 7;
    options.range_begin = range.begin;
    options.range_end = range.end;
    options.range_first_line = range.first_line;
    Result<CsvChunkReader> reader = CsvChunkReader::Open(path, options);
    EXPECT_TRUE(reader.ok());
    EXPECT_TRUE(reader->ReadHeader().ok());
    std::string out;
    for (;;) {
      Result<std::optional<CsvChunk>> chunk = reader->Next();
      EXPECT_TRUE(chunk.ok()) << chunk.status().ToString();
      if (!chunk.ok() || !*chunk) break;
      if (first_line != nullptr && out.empty()) *first_line = (*chunk)->first_line;
      out += (*chunk)->bytes;
    }
    return out;
  }
  fs::path dir_;
};

TEST_F(CsvPartitionTest, RangesCoverEveryRecordOnceAndNeverSplitAQuotedLineBreak) {
  std::string body;
  for (int i = 0; i < 6000; ++i) {
    body += std::to_string(i) + (i % 7 == 0 ? ",\"two\nlines\"\n" : ",plain\n");
  }
  const std::string path = Write("\xEF\xBB\xBFid,text\n" + body);
  Result<CsvPartitionPlan> plan = PlanCsvPartitions(path, 5);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->header_end, 3 + 8);
  ASSERT_GE(plan->ranges.size(), 4u);
  ASSERT_LE(plan->ranges.size(), 5u);
  std::string joined;
  int64_t expected_begin = plan->header_end;
  for (const CsvByteRange& r : plan->ranges) {
    EXPECT_EQ(r.begin, expected_begin);
    EXPECT_LT(r.begin, r.end);
    expected_begin = r.end;
    const std::string part = ReadRange(path, r);
    // Each range starts a record: a number, never the second line of a field.
    EXPECT_NE(part.rfind("lines", 0), 0u);
    EXPECT_EQ(part.back(), '\n');
    // Its first line number is the physical line of its first byte.
    const int64_t newlines_before =
        std::count(body.begin(), body.begin() + (r.begin - plan->header_end), '\n');
    EXPECT_EQ(r.first_line, 2 + newlines_before);
    joined += part;
  }
  EXPECT_EQ(expected_begin, plan->file_bytes);
  EXPECT_EQ(joined, body);
}

TEST_F(CsvPartitionTest, AFileWithOnlyAHeaderIsOneEmptyRange) {
  const std::string path = Write("id,text\n");
  Result<CsvPartitionPlan> plan = PlanCsvPartitions(path, 8);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->ranges.size(), 1u);
  EXPECT_EQ(plan->ranges[0].begin, 8);
  EXPECT_EQ(plan->ranges[0].end, 8);
  EXPECT_EQ(ReadRange(path, plan->ranges[0]), "");
}

TEST_F(CsvPartitionTest, RefusesStandardInputAndOutOfRangeCounts) {
  EXPECT_EQ(PlanCsvPartitions("-", 2).status().code(), StatusCode::kInvalidArgument);
  const std::string path = Write("a\n1\n");
  EXPECT_EQ(PlanCsvPartitions(path, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(PlanCsvPartitions(path, kMaxCsvPartitions + 1).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(PlanCsvPartitions((dir_ / "missing.csv").string(), 2).status().code(),
            StatusCode::kIOError);
}

TEST_F(CsvPartitionTest, AReaderRefusesARangeOfStandardInput) {
  CsvChunkReaderOptions options;
  options.range_end = 10;
  EXPECT_EQ(CsvChunkReader::Open("-", options).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace churnml
