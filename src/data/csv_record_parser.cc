#include "data/csv_record_parser.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace churnml {

namespace {

// Bytes that end an unquoted field (or are illegal inside one).
constexpr std::array<bool, 256> MakeStopTable() {
  std::array<bool, 256> t{};
  t[static_cast<unsigned char>(',')] = true;
  t[static_cast<unsigned char>('\n')] = true;
  t[static_cast<unsigned char>('\r')] = true;
  t[static_cast<unsigned char>('"')] = true;
  return t;
}
constexpr std::array<bool, 256> kStop = MakeStopTable();

bool IsBlank(std::string_view s) { return s.find_first_not_of(" \t") == std::string_view::npos; }

}  // namespace

CsvRecordParser::CsvRecordParser(char* data, size_t size, int64_t first_line,
                                 std::string source_name)
    : begin_(data),
      pos_(data),
      end_(data + size),
      line_(first_line),
      source_name_(std::move(source_name)) {}

Status CsvRecordParser::Error(int64_t line, const std::string& what) const {
  return InvalidArgumentError(source_name_ + ":" + std::to_string(line) + ": " + what);
}

Result<bool> CsvRecordParser::Next(CsvRecord* record) {
  while (pos_ < end_) {
    record->fields.clear();
    record->line = line_;
    bool any_quoted = false;
    char* p = pos_;
    bool record_done = false;
    while (!record_done) {
      if (p < end_ && *p == '"') {
        // Quoted field: copy segments between quotes down over the escapes.
        any_quoted = true;
        const int64_t start_line = line_;
        char* start = ++p;
        char* out = p;
        while (true) {
          char* q = static_cast<char*>(std::memchr(p, '"', static_cast<size_t>(end_ - p)));
          if (q == nullptr) {
            return Error(start_line,
                         "unterminated quoted field (a '\"' opened here is never closed)");
          }
          line_ += std::count(p, q, '\n');
          if (out != p) std::memmove(out, p, static_cast<size_t>(q - p));
          out += q - p;
          if (q + 1 < end_ && q[1] == '"') {
            *out++ = '"';
            p = q + 2;
            continue;
          }
          p = q + 1;
          break;
        }
        record->fields.emplace_back(start, static_cast<size_t>(out - start));
      } else {
        char* start = p;
        while (p < end_ && !kStop[static_cast<unsigned char>(*p)]) ++p;
        if (p < end_ && *p == '"') {
          return Error(
              line_,
              "a '\"' inside an unquoted field (quote the whole field and double the quote)");
        }
        record->fields.emplace_back(start, static_cast<size_t>(p - start));
      }
      // p is at the field's end: a separator, a line end, or the buffer end.
      if (p == end_) {
        record_done = true;
      } else if (*p == ',') {
        ++p;
      } else if (*p == '\n') {
        ++p;
        ++line_;
        record_done = true;
      } else if (*p == '\r') {
        ++p;
        if (p < end_ && *p == '\n') ++p;
        ++line_;
        record_done = true;
      } else {
        return Error(line_, "unexpected character '" + std::string(1, *p) +
                                "' after a closing quote (expected a comma or a line end)");
      }
    }
    pos_ = p;
    if (!any_quoted && record->fields.size() == 1 && IsBlank(record->fields[0])) continue;
    return true;
  }
  return false;
}

}  // namespace churnml
