#include "data/csv_chunk_parser.h"

#include "data/csv_record_parser.h"

namespace churnml {

Result<ChunkParseResult> ParseCsvChunk(CsvChunk& chunk, const RowConverter& converter,
                                       const std::string& source_name,
                                       const ChunkParseOptions& options) {
  ChunkParseResult result{Dataset(converter.schema()), IssueList(options.max_issues), 0, 0, {}};
  // Telco rows are about 140 bytes; a good guess avoids regrowth.
  result.rows.Reserve(chunk.bytes.size() / 128 + 1);
  CsvRecordParser parser(chunk.bytes.data(), chunk.bytes.size(), chunk.first_line, source_name);
  CsvRecord record;
  RowScratch scratch;
  const bool fused = options.path == ChunkParseOptions::RecordPath::kFused;
  while (true) {
    if (fused) {
      const char* next =
          converter.ConvertPlainRecord(parser.position(), parser.end(), result.records + 1,
                                       &result.rows, &scratch, options.keep_fields, &result.kept);
      if (next != nullptr) {
        ++result.records;
        parser.SkipPlainRecord(next);
        continue;
      }
    }
    // Anything but a plain valid record (or the end): tokenize, then convert.
    CHURNML_ASSIGN_OR_RETURN(bool got, parser.Next(&record));
    if (!got) break;
    ++result.records;
    if (!converter.Convert(record.fields, result.records, &result.rows, &result.issues, &scratch)) {
      ++result.invalid;
      continue;
    }
    // A valid row has exactly num_fields() fields, so every index is in range.
    for (size_t f : options.keep_fields) result.kept.emplace_back(record.fields[f]);
  }
  return result;
}

void RebaseRows(ChunkParseResult* result, int64_t base_row) {
  if (base_row == 0) return;
  for (int64_t& r : result->rows.mutable_source_rows()) r += base_row;
  IssueList rebased(result->issues.max_kept());
  rebased.Merge(result->issues, base_row);
  result->issues = std::move(rebased);
}

}  // namespace churnml
