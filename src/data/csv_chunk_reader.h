// Reads a CSV file as a sequence of owned byte chunks that each end on a
// record boundary, for parsing chunks in parallel with constant memory.
//
// Each chunk holds whole records (a few MiB, set by chunk_bytes; a record
// longer than that makes a bigger chunk). Boundaries are quote-aware: a line
// break inside a quoted field never ends a chunk. A UTF-8 byte order mark at
// the start of the file is dropped. The header record is read separately by
// ReadHeader() and is not part of any chunk. Boundaries are line feeds, so
// a file with old-Mac lone-CR line ends (or an unterminated quote) becomes
// one chunk holding the rest of the file.
//
// Threading: one reader thread calls ReadHeader()/Next(); each CsvChunk is a
// value the reader hands over (move it to a worker); chunks come out in file
// order with consecutive `index` values so a consumer can restore order.
// The reader itself is not thread-safe.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace churnml {

struct CsvChunk {
  std::string bytes;       // whole records
  int64_t index = 0;       // 0, 1, 2, ... in file order
  int64_t first_line = 1;  // physical line number (1-based) of bytes[0]
};

// The default bound on one record (kDefaultMaxLineBytes): far above any
// real CSV line, small enough that a hostile file cannot exhaust memory.
inline constexpr size_t kDefaultMaxLineBytes = size_t{4} << 20;

struct CsvChunkReaderOptions {
  size_t chunk_bytes = size_t{4} << 20;  // target chunk size in bytes
  // Longest record accepted, in bytes (line breaks inside quotes included):
  // a longer one is InvalidArgument naming its line, found after reading at
  // most about this many bytes past the record's start.
  size_t max_line_bytes = kDefaultMaxLineBytes;
  // One byte range of a file (a partition: data/csv_partition.h plans them
  // at this reader's own record boundaries). ReadHeader() still reads the
  // header at the start of the file; Next() then reads only the records in
  // bytes [range_begin, range_end), whose first byte is on physical line
  // range_first_line. Both ends must be record boundaries after the header.
  // range_end < 0: the whole file. Files only, not standard input.
  int64_t range_begin = 0;
  int64_t range_end = -1;
  int64_t range_first_line = 1;
};

class CsvChunkReader {
 public:
  // Opens `path` for reading; "-" reads standard input. IOError names the path.
  static Result<CsvChunkReader> Open(const std::string& path, CsvChunkReaderOptions options = {});
  // Reads from an in-memory copy of a file; `source_name` names it in errors.
  static CsvChunkReader FromString(std::string data, std::string source_name,
                                   CsvChunkReaderOptions options = {});

  CsvChunkReader(CsvChunkReader&& other) noexcept;
  CsvChunkReader& operator=(CsvChunkReader&&) = delete;
  CsvChunkReader(const CsvChunkReader&) = delete;
  ~CsvChunkReader();

  // The first non-blank record, split into fields. Call once, before Next().
  // InvalidArgument when the file is empty, its header is malformed or
  // longer than max_line_bytes.
  Result<std::vector<std::string>> ReadHeader();

  // The next chunk, or nullopt after the last one. IOError on a read
  // failure; InvalidArgument for a record longer than max_line_bytes.
  Result<std::optional<CsvChunk>> Next();

  const std::string& source_name() const { return source_name_; }
  // Bytes read from the source so far (for progress bars).
  int64_t bytes_read() const { return bytes_read_; }

 private:
  CsvChunkReader(FILE* file, bool owns_file, std::string source_name,
                 CsvChunkReaderOptions options);
  // Appends up to `n` bytes from the source to pending_; sets eof_.
  Status Fill(size_t n);
  // Length of the longest prefix of pending_[0, limit) that ends on a record
  // boundary (just after a line feed outside quotes); 0 if there is none.
  // Sets `*lines` to the line feeds before the boundary when there is one.
  size_t BoundaryLength(size_t limit, int64_t* lines) const;
  // Length of the shortest prefix longer than `limit` that ends on a record
  // boundary; 0 if there is none.
  size_t FirstBoundaryAfter(size_t limit) const;
  void StripByteOrderMark();
  // Moves to options_.range_begin (once, before the first chunk of a range).
  Status EnterRange();
  // The error for a record starting at pending_[0] that is too long.
  Status RecordTooLong(int64_t line) const;
  // Offset of the first record in pending_[0, len) (whole records) that is
  // longer than max_line_bytes, if any.
  std::optional<size_t> FindLongRecord(size_t len) const;

  FILE* file_ = nullptr;
  bool owns_file_ = false;
  std::string source_name_;
  CsvChunkReaderOptions options_;
  std::string pending_;  // bytes read but not yet handed out
  bool eof_ = false;
  bool started_ = false;
  bool in_range_ = false;  // Next() has moved to options_.range_begin
  int64_t bytes_read_ = 0;
  int64_t next_line_ = 1;
  int64_t next_index_ = 0;
};

}  // namespace churnml
