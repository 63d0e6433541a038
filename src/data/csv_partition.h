// Splits a CSV file into byte ranges of whole records, for scoring one file
// in parallel on several machines (`jobs submit predict --partitions N`):
// each range is read in place (CsvChunkReaderOptions::range_*), no copy.
//
// The boundaries are the chunk reader's own: the file is read once through
// CsvChunkReader, whose chunks end on record boundaries (quote-aware: a line
// break inside a quoted field is never one), and each range ends at the
// first chunk boundary at or after its share of the bytes. So a range never
// starts inside a record, exactly as a single reader would cut the file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "data/csv_chunk_reader.h"

namespace churnml {

struct CsvByteRange {
  int64_t begin = 0;       // first byte (a record boundary after the header)
  int64_t end = 0;         // one past the last byte
  int64_t first_line = 1;  // physical line number (1-based) of byte `begin`
};

struct CsvPartitionPlan {
  int64_t file_bytes = 0;  // the size the plan was made for
  int64_t header_end = 0;  // first byte after the header record
  // Consecutive, non-empty (except the single range of a file without
  // records), covering [header_end, file_bytes). At most the requested
  // number: fewer when the file has fewer chunk boundaries.
  std::vector<CsvByteRange> ranges;
};

inline constexpr int kMaxCsvPartitions = 4096;

// InvalidArgument when `parts` is outside 1..kMaxCsvPartitions, for "-"
// (standard input), a malformed header or a record over max_line_bytes;
// IOError when the file cannot be read, or changed size while it was read.
Result<CsvPartitionPlan> PlanCsvPartitions(const std::string& path, int parts,
                                           CsvChunkReaderOptions options = {});

}  // namespace churnml
