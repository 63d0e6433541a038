// The one ordered, bounded, parallel chunk pipeline of the data layer: a
// dedicated reader thread cuts the input into chunks (CsvChunkReader),
// `threads` workers turn each chunk into a result, and the calling thread
// hands the results to a sink in file order. LoadCsv (through
// ParseChunksInOrder) and batch predict both run on it.
//
// Memory is bounded: at most 2 × threads chunks are read but not yet sunk,
// whatever the input size. The reader does its I/O and boundary scanning
// outside the queue lock, so reading overlaps parsing and a slow read never
// stalls a worker publishing its result or the sink taking one (the reason
// the first ParseChunksInOrder, whose workers read under the lock, lost to a
// hand-written copy in batch predict).
//
// Errors: the first failure of the reader, a worker or the sink stops every
// thread and is returned; results after it are dropped.
//
// Threading: `work` runs on many threads at once, each call on its own
// chunk; `sink` runs on the calling thread only, one result at a time, in
// chunk order; `on_read` runs on the reader thread. The reader is used by
// the reader thread only.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <thread>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"
#include "data/csv_chunk_reader.h"

namespace churnml {

struct ChunkPipelineOptions {
  int threads = 1;  // worker threads (at least 1), besides the reader thread
  // Called on the reader thread after each read with the bytes read so far
  // (progress bars); may be empty.
  std::function<void(int64_t bytes_read)> on_read;
};

// Runs the pipeline over every chunk after the header (call
// reader.ReadHeader() first). Returns the first error, or Ok when every
// chunk was sunk.
template <typename T>
Status RunChunkPipeline(CsvChunkReader& reader, const ChunkPipelineOptions& options,
                        const std::function<Result<T>(CsvChunk&)>& work,
                        const std::function<Status(T&)>& sink);

// ---------------------------------------------------------------------------
// Implementation.

namespace chunk_pipeline_internal {

template <typename T>
class Pipeline {
 public:
  Pipeline(CsvChunkReader& reader, const ChunkPipelineOptions& options,
           const std::function<Result<T>(CsvChunk&)>& work, const std::function<Status(T&)>& sink)
      : reader_(reader),
        options_(options),
        work_(work),
        sink_(sink),
        capacity_(2 * static_cast<int64_t>(std::max(1, options.threads))),
        ring_(static_cast<size_t>(capacity_)) {}

  Status Run() {
    std::thread reader_thread([this] { ReadLoop(); });
    std::vector<std::thread> workers;
    const int threads = std::max(1, options_.threads);
    workers.reserve(static_cast<size_t>(threads));
    for (int i = 0; i < threads; ++i) workers.emplace_back([this] { WorkLoop(); });
    SinkLoop();
    reader_thread.join();
    for (std::thread& t : workers) t.join();
    MutexLock lock(&mu_);
    return error_;
  }

 private:
  // Keeps the first error and wakes everyone.
  void Fail(const Status& status) CHURNML_REQUIRES(mu_) {
    if (error_.ok()) error_ = status;
    space_cv_.notify_all();
    work_cv_.notify_all();
    done_cv_.notify_all();
  }

  void ReadLoop() CHURNML_EXCLUDES(mu_) {
    while (true) {
      {
        MutexLock lock(&mu_);
        while (error_.ok() && in_flight_ >= capacity_) mu_.Wait(space_cv_);
        if (!error_.ok()) return;
      }
      Result<std::optional<CsvChunk>> next = reader_.Next();  // outside the lock
      if (options_.on_read) options_.on_read(reader_.bytes_read());
      MutexLock lock(&mu_);
      if (!next.ok()) return Fail(next.status());
      if (!next->has_value()) {
        reader_done_ = true;
        work_cv_.notify_all();
        done_cv_.notify_all();
        return;
      }
      queue_.push_back(std::move(**next));
      ++chunks_read_;
      ++in_flight_;
      work_cv_.notify_one();
    }
  }

  void WorkLoop() CHURNML_EXCLUDES(mu_) {
    while (true) {
      CsvChunk chunk;
      {
        MutexLock lock(&mu_);
        while (error_.ok() && queue_.empty() && !reader_done_) mu_.Wait(work_cv_);
        if (!error_.ok() || queue_.empty()) return;
        chunk = std::move(queue_.front());
        queue_.pop_front();
      }
      Result<T> result = work_(chunk);  // outside the lock
      MutexLock lock(&mu_);
      if (!result.ok()) return Fail(result.status());
      // At most capacity_ chunks are in flight, so their slots differ.
      ring_[Slot(chunk.index)].emplace(std::move(result).value());
      if (chunk.index == next_sink_) done_cv_.notify_one();
    }
  }

  void SinkLoop() CHURNML_EXCLUDES(mu_) {
    while (true) {
      T item;
      {
        MutexLock lock(&mu_);
        while (error_.ok() && !ring_[Slot(next_sink_)].has_value() &&
               !(reader_done_ && next_sink_ == chunks_read_)) {
          mu_.Wait(done_cv_);
        }
        if (!error_.ok() || !ring_[Slot(next_sink_)].has_value()) return;
        item = std::move(*ring_[Slot(next_sink_)]);
        ring_[Slot(next_sink_)].reset();
      }
      Status status = sink_(item);  // outside the lock
      MutexLock lock(&mu_);
      if (!status.ok()) return Fail(status);
      ++next_sink_;
      --in_flight_;
      space_cv_.notify_one();
    }
  }

  size_t Slot(int64_t index) const { return static_cast<size_t>(index % capacity_); }

  CsvChunkReader& reader_;  // the reader thread's only
  const ChunkPipelineOptions& options_;
  const std::function<Result<T>(CsvChunk&)>& work_;
  const std::function<Status(T&)>& sink_;
  const int64_t capacity_;  // chunks read but not yet sunk, at most

  Mutex mu_;
  std::condition_variable space_cv_;      // the reader waits for in_flight_ < capacity_
  std::condition_variable work_cv_;       // workers wait for a chunk
  std::condition_variable done_cv_;       // the sink waits for the next result
  Status error_ CHURNML_GUARDED_BY(mu_);  // the first failure
  std::deque<CsvChunk> queue_ CHURNML_GUARDED_BY(mu_);          // read, not yet taken
  std::vector<std::optional<T>> ring_ CHURNML_GUARDED_BY(mu_);  // results by index % capacity_
  int64_t in_flight_ CHURNML_GUARDED_BY(mu_) = 0;               // read, not yet sunk
  int64_t chunks_read_ CHURNML_GUARDED_BY(mu_) = 0;
  int64_t next_sink_ CHURNML_GUARDED_BY(mu_) = 0;  // index of the next result to sink
  bool reader_done_ CHURNML_GUARDED_BY(mu_) = false;
};

}  // namespace chunk_pipeline_internal

template <typename T>
Status RunChunkPipeline(CsvChunkReader& reader, const ChunkPipelineOptions& options,
                        const std::function<Result<T>(CsvChunk&)>& work,
                        const std::function<Status(T&)>& sink) {
  chunk_pipeline_internal::Pipeline<T> pipeline(reader, options, work, sink);
  return pipeline.Run();
}

}  // namespace churnml
