#include "data/ordered_chunk_parser.h"

#include "data/ordered_chunk_pipeline.h"

namespace churnml {

Status ParseChunksInOrder(CsvChunkReader& reader, const RowConverter& converter,
                          const OrderedParseOptions& options,
                          const std::function<Status(ChunkParseResult&)>& consume) {
  ChunkParseOptions parse_options;
  parse_options.max_issues = options.max_issues;
  const std::string source = reader.source_name();
  const std::function<Result<ChunkParseResult>(CsvChunk&)> work = [&](CsvChunk& chunk) {
    return ParseCsvChunk(chunk, converter, source, parse_options);
  };
  int64_t base_row = 0;
  const std::function<Status(ChunkParseResult&)> sink = [&](ChunkParseResult& parsed) {
    RebaseRows(&parsed, base_row);
    base_row += parsed.records;
    return consume(parsed);
  };
  ChunkPipelineOptions pipeline_options;
  pipeline_options.threads = options.threads;
  return RunChunkPipeline(reader, pipeline_options, work, sink);
}

}  // namespace churnml
