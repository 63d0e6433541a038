#include "data/csv_writer.h"

#include <cerrno>
#include <cstring>

#include "common/errno_text.h"

namespace churnml {

void AppendCsvField(std::string* out, std::string_view field) {
  bool needs_quotes = field.find_first_of(",\"\r\n") != std::string_view::npos ||
                      (!field.empty() && (field.front() == ' ' || field.back() == ' '));
  if (!needs_quotes) {
    out->append(field);
    return;
  }
  out->push_back('"');
  for (char c : field) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

Result<CsvWriter> CsvWriter::Open(const std::string& path) {
  if (path == "-") return CsvWriter(path, std::nullopt);
  CHURNML_ASSIGN_OR_RETURN(AtomicFileWriter file, AtomicFileWriter::Create(path));
  return CsvWriter(path, std::move(file));
}

Status CsvWriter::WriteRaw(std::string_view bytes) {
  buffer_.append(bytes);
  return FlushIfFull();
}

Status CsvWriter::FlushIfFull() { return buffer_.size() >= kBufferBytes ? Flush() : Status::Ok(); }

Status CsvWriter::Flush() {
  if (buffer_.empty()) return Status::Ok();
  bytes_written_ += static_cast<int64_t>(buffer_.size());
  if (file_) {
    CHURNML_RETURN_IF_ERROR(file_->Write(buffer_));
  } else if (std::fwrite(buffer_.data(), 1, buffer_.size(), stdout) != buffer_.size()) {
    return IOError(std::string("cannot write to standard output: ") + ErrnoText(errno));
  }
  buffer_.clear();
  return Status::Ok();
}

Status CsvWriter::Finish() {
  CHURNML_RETURN_IF_ERROR(Flush());
  if (file_) return file_->Commit();
  if (std::fflush(stdout) != 0) {
    return IOError(std::string("cannot write to standard output: ") + ErrnoText(errno));
  }
  return Status::Ok();
}

}  // namespace churnml
