#include "data/csv_reader.h"

namespace churnml {

Result<CsvReader> CsvReader::Open(const std::string& path, CsvChunkReaderOptions options) {
  CHURNML_ASSIGN_OR_RETURN(CsvChunkReader chunks, CsvChunkReader::Open(path, options));
  return CsvReader(std::move(chunks));
}

CsvReader CsvReader::FromString(std::string data, std::string source_name,
                                CsvChunkReaderOptions options) {
  return CsvReader(CsvChunkReader::FromString(std::move(data), std::move(source_name), options));
}

Result<bool> CsvReader::Next(CsvRecord* record) {
  while (true) {
    if (parser_) {
      CHURNML_ASSIGN_OR_RETURN(bool got, parser_->Next(record));
      if (got) return true;
    }
    parser_.reset();
    CHURNML_ASSIGN_OR_RETURN(std::optional<CsvChunk> next, chunks_.Next());
    if (!next) return false;
    chunk_ = std::move(next);
    parser_.emplace(chunk_->bytes.data(), chunk_->bytes.size(), chunk_->first_line,
                    chunks_.source_name());
  }
}

}  // namespace churnml
