// Streaming, single-pass CSV record reader: the simple API for code that
// wants records one at a time (the header first). Memory stays at about one
// chunk (CsvChunkReaderOptions::chunk_bytes) whatever the file size.
//
// Not thread-safe. The views in a CsvRecord stay valid until the next call
// to Next(). Move a CsvReader only before its first Next().
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "data/csv_chunk_reader.h"
#include "data/csv_record_parser.h"

namespace churnml {

class CsvReader {
 public:
  // "-" reads standard input. IOError names the path.
  static Result<CsvReader> Open(const std::string& path, CsvChunkReaderOptions options = {});
  static CsvReader FromString(std::string data, std::string source_name,
                              CsvChunkReaderOptions options = {});

  // The header record. Call once, first.
  Result<std::vector<std::string>> ReadHeader() { return chunks_.ReadHeader(); }

  // The next data record: true when `record` was filled, false at the end,
  // InvalidArgument (naming the line) on malformed quoting.
  Result<bool> Next(CsvRecord* record);

  const std::string& source_name() const { return chunks_.source_name(); }
  int64_t bytes_read() const { return chunks_.bytes_read(); }

 private:
  explicit CsvReader(CsvChunkReader chunks) : chunks_(std::move(chunks)) {}

  CsvChunkReader chunks_;
  std::optional<CsvChunk> chunk_;
  std::optional<CsvRecordParser> parser_;
};

}  // namespace churnml
