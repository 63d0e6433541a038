#include "data/csv_partition.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/errno_text.h"

namespace churnml {

Result<CsvPartitionPlan> PlanCsvPartitions(const std::string& path, int parts,
                                           CsvChunkReaderOptions options) {
  if (parts < 1 || parts > kMaxCsvPartitions) {
    return InvalidArgumentError("--partitions " + std::to_string(parts) + " is outside 1-" +
                                std::to_string(kMaxCsvPartitions));
  }
  if (path == "-") {
    return InvalidArgumentError("standard input cannot be split into partitions; give a file");
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return IOError("cannot open " + path + ": " + ErrnoText(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return InvalidArgumentError(path + " is not a regular file; partitions need byte offsets");
  }
  CsvPartitionPlan plan;
  plan.file_bytes = static_cast<int64_t>(st.st_size);
  // Chunks a fraction of a partition, so that each range ends close to its
  // share; bounded below so small files do not cost a read per record.
  const int64_t share = plan.file_bytes / (int64_t{parts} * 16);
  options.chunk_bytes = static_cast<size_t>(std::clamp<int64_t>(share, 4 << 10, 4 << 20));
  options.range_end = -1;
  CHURNML_ASSIGN_OR_RETURN(CsvChunkReader reader, CsvChunkReader::Open(path, options));
  CHURNML_RETURN_IF_ERROR(reader.ReadHeader().status());
  struct Boundary {
    int64_t offset_after_header;  // bytes of chunks before this boundary
    int64_t line;                 // physical line of the byte at the boundary
  };
  std::vector<Boundary> boundaries;  // after each chunk
  int64_t chunk_total = 0;
  int64_t first_line = 0;  // of the first chunk (0: no chunk)
  for (;;) {
    CHURNML_ASSIGN_OR_RETURN(std::optional<CsvChunk> chunk, reader.Next());
    if (!chunk) break;
    if (first_line == 0) first_line = chunk->first_line;
    chunk_total += static_cast<int64_t>(chunk->bytes.size());
    const int64_t lines = std::count(chunk->bytes.begin(), chunk->bytes.end(), '\n');
    boundaries.push_back({chunk_total, chunk->first_line + lines});
  }
  if (reader.bytes_read() != plan.file_bytes) {
    return IOError(path + " changed size while it was split (" + std::to_string(plan.file_bytes) +
                   " bytes before, " + std::to_string(reader.bytes_read()) + " read)");
  }
  // Everything after the header is in the chunks.
  plan.header_end = plan.file_bytes - chunk_total;
  if (boundaries.empty()) {
    plan.ranges.push_back({plan.header_end, plan.file_bytes, 1});
    return plan;
  }
  CsvByteRange current{plan.header_end, 0, first_line};
  size_t next = 0;
  for (int k = 1; k <= parts; ++k) {
    // The first chunk boundary at or after k/parts of the record bytes.
    const int64_t target = chunk_total * k / parts;
    while (next + 1 < boundaries.size() && boundaries[next].offset_after_header < target) ++next;
    const Boundary& b = boundaries[next];
    const int64_t end = plan.header_end + b.offset_after_header;
    if (end <= current.begin) continue;  // this share ended inside the previous range
    current.end = end;
    plan.ranges.push_back(current);
    current = {end, 0, b.line};
    if (next + 1 >= boundaries.size()) break;
  }
  return plan;
}

}  // namespace churnml
