// libFuzzer target: every input is read as a CSV file against the Telco
// schema, three ways: record by record with tiny chunks, record by record
// with one big chunk, and through the parallel chunk parser with row
// conversion. The two record readings must agree (same records, or both
// fail); every issue must stay small (values and messages quote input cut
// short); a record over the line limit must be refused. Crashes, sanitizer
// reports, hangs and memory beyond the fuzzer's limit are failures.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "data/csv_chunk_parser.h"
#include "data/csv_chunk_reader.h"
#include "data/csv_loader.h"
#include "data/csv_reader.h"
#include "data/row_converter.h"
#include "data/schema.h"

namespace {

using namespace churnml;

constexpr size_t kMaxLineBytes = 4096;

struct Reading {
  bool ok = true;
  std::vector<std::vector<std::string>> records;  // header first
};

Reading ReadAll(const std::string& text, size_t chunk_bytes) {
  Reading out;
  CsvReader reader = CsvReader::FromString(text, "fuzz.csv", {chunk_bytes, kMaxLineBytes});
  Result<std::vector<std::string>> header = reader.ReadHeader();
  if (!header.ok()) {
    out.ok = false;
    return out;
  }
  out.records.push_back(*header);
  CsvRecord record;
  while (true) {
    Result<bool> got = reader.Next(&record);
    if (!got.ok()) {
      out.ok = false;
      return out;
    }
    if (!*got) return out;
    size_t bytes = 0;
    for (std::string_view f : record.fields) bytes += f.size() + 1;
    if (bytes > kMaxLineBytes + 1) std::abort();  // over the limit yet accepted
    out.records.emplace_back(record.fields.begin(), record.fields.end());
  }
}

void RequireSmallIssues(const IssueList& issues) {
  for (const ValidationIssue& issue : issues.issues()) {
    if (issue.value.size() > kMaxIssueValueBytes + 3) std::abort();
    if (issue.message.size() > 4 * kMaxIssueValueBytes + 3) std::abort();
  }
}

void ParseChunks(const std::string& text) {
  CsvChunkReader reader = CsvChunkReader::FromString(text, "fuzz.csv", {97, kMaxLineBytes});
  Result<std::vector<std::string>> header = reader.ReadHeader();
  if (!header.ok()) return;
  IssueList header_issues;
  Result<RowConverter> bound =
      RowConverter::Bind(Schema::Telco(), *header, TargetPolicy::kOptional, &header_issues);
  RequireSmallIssues(header_issues);
  if (!bound.ok() && bound.status().message().size() > 2000) std::abort();
  const RowConverter converter =
      bound.ok() ? *bound : RowConverter::ForSchema(Schema::Telco(), TargetPolicy::kOptional);
  int64_t base = 0;
  while (true) {
    Result<std::optional<CsvChunk>> chunk = reader.Next();
    if (!chunk.ok() || !chunk->has_value()) return;
    Result<ChunkParseResult> parsed = ParseCsvChunk(**chunk, converter, "fuzz.csv");
    if (!parsed.ok()) return;
    if (static_cast<int64_t>(parsed->rows.num_rows()) + parsed->invalid != parsed->records) {
      std::abort();
    }
    RebaseRows(&*parsed, base);
    base += parsed->records;
    RequireSmallIssues(parsed->issues);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const Reading small = ReadAll(text, 7);
  const Reading big = ReadAll(text, size_t{1} << 20);
  if (small.ok != big.ok) std::abort();
  if (small.ok && small.records != big.records) std::abort();
  ParseChunks(text);
  return 0;
}
