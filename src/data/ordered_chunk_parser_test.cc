#include "data/ordered_chunk_parser.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <thread>

#include "data/csv_loader.h"
#include "data/ordered_chunk_pipeline.h"
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

// Workers finish in a random order (each sleeps a random 0–3 ms, so later
// chunks often overtake earlier ones); the sink must still see every chunk
// once, in file order, with never more than 2 × threads chunks in flight.
TEST(ChunkPipeline, KeepsInputOrderUnderRandomWorkerDelays) {
  std::string text = "n\n";
  for (int i = 0; i < 4000; ++i) text += std::to_string(i) + "\n";
  for (int threads : {1, 2, 5}) {
    CsvChunkReader reader = CsvChunkReader::FromString(text, "n.csv", {256});
    ASSERT_TRUE(reader.ReadHeader().ok());
    std::mutex mu;
    std::mt19937 random(static_cast<uint32_t>(threads));
    int64_t started = 0;
    int64_t sunk = 0;
    int64_t max_in_flight = 0;
    const std::function<Result<std::string>(CsvChunk&)> work =
        [&](CsvChunk& chunk) -> Result<std::string> {
      int delay_us = 0;
      {
        std::lock_guard<std::mutex> lock(mu);
        delay_us = static_cast<int>(random() % 3000);
        ++started;
        max_in_flight = std::max(max_in_flight, started - sunk);
      }
      std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
      return std::to_string(chunk.index) + ":" + chunk.bytes;
    };
    std::string out;
    int64_t next_index = 0;
    const std::function<Status(std::string&)> sink = [&](std::string& result) {
      const std::string prefix = std::to_string(next_index++) + ":";
      if (result.rfind(prefix, 0) != 0)
        return InternalError("out of order: " + result.substr(0, 8));
      out += result.substr(prefix.size());
      std::lock_guard<std::mutex> lock(mu);
      ++sunk;
      return Status::Ok();
    };
    ChunkPipelineOptions options;
    options.threads = threads;
    Status s = RunChunkPipeline(reader, options, work, sink);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_GT(next_index, 50);
    EXPECT_EQ(out, text.substr(2)) << threads << " threads";
    EXPECT_LE(max_in_flight, 2 * threads) << threads << " threads";
  }
}

TEST(ChunkPipeline, WorkerErrorStopsThePipelineAndIsReturned) {
  std::string text = "n\n";
  for (int i = 0; i < 2000; ++i) text += std::to_string(i) + "\n";
  CsvChunkReader reader = CsvChunkReader::FromString(text, "n.csv", {128});
  ASSERT_TRUE(reader.ReadHeader().ok());
  int64_t sunk = 0;
  const std::function<Result<int64_t>(CsvChunk&)> work = [](CsvChunk& chunk) -> Result<int64_t> {
    if (chunk.index == 7) return InvalidArgumentError("chunk 7 is bad");
    return chunk.index;
  };
  const std::function<Status(int64_t&)> sink = [&](int64_t& index) {
    EXPECT_EQ(index, sunk);
    ++sunk;
    return Status::Ok();
  };
  ChunkPipelineOptions options;
  options.threads = 3;
  Status s = RunChunkPipeline(reader, options, work, sink);
  EXPECT_EQ(s.message(), "chunk 7 is bad");
  EXPECT_LE(sunk, 7);
}

}  // namespace
}  // namespace churnml
