// libFuzzer target: every input is read as a CSV file against the Telco
// schema, three ways: record by record with tiny chunks, record by record
// with one big chunk, and through the chunk parser with row conversion,
// each chunk both on the fused path and by tokenizing then converting. The
// two record readings must agree (same records, or both fail); the two
// chunk parses must give bit-identical rows, issues and kept fields (or the
// same error); every issue must stay small (values and messages quote input cut
// short); a record over the line limit must be refused. Crashes, sanitizer
// reports, hangs and memory beyond the fuzzer's limit are failures.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
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

bool SameDoubles(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  return a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

// The fused path and tokenize-then-convert must agree exactly.
void RequireSameParse(const Result<ChunkParseResult>& fused, const Result<ChunkParseResult>& old) {
  if (fused.ok() != old.ok()) std::abort();
  if (!old.ok()) {
    if (fused.status().message() != old.status().message()) std::abort();
    return;
  }
  const Dataset& a = fused->rows;
  const Dataset& b = old->rows;
  if (fused->records != old->records || fused->invalid != old->invalid ||
      fused->kept != old->kept || !(fused->issues.issues() == old->issues.issues()) ||
      a.num_rows() != b.num_rows() || a.ids() != b.ids() || a.source_rows() != b.source_rows() ||
      a.target() != b.target()) {
    std::abort();
  }
  for (size_t c = 0; c < a.schema().num_columns(); ++c) {
    if (!SameDoubles(a.column(c).numbers, b.column(c).numbers) ||
        a.column(c).codes != b.column(c).codes || a.column(c).levels != b.column(c).levels) {
      std::abort();
    }
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
    CsvChunk copy = **chunk;
    ChunkParseOptions fused_options;
    if (converter.num_fields() > 1) fused_options.keep_fields = {0, converter.num_fields() - 1};
    ChunkParseOptions old_options = fused_options;
    old_options.path = ChunkParseOptions::RecordPath::kTokenizeThenConvert;
    Result<ChunkParseResult> parsed = ParseCsvChunk(**chunk, converter, "fuzz.csv", fused_options);
    RequireSameParse(parsed, ParseCsvChunk(copy, converter, "fuzz.csv", old_options));
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
