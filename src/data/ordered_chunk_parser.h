// Parses the chunks of a CsvChunkReader on several threads and hands the
// results to a consumer in file order, with row numbers already rebased
// (RebaseRows) to the whole file: ParseCsvChunk on the shared pipeline of
// ordered_chunk_pipeline.h (a reader thread, `threads` workers, the calling
// thread as the in-order sink). Memory is bounded: at most 2 × threads
// chunks are read ahead of the consumer.
//
// Threading: the reader is used by the pipeline's reader thread only; the
// converter is shared read-only; `consume` runs on the calling thread only,
// one chunk at a time, in order.
#pragma once

#include <functional>
#include <string>

#include "common/status.h"
#include "data/csv_chunk_parser.h"
#include "data/csv_chunk_reader.h"
#include "data/row_converter.h"

namespace churnml {

struct OrderedParseOptions {
  int threads = 1;            // parsing threads (at least 1), besides the reader thread
  int64_t max_issues = 1000;  // issues kept per chunk
};

// Reads every chunk after the header (call reader.ReadHeader() first).
// Stops at the first error of the reader, a parser or `consume`, and
// returns it.
Status ParseChunksInOrder(CsvChunkReader& reader, const RowConverter& converter,
                          const OrderedParseOptions& options,
                          const std::function<Status(ChunkParseResult&)>& consume);

}  // namespace churnml
