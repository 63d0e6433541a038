// Loads a whole CSV file into a validated Dataset: header check, row
// conversion, duplicate ids, with a policy for invalid rows. Used by train,
// evaluate and `data validate`. (Batch predict streams chunks instead: see
// csv_chunk_reader.h and csv_chunk_parser.h.)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "data/csv_chunk_reader.h"
#include "data/dataset.h"
#include "data/row_converter.h"
#include "data/validation_issue.h"

namespace churnml {

enum class InvalidRowPolicy {
  kFail,  // any issue fails the load (the message quotes the first issues)
  kDrop,  // rows with issues are left out and counted; issues are returned
};

enum class RowStorage {
  kKeep,     // build the Dataset
  kDiscard,  // only validate (constant memory apart from the id registry)
};

struct LoadOptions {
  TargetPolicy target = TargetPolicy::kRequired;
  InvalidRowPolicy invalid_rows = InvalidRowPolicy::kFail;
  RowStorage storage = RowStorage::kKeep;
  int64_t max_issues = 1000;             // issues kept (all are counted)
  size_t chunk_bytes = size_t{4} << 20;  // read size, bytes
  size_t max_line_bytes = kDefaultMaxLineBytes;  // longest record accepted, bytes
  int threads = 0;                       // parsing threads; 0 = one per core
};

struct LoadResult {
  Dataset dataset;           // valid rows (empty with RowStorage::kDiscard)
  IssueList issues;          // header problems (row 0) and row problems, by row
  int64_t rows_read = 0;     // data records read
  int64_t rows_kept = 0;     // valid records
  int64_t rows_dropped = 0;  // records with at least one issue
};

// Remembers ids seen so far and reports repeats. Not thread-safe: call from
// the in-order consumer.
// Memory: the id bytes plus 32 bytes per table slot (one arena, one open-addressing
// table; no allocation per id).
class IdRegistry {
 public:
  // 0 when `id` is new (and records it at `row`), else the first row that had it.
  int64_t Insert(std::string_view id, int64_t row);

 private:
  struct Slot {
    uint64_t hash = 0;
    uint64_t offset = 0;  // into arena_
    uint64_t size = 0;
    int64_t row = 0;  // 0 = empty slot
  };
  void Grow();

  std::vector<Slot> slots_;  // size is a power of two
  size_t used_ = 0;
  std::string arena_;
};

// Reads `path` ("-" = stdin) against `schema`. Errors: IOError (cannot
// read), InvalidArgument for malformed CSV (naming the line), for a header
// that does not match (with kFail; with kDrop header problems are returned
// as issues and no rows are read), and with kFail for any invalid row.
Result<LoadResult> LoadCsv(const std::string& path, const Schema& schema,
                           const LoadOptions& options = {});
// Same, from an open reader (e.g. CsvChunkReader::FromString in tests).
Result<LoadResult> LoadCsv(CsvChunkReader& reader, const Schema& schema,
                           const LoadOptions& options = {});

}  // namespace churnml
