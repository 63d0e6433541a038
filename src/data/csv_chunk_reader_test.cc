#include "data/csv_chunk_reader.h"

#include <gtest/gtest.h>

#include "data/csv_reader.h"

namespace churnml {
namespace {

using Records = std::vector<std::vector<std::string>>;

Records ReadStreaming(const std::string& text, size_t chunk_bytes) {
  CsvReader reader = CsvReader::FromString(text, "t.csv", {chunk_bytes});
  Records out;
  Result<std::vector<std::string>> header = reader.ReadHeader();
  EXPECT_TRUE(header.ok()) << header.status().ToString();
  out.push_back(*header);
  CsvRecord record;
  while (true) {
    Result<bool> got = reader.Next(&record);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    if (!got.ok() || !*got) break;
    out.emplace_back(record.fields.begin(), record.fields.end());
  }
  return out;
}

TEST(CsvChunkReader, ChunksEndOnRecordBoundariesOutsideQuotes) {
  std::string text = "h1,h2\n1,\"a\nb\nc\"\n2,\"x,\"\"y\"\"\nz\"\n3,plain\n";
  CsvChunkReader reader = CsvChunkReader::FromString(text, "t.csv", {4});
  ASSERT_TRUE(reader.ReadHeader().ok());
  std::vector<std::string> chunks;
  while (true) {
    Result<std::optional<CsvChunk>> c = reader.Next();
    ASSERT_TRUE(c.ok());
    if (!*c) break;
    EXPECT_EQ((*c)->index, static_cast<int64_t>(chunks.size()));
    chunks.push_back((*c)->bytes);
  }
  EXPECT_EQ(chunks,
            (std::vector<std::string>{"1,\"a\nb\nc\"\n", "2,\"x,\"\"y\"\"\nz\"\n", "3,plain\n"}));
}

TEST(CsvChunkReader, ChunkedReadingEqualsOneChunk) {
  std::string text = "\xEF\xBB\xBFid,note\r\n";
  for (int i = 0; i < 200; ++i) {
    text += std::to_string(i) + ",\"line one\nline \"\"two\"\", with comma\"\r\n";
    if (i % 7 == 0) text += "\n";
    text += std::to_string(i) + "b,plain\n";
  }
  text += "last,no newline";
  Records whole = ReadStreaming(text, 1 << 20);
  ASSERT_EQ(whole.size(), 402u);
  EXPECT_EQ(whole[0], (std::vector<std::string>{"id", "note"}));
  EXPECT_EQ(whole[1][1], "line one\nline \"two\", with comma");
  for (size_t chunk : {1, 3, 7, 16, 50, 333}) {
    EXPECT_EQ(ReadStreaming(text, chunk), whole) << "chunk size " << chunk;
  }
}

TEST(CsvChunkReader, ChunkFirstLineCountsEarlierLines) {
  CsvChunkReader reader = CsvChunkReader::FromString("h\n\n1\n\"2\n2\"\n3\n", "t.csv", {2});
  ASSERT_TRUE(reader.ReadHeader().ok());
  std::vector<int64_t> first_lines;
  while (true) {
    Result<std::optional<CsvChunk>> c = reader.Next();
    ASSERT_TRUE(c.ok());
    if (!*c) break;
    first_lines.push_back((*c)->first_line);
  }
  EXPECT_EQ(first_lines, (std::vector<int64_t>{2, 3, 4, 6}));
}

TEST(CsvChunkReader, EmptyFileHasNoHeader) {
  CsvChunkReader reader = CsvChunkReader::FromString("\n\n", "t.csv");
  Result<std::vector<std::string>> h = reader.ReadHeader();
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().message(), "t.csv: the file is empty (no header)");
}

TEST(CsvChunkReader, StripsByteOrderMarkFromFile) {
  std::string path = std::string(CHURNML_SOURCE_DIR) + "/src/data/testdata/bom_crlf.csv";
  Result<CsvReader> reader = CsvReader::Open(path, {8});
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  Result<std::vector<std::string>> h = reader->ReadHeader();
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(*h, (std::vector<std::string>{"a", "b"}));
  CsvRecord record;
  ASSERT_TRUE(*reader->Next(&record));
  EXPECT_EQ(std::vector<std::string>(record.fields.begin(), record.fields.end()),
            (std::vector<std::string>{"1", "x,y"}));
  EXPECT_FALSE(*reader->Next(&record));
}

TEST(CsvChunkReader, MissingFileIsIOErrorNamingIt) {
  Result<CsvChunkReader> r = CsvChunkReader::Open("/nonexistent/x.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIOError);
  EXPECT_EQ(r.status().message(), "cannot open /nonexistent/x.csv: No such file or directory");
}

// Reads every chunk; returns the first error.
Status DrainChunks(CsvChunkReader& reader) {
  Result<std::vector<std::string>> header = reader.ReadHeader();
  if (!header.ok()) return header.status();
  while (true) {
    Result<std::optional<CsvChunk>> chunk = reader.Next();
    if (!chunk.ok()) return chunk.status();
    if (!chunk->has_value()) return Status::Ok();
  }
}

TEST(CsvChunkReader, RefusesAHeaderLongerThanTheLimit) {
  CsvChunkReaderOptions options{1 << 10, 1 << 16};
  CsvChunkReader reader =
      CsvChunkReader::FromString(std::string(1 << 17, 'a') + "\n1\n", "t.csv", options);
  Result<std::vector<std::string>> header = reader.ReadHeader();
  ASSERT_FALSE(header.ok());
  EXPECT_EQ(header.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(header.status().message(),
            "t.csv:1: a record longer than 65,536 bytes (the limit for one CSV line)");
}

TEST(CsvChunkReader, RefusesALongRecordWhereverItIsAndNamesItsLine) {
  for (size_t chunk_bytes : {size_t{16}, size_t{1} << 10, size_t{1} << 20}) {
    std::string text = "h1,h2\n1,a\n2,b\n";
    text += "3," + std::string(5000, 'x') + "\n4,c\n";
    CsvChunkReader reader = CsvChunkReader::FromString(text, "t.csv", {chunk_bytes, 4096});
    Status s = DrainChunks(reader);
    ASSERT_FALSE(s.ok()) << "chunk_bytes " << chunk_bytes;
    EXPECT_EQ(s.message(), "t.csv:4: a record longer than 4,096 bytes (the limit for one CSV line)")
        << "chunk_bytes " << chunk_bytes;
  }
}

TEST(CsvChunkReader, CountsLineBreaksInsideQuotesTowardsTheRecord) {
  std::string text = "h1,h2\n1,\"";
  for (int i = 0; i < 1000; ++i) text += "ten bytes\n";
  text += "\"\n";
  CsvChunkReader reader = CsvChunkReader::FromString(text, "t.csv", {64, 4096});
  Status s = DrainChunks(reader);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("t.csv:2: a record longer than 4,096"), std::string::npos)
      << s.message();
}

TEST(CsvChunkReader, AcceptsRecordsUpToTheLimit) {
  std::string text = "h1,h2\n1," + std::string(4094, 'x') + "\n2,y\n";
  for (size_t chunk_bytes : {size_t{16}, size_t{1} << 20}) {
    CsvChunkReader reader = CsvChunkReader::FromString(text, "t.csv", {chunk_bytes, 4096});
    EXPECT_TRUE(DrainChunks(reader).ok());
  }
}

// A 100 MB line once grew the reader to gigabytes: the reader now stops
// after reading about the limit from a file.
TEST(CsvChunkReader, StopsReadingAFileAtTheLimit) {
  const std::string path = ::testing::TempDir() + "/churnml-long-line.csv";
  {
    FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    const std::string block(1 << 20, 'a');
    for (int i = 0; i < 64; ++i) std::fwrite(block.data(), 1, block.size(), f);
    std::fclose(f);
  }
  Result<CsvChunkReader> reader = CsvChunkReader::Open(path, {1 << 20, 4 << 20});
  ASSERT_TRUE(reader.ok());
  Result<std::vector<std::string>> header = reader->ReadHeader();
  ASSERT_FALSE(header.ok());
  EXPECT_LE(reader->bytes_read(), int64_t{16} << 20);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace churnml
