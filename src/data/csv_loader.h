// Loads a whole CSV file into a validated Dataset: header check, row
// conversion, duplicate ids, with a policy for invalid rows. Used by train,
// evaluate and `data validate`. (Batch predict streams chunks instead: see
// csv_chunk_reader.h and csv_chunk_parser.h.)
#pragma once

#include <cstdint>
#include <functional>
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
  int64_t max_issues = 1000;                     // issues kept (all are counted)
  size_t chunk_bytes = size_t{4} << 20;          // read size, bytes
  size_t max_line_bytes = kDefaultMaxLineBytes;  // longest record accepted, bytes
  int threads = 0;                               // parsing threads; 0 = one per core
  // When set: called with each chunk's valid rows, in file order, on the
  // consuming thread, before they are kept or discarded; its error stops the
  // load. With RowStorage::kDiscard a caller consumes a file of any size in
  // bounded memory (`evaluate`). Not called after an issue under kFail.
  std::function<Status(const Dataset& rows)> on_rows;
  // Replaces the id hash of the compact duplicate check (below) so tests
  // can force collisions; nullptr = seeded XXH3.
  uint64_t (*id_hash)(std::string_view id) = nullptr;
};

struct LoadResult {
  Dataset dataset;           // valid rows (empty with RowStorage::kDiscard)
  IssueList issues;          // header problems (row 0) and row problems, by row
  int64_t rows_read = 0;     // data records read
  int64_t rows_kept = 0;     // valid records
  int64_t rows_dropped = 0;  // records with at least one issue
};

// Remembers ids seen so far and reports repeats, exactly, in little memory
// (1M Telco ids: about 30 MB; `data validate` on a file uses IdHashSet). Not
// thread-safe: call from the in-order consumer.
//
// Layout: each distinct id is one entry in an arena of 1 MiB blocks (no
// reallocation copies): its first row and its length as varints, then its
// bytes (14 bytes for a Telco id). An open-addressing table of 64-bit slots
// holds, per entry, 16 bits of the id's XXH3 hash and the entry's arena
// position (block << 24 | offset): a probe compares the tag first and the id bytes only on a tag
// match, so a hash collision is always re-checked exactly. The table grows
// by 1.5× at 80% load (rehashing from the arena), not by doubling.
class IdRegistry {
 public:
  // 0 when `id` is new (and records it at `row`, which must be positive),
  // else the first row that had it.
  int64_t Insert(std::string_view id, int64_t row);

  size_t size() const { return used_; }
  // Bytes held by the table and the arena (capacity, not just use).
  size_t memory_bytes() const;

 private:
  static constexpr size_t kBlockBytes = size_t{1} << 20;
  static constexpr int kPositionBits = 48;
  // Where the id of the entry at `position` starts, its length and row.
  struct Entry {
    std::string_view id;
    int64_t row = 0;
  };
  Entry EntryAt(uint64_t position) const;
  // Appends an entry; returns its position (block << 24 | offset).
  uint64_t AddEntry(std::string_view id, int64_t row);
  size_t SlotOf(uint64_t hash) const;
  void Grow();

  std::vector<uint64_t> slots_;  // 0 = empty, else tag << 48 | (position + 1)
  size_t used_ = 0;
  std::vector<std::string> blocks_;  // the arena
};

// Reads `path` ("-" = stdin) against `schema`. With RowStorage::kDiscard,
// no on_rows and a file (not stdin), the duplicate-id check keeps only
// 12 bytes per id (IdHashSet: hash and first row) and confirms every equal
// hash exactly by re-reading the rows involved from `path` (one pass per
// batch of candidates, at the end or when 16k candidates or 2 MiB of their
// ids are pending); otherwise it uses IdRegistry. Errors: IOError (cannot
// read), InvalidArgument for malformed CSV (naming the line), for a header
// that does not match (with kFail; with kDrop header problems are returned
// as issues and no rows are read), and with kFail for any invalid row.
Result<LoadResult> LoadCsv(const std::string& path, const Schema& schema,
                           const LoadOptions& options = {});
// Same, from an open reader (e.g. CsvChunkReader::FromString in tests).
Result<LoadResult> LoadCsv(CsvChunkReader& reader, const Schema& schema,
                           const LoadOptions& options = {});

}  // namespace churnml
