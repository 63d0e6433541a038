#include "data/csv_chunk_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/errno_text.h"
#include "common/strings.h"
#include "data/csv_record_parser.h"

namespace churnml {

Result<CsvChunkReader> CsvChunkReader::Open(const std::string& path,
                                            CsvChunkReaderOptions options) {
  if (path == "-") {
    if (options.range_end >= 0) {
      return InvalidArgumentError("a byte range of standard input cannot be read; give a file");
    }
    return CsvChunkReader(stdin, false, "<stdin>", options);
  }
  FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return IOError("cannot open " + path + ": " + ErrnoText(errno));
  }
  return CsvChunkReader(file, true, path, options);
}

CsvChunkReader CsvChunkReader::FromString(std::string data, std::string source_name,
                                          CsvChunkReaderOptions options) {
  CsvChunkReader reader(nullptr, false, std::move(source_name), options);
  reader.bytes_read_ = static_cast<int64_t>(data.size());
  reader.pending_ = std::move(data);
  reader.eof_ = true;
  return reader;
}

CsvChunkReader::CsvChunkReader(FILE* file, bool owns_file, std::string source_name,
                               CsvChunkReaderOptions options)
    : file_(file), owns_file_(owns_file), source_name_(std::move(source_name)), options_(options) {
  options_.chunk_bytes = std::max<size_t>(options_.chunk_bytes, 1);
  options_.max_line_bytes = std::max<size_t>(options_.max_line_bytes, 1);
}

Status CsvChunkReader::RecordTooLong(int64_t line) const {
  return InvalidArgumentError(source_name_ + ":" + FormatCount(line) + ": a record longer than " +
                              FormatCount(static_cast<int64_t>(options_.max_line_bytes)) +
                              " bytes (the limit for one CSV line)");
}

std::optional<size_t> CsvChunkReader::FindLongRecord(size_t len) const {
  const char* data = pending_.data();
  len = std::min(len, pending_.size());
  size_t record_start = 0;
  size_t pos = 0;
  bool in_quotes = false;
  while (pos < len) {
    const void* nl = std::memchr(data + pos, '\n', len - pos);
    const size_t end =
        nl == nullptr ? len : static_cast<size_t>(static_cast<const char*>(nl) - data);
    if (std::count(data + pos, data + end, '"') % 2 != 0) in_quotes = !in_quotes;
    if (!in_quotes || nl == nullptr) {
      if (end - record_start > options_.max_line_bytes) return record_start;
      record_start = end + 1;
    }
    pos = end + 1;
  }
  return std::nullopt;
}

CsvChunkReader::CsvChunkReader(CsvChunkReader&& other) noexcept
    : file_(other.file_),
      owns_file_(other.owns_file_),
      source_name_(std::move(other.source_name_)),
      options_(other.options_),
      pending_(std::move(other.pending_)),
      eof_(other.eof_),
      started_(other.started_),
      in_range_(other.in_range_),
      bytes_read_(other.bytes_read_),
      next_line_(other.next_line_),
      next_index_(other.next_index_) {
  other.file_ = nullptr;
  other.owns_file_ = false;
}

CsvChunkReader::~CsvChunkReader() {
  if (owns_file_ && file_ != nullptr) std::fclose(file_);
}

Status CsvChunkReader::Fill(size_t n) {
  if (eof_ || file_ == nullptr) {
    eof_ = true;
    return Status::Ok();
  }
  if (in_range_) {
    // bytes_read_ is the file offset: stop at the end of the range.
    n = static_cast<size_t>(std::min<int64_t>(
        static_cast<int64_t>(n), std::max<int64_t>(0, options_.range_end - bytes_read_)));
    if (n == 0) {
      eof_ = true;
      return Status::Ok();
    }
  }
  size_t old = pending_.size();
  pending_.resize(old + n);
  size_t got = std::fread(pending_.data() + old, 1, n, file_);
  pending_.resize(old + got);
  bytes_read_ += static_cast<int64_t>(got);
  if (got < n) {
    if (std::ferror(file_)) return IOError("cannot read " + source_name_ + ": " + ErrnoText(errno));
    eof_ = true;
  }
  if (!started_) {
    started_ = true;
    StripByteOrderMark();
  }
  return Status::Ok();
}

void CsvChunkReader::StripByteOrderMark() {
  if (pending_.compare(0, 3, "\xEF\xBB\xBF") == 0) pending_.erase(0, 3);
}

namespace {

// Quotes and line feeds in [data, data + n), in one pass (vectorized).
void CountQuotesAndLines(const char* data, size_t n, int64_t* quotes, int64_t* lines) {
  int64_t q = 0;
  int64_t l = 0;
  for (size_t i = 0; i < n; ++i) {
    q += data[i] == '"';
    l += data[i] == '\n';
  }
  *quotes = q;
  *lines = l;
}

}  // namespace

size_t CsvChunkReader::BoundaryLength(size_t limit, int64_t* lines) const {
  // A line feed is a record boundary when the quotes before it are balanced.
  const char* data = pending_.data();
  size_t end = std::min(limit, pending_.size());
  int64_t quotes_before = 0;
  int64_t lines_before = 0;
  CountQuotesAndLines(data, end, &quotes_before, &lines_before);
  while (end > 0) {
    const void* nl = memrchr(data, '\n', end);
    if (nl == nullptr) return 0;
    size_t pos = static_cast<size_t>(static_cast<const char*>(nl) - data);
    quotes_before -= std::count(data + pos, data + end, '"');
    // Line feeds in [0, pos + 1): every one after pos was stepped over.
    if (quotes_before % 2 == 0) {
      *lines = lines_before;
      return pos + 1;
    }
    --lines_before;
    end = pos;
  }
  return 0;
}

