// Streaming CSV output: fields quoted only when they must be (a comma, a
// quote, CR or LF inside, or a leading/trailing space), records ended by LF.
// Output is buffered in large blocks. A file is written under a temporary
// name and renamed into place by Finish() (common/atomic_file.h), so a
// killed process never leaves a partial file under the final name; "-"
// writes standard output instead.
//
// Not thread-safe: one writer per thread, or serialize calls.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "common/atomic_file.h"
#include "common/status.h"

namespace churnml {

// Appends `field` to `out`, quoted and escaped if it needs to be.
void AppendCsvField(std::string* out, std::string_view field);

class CsvWriter {
 public:
  // Opens `path` ("-" = standard output). IOError names the path.
  static Result<CsvWriter> Open(const std::string& path);

  CsvWriter(CsvWriter&&) noexcept = default;
  CsvWriter& operator=(CsvWriter&&) = delete;
  CsvWriter(const CsvWriter&) = delete;
  ~CsvWriter() = default;  // an unfinished file is removed

  // Bytes already in CSV form (whole records; AppendCsvField quotes a field).
  Status WriteRaw(std::string_view bytes);

  // Flushes, and for a file fsyncs and renames it into place. Call once.
  Status Finish();

  const std::string& path() const { return path_; }
  int64_t bytes_written() const { return bytes_written_; }

 private:
  CsvWriter(std::string path, std::optional<AtomicFileWriter> file)
      : path_(std::move(path)), file_(std::move(file)) {}
  Status FlushIfFull();
  Status Flush();

  static constexpr size_t kBufferBytes = size_t{1} << 20;

  std::string path_;
  std::optional<AtomicFileWriter> file_;  // empty for standard output
  std::string buffer_;
  int64_t bytes_written_ = 0;
};

}  // namespace churnml
