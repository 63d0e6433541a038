// The prediction log of `churnml serve --prediction-log DIR` (docs/serving.md,
// "Prediction log"): one JSON line per answered customer,
//   {"ts":"2026-12-03T14:00:00.123Z","request_id":"…","customer_id":"…",
//    "variant":"primary","model":"churn","version":"3","score":0.42,
//    "prediction":0}
// and nothing else about the customer unless `log_features` is set
// (--log-features): then a "features" object holds the request's raw
// feature values, {"tenure":3,"Contract":"Month-to-month",…} (null when
// missing). It is off by default because those are customer data that the
// A/B report does not need; turn it on only where storing them is allowed.
//
// With a shadow model (serve --shadow), each customer the shadow scored adds
// one record of another type, joined with the answer the client got:
//   {"ts":…,"record":"shadow","request_id":…,"customer_id":…,
//    "variant":"primary","score":0.42,"prediction":0,"shadow_model":"churn",
//    "shadow_version":"4","shadow_score":0.40,"shadow_prediction":0}
// A prediction record has no "record" key. Lines are queued by the io threads and
// written by one background thread into DIR/predictions.jsonl, rotated at
// `max_file_bytes` into predictions.1.jsonl … (at most `max_files` files in
// all, the oldest deleted), so the log is bounded on disk. A full queue drops
// the oldest queued line and counts it: the log never delays an answer.
// A crash can leave the last line of the newest file torn; the reader skips
// (and counts) lines that are not complete JSON records.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "data/dataset.h"

namespace spdlog {
class async_logger;
namespace details {
class thread_pool;
}
}  // namespace spdlog

namespace churnml::serving {

struct PredictionLogOptions {
  std::filesystem::path dir;
  size_t max_file_bytes = 64u << 20;  // bytes per file before it rotates
  size_t max_files = 8;               // files kept, the current one included
  size_t queue_lines = 65536;         // lines waiting for the writer at most
  bool log_features = false;          // add each customer's raw features (--log-features)
};

struct PredictionLogEntry {
  std::string_view request_id;
  std::string_view customer_id;  // "" when the request had none
  std::string_view variant;
  std::string_view model;
  std::string_view version;
  double score = 0;
  int prediction = 0;
  // The request's rows and this customer's row in them: the raw features
  // logged with log_features. May be null.
  const Dataset* rows = nullptr;
  size_t row = 0;
};

// A customer scored by the shadow model, joined with the answer.
struct ShadowLogEntry {
  std::string_view request_id;
  std::string_view customer_id;
  std::string_view variant;  // the variant that answered
  double score = 0;          // the answer's probability
  int prediction = 0;
  std::string_view shadow_model;
  std::string_view shadow_version;
  double shadow_score = 0;
  int shadow_prediction = 0;
};

class PredictionLog {
 public:
  // Creates DIR when missing. IOError naming the directory when it cannot be
  // created or written; InvalidArgument for a bound of 0.
  static Result<std::unique_ptr<PredictionLog>> Open(const PredictionLogOptions& options);
  ~PredictionLog();

  // Queues one line (formatted on the calling thread); never blocks.
  void Append(const PredictionLogEntry& entry);
  // Queues one shadow record; never blocks.
  void AppendShadow(const ShadowLogEntry& entry);
  // Lines dropped because the queue was full.
  uint64_t dropped() const;
  // Writes what is queued (shutdown, tests).
  void Flush();

 private:
  PredictionLog() = default;
  bool log_features_ = false;
  std::shared_ptr<spdlog::details::thread_pool> pool_;
  std::shared_ptr<spdlog::async_logger> logger_;
};

struct PredictionLogRecord {
  std::string ts;
  std::string request_id;
  std::string customer_id;
  std::string variant;
  std::string model;
  std::string version;
  double score = 0;
  int prediction = 0;
};

struct PredictionLogContents {
  std::vector<PredictionLogRecord> records;  // oldest file first, in line order
  int64_t files = 0;
  int64_t shadow_records = 0;  // "record":"shadow" lines (not in `records`)
  int64_t skipped_lines = 0;   // torn, over-long or not a prediction record
};

// Reads every predictions*.jsonl file in `dir`, oldest first. At most
// `max_records` records are read (InvalidArgument past that, naming the
// bound); a line over 64 KiB is skipped. NotFound when `dir` holds no log.
Result<PredictionLogContents> ReadPredictionLog(const std::filesystem::path& dir,
                                                size_t max_records = 20'000'000);

}  // namespace churnml::serving
