// RFC 4180 record tokenizer over an in-memory buffer of whole records.
//
// Accepts quoted fields with commas, doubled quotes and line breaks inside
// quotes; CRLF, LF (and lone CR) line ends; a missing newline after the last
// record. Skips blank lines (empty or only spaces/tabs). Errors, each naming
// the 1-based physical line: an unterminated quoted field, a quote inside an
// unquoted field, and a character after a closing quote other than a comma
// or a line end.
//
// Ownership: the parser unescapes quoted fields in place inside `data`, and
// the returned fields view `data`, so the buffer must outlive the views and
// must not be reused. Not thread-safe; use one parser per buffer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace churnml {

struct CsvRecord {
  std::vector<std::string_view> fields;
  int64_t line = 0;  // physical line (1-based) where the record starts
};

class CsvRecordParser {
 public:
  // `first_line` is the physical line number of data[0]; `source_name`
  // prefixes error messages ("customers.csv:12: ...").
  CsvRecordParser(char* data, size_t size, int64_t first_line, std::string source_name);

  // Reads the next non-blank record into `record`: true when one was read,
  // false at the end of the buffer, InvalidArgument on malformed quoting.
  Result<bool> Next(CsvRecord* record);

  // Bytes of `data` consumed so far.
  size_t offset() const { return static_cast<size_t>(pos_ - begin_); }
  // Where the next record starts, and the end of the buffer.
  const char* position() const { return pos_; }
  const char* end() const { return end_; }
  // Steps past one record without a line break inside it that the caller
  // read itself (RowConverter::ConvertPlainRecord): `next` is just after
  // its line end, or the buffer end.
  void SkipPlainRecord(const char* next) {
    if (next > pos_ && (next[-1] == '\n' || next[-1] == '\r')) ++line_;
    pos_ = begin_ + (next - begin_);
  }

 private:
  Status Error(int64_t line, const std::string& what) const;

  char* begin_;
  char* pos_;
  char* end_;
  int64_t line_;
  std::string source_name_;
};

}  // namespace churnml
