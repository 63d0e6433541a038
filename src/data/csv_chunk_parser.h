// Parses one CsvChunk into typed rows and issues: the worker half of the
// parallel CSV path (CsvChunkReader is the reader half).
//
// Row numbers in the result are chunk-relative (1 = the chunk's first
// record) because a worker cannot know how many records earlier chunks
// held. An in-order consumer keeps a running count of records and calls
// RebaseRows() with it before merging.
//
// Thread safety: ParseCsvChunk may run on many threads at once, each on its
// own chunk; the RowConverter is shared read-only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "data/csv_chunk_reader.h"
#include "data/dataset.h"
#include "data/row_converter.h"
#include "data/validation_issue.h"

namespace churnml {

struct ChunkParseResult {
  Dataset rows;         // valid rows, in order; source_rows() chunk-relative
  IssueList issues;     // chunk-relative rows
  int64_t records = 0;  // data records in the chunk (valid or not)
  int64_t invalid = 0;  // records with at least one issue
  // The text (quotes removed) of ChunkParseOptions::keep_fields for every
  // valid row, row-major: kept[r * keep_fields.size() + k] for rows[r].
  std::vector<std::string> kept;
};

struct ChunkParseOptions {
  int64_t max_issues = 1000;  // issues kept per chunk (all are counted)
  // Field indices (header order) whose text is copied for each valid row
  // (`predict --keep-columns`); each below the converter's num_fields().
  std::vector<size_t> keep_fields;
  // How records become rows. kFused converts plain records (no quotes,
  // valid values) while tokenizing and hands every other record to the
  // tokenizer and RowConverter::Convert; kTokenizeThenConvert sends every
  // record that way. Both give the same rows and issues (a test pins it).
  enum class RecordPath { kFused, kTokenizeThenConvert };
  RecordPath path = RecordPath::kFused;
};

// Parses every record of `chunk`. The chunk's bytes are modified (quoted
// fields are unescaped in place). InvalidArgument, naming the source and
// the absolute line, on malformed quoting (e.g. an unterminated quote).
Result<ChunkParseResult> ParseCsvChunk(CsvChunk& chunk, const RowConverter& converter,
                                       const std::string& source_name,
                                       const ChunkParseOptions& options = {});

// Adds `base_row` (the number of data records in all earlier chunks) to
// every row number in `result`: source rows, issue rows and messages.
void RebaseRows(ChunkParseResult* result, int64_t base_row);

}  // namespace churnml
