#include "data/ordered_chunk_parser.h"

#include <gtest/gtest.h>

#include "data/csv_loader.h"
#include "data/synthetic_generator.h"

namespace churnml {
namespace {

std::string Generated(int64_t rows) {
  SyntheticGenerator g(GeneratorOptions{rows, 9});
  std::string out = SyntheticGenerator::Header();
  while (g.AppendRow(&out)) {
  }
  return out;
}

Result<LoadResult> LoadWith(const std::string& text, int threads, size_t chunk_bytes) {
  CsvChunkReader reader = CsvChunkReader::FromString(text, "t.csv", {chunk_bytes});
  LoadOptions o;
  o.invalid_rows = InvalidRowPolicy::kDrop;
  o.threads = threads;
  return LoadCsv(reader, Schema::Telco(), o);
}

TEST(OrderedChunkParser, ThreadedLoadEqualsSequentialLoad) {
  std::string text = Generated(3000);
  // Plant problems in a few rows so issue order and row numbers are checked.
  for (size_t pos : {size_t{5000}, size_t{90000}, size_t{300000}}) {
    size_t line = text.find('\n', pos) + 1;
    size_t comma = text.find(',', line);
    text.insert(comma, ",extra");
  }
  Result<LoadResult> one = LoadWith(text, 1, 4096);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(one->issues.count(), 3);
  for (int threads : {2, 4}) {
    Result<LoadResult> many = LoadWith(text, threads, 4096);
    ASSERT_TRUE(many.ok()) << many.status().ToString();
    EXPECT_EQ(many->issues.issues(), one->issues.issues());
    EXPECT_EQ(many->dataset.ids(), one->dataset.ids());
    EXPECT_EQ(many->dataset.source_rows(), one->dataset.source_rows());
    EXPECT_EQ(many->dataset.target(), one->dataset.target());
    EXPECT_EQ(many->rows_kept, one->rows_kept);
  }
}

TEST(OrderedChunkParser, ParserErrorStopsAllThreads) {
  std::string text = Generated(2000) + "\"unterminated,\n";
  Result<LoadResult> r = LoadWith(text, 3, 2048);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "t.csv:2002: unterminated quoted field (a '\"' opened here is never closed)");
}

TEST(OrderedChunkParser, ConsumerErrorIsReturned) {
  std::string text = Generated(500);
  CsvChunkReader reader = CsvChunkReader::FromString(text, "t.csv", {1024});
  Result<std::vector<std::string>> header = reader.ReadHeader();
  ASSERT_TRUE(header.ok());
  Result<RowConverter> conv =
      RowConverter::Bind(Schema::Telco(), *header, TargetPolicy::kRequired, nullptr);
  ASSERT_TRUE(conv.ok());
  int calls = 0;
  Status s = ParseChunksInOrder(reader, *conv, {2, 10}, [&](ChunkParseResult&) {
    return ++calls == 3 ? InternalError("stop here") : Status::Ok();
  });
  EXPECT_EQ(s.message(), "stop here");
  EXPECT_EQ(calls, 3);
}

}  // namespace
}  // namespace churnml