size_t CsvChunkReader::FirstBoundaryAfter(size_t limit) const {
  const char* data = pending_.data();
  limit = std::min(limit, pending_.size());
  bool in_quotes = std::count(data, data + limit, '"') % 2 != 0;
  for (size_t i = limit; i < pending_.size(); ++i) {
    if (data[i] == '"') {
      in_quotes = !in_quotes;
    } else if (data[i] == '\n' && !in_quotes) {
      return i + 1;
    }
  }
  return 0;
}

Result<std::vector<std::string>> CsvChunkReader::ReadHeader() {
  if (!started_ && file_ == nullptr) {
    started_ = true;
    StripByteOrderMark();
  }
  while (true) {
    // The end of the first record (the header, or a blank line before it).
    size_t len = FirstBoundaryAfter(0);
    while (len == 0 && !eof_) {
      if (pending_.size() > options_.max_line_bytes) return RecordTooLong(next_line_);
      // Grow geometrically: each pass rescans the buffer.
      CHURNML_RETURN_IF_ERROR(
          Fill(std::max({options_.chunk_bytes, size_t{64} << 10, pending_.size()})));
      len = FirstBoundaryAfter(0);
    }
    if (len == 0) len = pending_.size();
    if (len == 0) return InvalidArgumentError(source_name_ + ": the file is empty (no header)");
    if (len > options_.max_line_bytes) return RecordTooLong(next_line_);
    // Parse only the first record: copy it.
    std::string region = pending_.substr(0, len);
    CsvRecordParser parser(region.data(), region.size(), next_line_, source_name_);
    CsvRecord record;
    CHURNML_ASSIGN_OR_RETURN(bool got, parser.Next(&record));
    if (!got) {  // only blank lines so far
      next_line_ +=
          std::count(pending_.begin(), pending_.begin() + static_cast<int64_t>(len), '\n');
      pending_.erase(0, len);
      if (eof_ && pending_.empty()) {
        return InvalidArgumentError(source_name_ + ": the file is empty (no header)");
      }
      continue;
    }
    std::vector<std::string> header(record.fields.begin(), record.fields.end());
    size_t used = parser.offset();
    next_line_ += std::count(pending_.begin(), pending_.begin() + static_cast<int64_t>(used), '\n');
    pending_.erase(0, used);
    return header;
  }
}

Status CsvChunkReader::EnterRange() {
  in_range_ = true;
  if (file_ == nullptr || options_.range_begin < 0 || options_.range_begin > options_.range_end) {
    return InvalidArgumentError(source_name_ + ": byte range " +
                                std::to_string(options_.range_begin) + "-" +
                                std::to_string(options_.range_end) + " is not a file range");
  }
  if (fseeko(file_, static_cast<off_t>(options_.range_begin), SEEK_SET) != 0) {
    return IOError("cannot seek " + source_name_ + " to byte " +
                   std::to_string(options_.range_begin) + ": " + ErrnoText(errno));
  }
  started_ = true;  // the byte order mark, if any, was before the header
  bytes_read_ = options_.range_begin;
  pending_.clear();
  eof_ = false;
  next_line_ = options_.range_first_line;
  return Status::Ok();
}

Result<std::optional<CsvChunk>> CsvChunkReader::Next() {
  if (!started_ && file_ == nullptr) {
    started_ = true;
    StripByteOrderMark();
  }
  if (options_.range_end >= 0 && !in_range_) CHURNML_RETURN_IF_ERROR(EnterRange());
  if (pending_.size() < options_.chunk_bytes && !eof_) {
    CHURNML_RETURN_IF_ERROR(Fill(options_.chunk_bytes - pending_.size()));
  }
  size_t len = 0;
  int64_t chunk_lines = -1;  // line feeds in the chunk, when already counted
  if (eof_ && pending_.size() <= options_.chunk_bytes) {
    len = pending_.size();
  } else {
    len = BoundaryLength(options_.chunk_bytes, &chunk_lines);
    // One record longer than a chunk: end the chunk after that record, up
    // to max_line_bytes (so a file without line breaks cannot fill memory).
    while (len == 0) {
      chunk_lines = -1;
      len = FirstBoundaryAfter(options_.chunk_bytes);
      if (len > 0) break;
      if (pending_.size() > options_.max_line_bytes) return RecordTooLong(next_line_);
      if (eof_) {
        len = pending_.size();
        break;
      }
      CHURNML_RETURN_IF_ERROR(Fill(std::max(options_.chunk_bytes, pending_.size())));
    }
  }
  if (len == 0) return std::optional<CsvChunk>();
  // A chunk no longer than the limit cannot hold a record longer than it.
  if (len > options_.max_line_bytes) {
    if (std::optional<size_t> start = FindLongRecord(len)) {
      return RecordTooLong(
          next_line_ + std::count(pending_.begin(),
                                  pending_.begin() + static_cast<std::ptrdiff_t>(*start), '\n'));
    }
  }
  CsvChunk chunk;
  chunk.index = next_index_++;
  chunk.first_line = next_line_;
  if (pending_.size() - len <= len) {
    // Keep the (short) rest and hand over the buffer itself.
    std::string rest = pending_.substr(len);
    pending_.resize(len);
    chunk.bytes = std::move(pending_);
    pending_ = std::move(rest);
  } else {
    chunk.bytes.assign(pending_, 0, len);
    pending_.erase(0, len);
  }
  next_line_ +=
      chunk_lines >= 0 ? chunk_lines : std::count(chunk.bytes.begin(), chunk.bytes.end(), '\n');
  return std::optional<CsvChunk>(std::move(chunk));
}

}  // namespace churnml
