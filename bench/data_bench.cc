// Google Benchmark for the data layer: CSV parsing speed (bytes/s) on a
// generated 100k-row Telco buffer in memory, at three levels — record
// tokenizing, parsing a chunk into a typed, validated Dataset, and the whole
// LoadCsv (chunking, conversion, duplicate-id check) — and the synthetic
// generator's speed (rows/s).
#include <benchmark/benchmark.h>

#include <string>

#include "data/csv_chunk_parser.h"
#include "data/csv_chunk_reader.h"
#include "data/csv_loader.h"
#include "data/csv_record_parser.h"
#include "data/row_converter.h"
#include "data/synthetic_generator.h"

namespace churnml {
namespace {

constexpr int64_t kRows = 100000;

const std::string& Header() {
  static const std::string header = SyntheticGenerator::Header();
  return header;
}

// Generated data rows without the header.
const std::string& Body() {
  static const std::string body = [] {
    SyntheticGenerator g(GeneratorOptions{kRows, 42});
    std::string out;
    while (g.AppendRow(&out)) {
    }
    return out;
  }();
  return body;
}

void BM_CsvTokenize(benchmark::State& state) {
  std::string buffer;
  int64_t records = 0;
  for (auto _ : state) {
    state.PauseTiming();
    buffer = Body();  // the parser may unescape in place
    state.ResumeTiming();
    CsvRecordParser parser(buffer.data(), buffer.size(), 2, "bench.csv");
    CsvRecord record;
    while (*parser.Next(&record)) ++records;
    benchmark::DoNotOptimize(records);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(Body().size()));
  state.counters["rows/s"] =
      benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CsvTokenize)->Unit(benchmark::kMillisecond);

void BM_CsvParseChunk(benchmark::State& state) {
  std::vector<std::string> header;
  {
    CsvChunkReader reader = CsvChunkReader::FromString(Header(), "bench.csv");
    header = *reader.ReadHeader();
  }
  RowConverter converter =
      *RowConverter::Bind(Schema::Telco(), header, TargetPolicy::kRequired, nullptr);
  int64_t rows = 0;
  for (auto _ : state) {
    state.PauseTiming();
    CsvChunk chunk{Body(), 0, 2};
    state.ResumeTiming();
    Result<ChunkParseResult> r = ParseCsvChunk(chunk, converter, "bench.csv");
    rows += static_cast<int64_t>(r->rows.num_rows());
    benchmark::DoNotOptimize(r->rows.num_rows());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(Body().size()));
  state.counters["rows/s"] =
      benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CsvParseChunk)->Unit(benchmark::kMillisecond);

void BM_LoadCsv(benchmark::State& state) {
  const std::string text = Header() + Body();
  for (auto _ : state) {
    state.PauseTiming();
    CsvChunkReader reader = CsvChunkReader::FromString(text, "bench.csv");
    state.ResumeTiming();
    Result<LoadResult> r = LoadCsv(reader, Schema::Telco());
    benchmark::DoNotOptimize(r->rows_kept);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(text.size()));
  state.counters["rows/s"] = benchmark::Counter(static_cast<double>(state.iterations() * kRows),
                                                benchmark::Counter::kIsRate);
}
BENCHMARK(BM_LoadCsv)->Unit(benchmark::kMillisecond)->UseRealTime();  // threaded

void BM_Generate(benchmark::State& state) {
  std::string out;
  out.reserve(size_t{2} << 20);
  int64_t rows = 0;
  for (auto _ : state) {
    SyntheticGenerator g(GeneratorOptions{kRows, 42});
    while (g.AppendRow(&out)) {
      if (out.size() > (size_t{1} << 20)) out.clear();  // as GenerateCsv flushes
    }
    rows += kRows;
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["rows/s"] =
      benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Generate)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace churnml

BENCHMARK_MAIN();
