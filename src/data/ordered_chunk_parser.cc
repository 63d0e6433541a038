#include "data/ordered_chunk_parser.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace churnml {

namespace {

Status ParseSequentially(CsvChunkReader& reader, const RowConverter& converter,
                         const ChunkParseOptions& parse_options,
                         const std::function<Status(ChunkParseResult&)>& consume) {
  int64_t base_row = 0;
  while (true) {
    CHURNML_ASSIGN_OR_RETURN(std::optional<CsvChunk> chunk, reader.Next());
    if (!chunk) return Status::Ok();
    CHURNML_ASSIGN_OR_RETURN(ChunkParseResult parsed,
                             ParseCsvChunk(*chunk, converter, reader.source_name(), parse_options));
    RebaseRows(&parsed, base_row);
    base_row += parsed.records;
    CHURNML_RETURN_IF_ERROR(consume(parsed));
  }
}

// State shared by the parsing threads and the consumer.
class OrderedQueue {
 public:
  OrderedQueue(CsvChunkReader& reader, const RowConverter& converter,
               ChunkParseOptions parse_options, int64_t max_ahead)
      : reader_(reader),
        converter_(converter),
        parse_options_(parse_options),
        max_ahead_(max_ahead) {}

  // Body of each parsing thread.
  void Work() {
    while (true) {
      CsvChunk chunk;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stop_ || next_read_ - next_consume_ < max_ahead_; });
        if (stop_ || done_reading_) return;
        Result<std::optional<CsvChunk>> next = reader_.Next();
        if (!next.ok() || !*next) {
          if (!next.ok()) Fail(next.status());
          done_reading_ = true;
          total_chunks_ = next_read_;
          cv_.notify_all();
          return;
        }
        chunk = std::move(**next);
        ++next_read_;
      }
      Result<ChunkParseResult> parsed =
          ParseCsvChunk(chunk, converter_, reader_.source_name(), parse_options_);
      std::lock_guard<std::mutex> lock(mu_);
      if (!parsed.ok()) {
        Fail(parsed.status());
      } else {
        ready_.emplace(chunk.index, std::move(parsed).value());
      }
      cv_.notify_all();
    }
  }

  // Consumer loop on the calling thread.
  Status Consume(const std::function<Status(ChunkParseResult&)>& consume) {
    int64_t base_row = 0;
    while (true) {
      ChunkParseResult parsed;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] {
          return stop_ || ready_.count(next_consume_) > 0 ||
                 (done_reading_ && next_consume_ == total_chunks_);
        });
        if (stop_) return status_;
        if (ready_.count(next_consume_) == 0) return Status::Ok();  // all consumed
        auto it = ready_.find(next_consume_);
        parsed = std::move(it->second);
        ready_.erase(it);
      }
      RebaseRows(&parsed, base_row);
      base_row += parsed.records;
      Status s = consume(parsed);
      std::lock_guard<std::mutex> lock(mu_);
      if (!s.ok()) Fail(s);
      ++next_consume_;
      cv_.notify_all();
      if (stop_) return status_;
    }
  }

  void Stop() {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    cv_.notify_all();
  }

 private:
  // Requires mu_ held. Keeps the first error.
  void Fail(const Status& s) {
    if (status_.ok()) status_ = s;
    stop_ = true;
  }

  CsvChunkReader& reader_;  // guarded by mu_
  const RowConverter& converter_;
  const ChunkParseOptions parse_options_;
  const int64_t max_ahead_;

  std::mutex mu_;
  std::condition_variable cv_;
  Status status_;                              // guarded by mu_
  bool stop_ = false;                          // guarded by mu_
  bool done_reading_ = false;                  // guarded by mu_
  int64_t next_read_ = 0;                      // guarded by mu_
  int64_t next_consume_ = 0;                   // guarded by mu_
  int64_t total_chunks_ = -1;                  // guarded by mu_
  std::map<int64_t, ChunkParseResult> ready_;  // guarded by mu_
};

}  // namespace

Status ParseChunksInOrder(CsvChunkReader& reader, const RowConverter& converter,
                          const OrderedParseOptions& options,
                          const std::function<Status(ChunkParseResult&)>& consume) {
  ChunkParseOptions parse_options;
  parse_options.max_issues = options.max_issues;
  if (options.threads <= 1) return ParseSequentially(reader, converter, parse_options, consume);
  OrderedQueue queue(reader, converter, parse_options, 2 * options.threads);
  std::vector<std::thread> workers;
  workers.reserve(static_cast<size_t>(options.threads));
  for (int i = 0; i < options.threads; ++i) workers.emplace_back([&queue] { queue.Work(); });
  Status status = queue.Consume(consume);
  queue.Stop();
  for (std::thread& t : workers) t.join();
  return status;
}

}  // namespace churnml
