#include "data/csv_writer.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "data/csv_reader.h"

namespace churnml {
namespace {

std::filesystem::path TempDir() {
  const char* dir = std::getenv("CHURNML_TEST_TMPDIR");
  std::filesystem::path p = dir != nullptr ? dir : std::filesystem::temp_directory_path();
  p /= "data_writer_test";
  std::filesystem::create_directories(p);
  return p;
}

TEST(CsvWriter, QuotesOnlyFieldsThatNeedIt) {
  std::string out;
  for (std::string_view f : {"plain", "a,b", "say \"hi\"", "two\nlines", " pad", ""}) {
    AppendCsvField(&out, f);
    out.push_back('|');
  }
  EXPECT_EQ(out, "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"|\" pad\"||");
}

TEST(CsvWriter, WrittenFileReadsBackTheSameFields) {
  std::filesystem::path path = TempDir() / "roundtrip.csv";
  std::filesystem::remove(path);
  Result<CsvWriter> w = CsvWriter::Open(path.string());
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  std::vector<std::vector<std::string_view>> rows = {
      {"id", "note"}, {"1", "a,b"}, {"2", "quote \" and\r\nCRLF"}, {"3", ""}};
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) line.push_back(',');
      AppendCsvField(&line, row[i]);
    }
    ASSERT_TRUE(w->WriteRaw(line + "\n").ok());
  }
  EXPECT_FALSE(std::filesystem::exists(path));  // only after Finish
  ASSERT_TRUE(w->Finish().ok());

  Result<CsvReader> r = CsvReader::Open(path.string());
  ASSERT_TRUE(r.ok());
  Result<std::vector<std::string>> header = r->ReadHeader();
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(*header, (std::vector<std::string>{"id", "note"}));
  CsvRecord record;
  for (size_t i = 1; i < rows.size(); ++i) {
    ASSERT_TRUE(*r->Next(&record));
    EXPECT_EQ(record.fields, rows[i]);
  }
  EXPECT_FALSE(*r->Next(&record));
}

TEST(CsvWriter, UnfinishedFileLeavesNothing) {
  std::filesystem::path dir = TempDir() / "unfinished";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    Result<CsvWriter> w = CsvWriter::Open((dir / "out.csv").string());
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE(w->WriteRaw("a,b\n").ok());
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir));
}

}  // namespace
}  // namespace churnml
