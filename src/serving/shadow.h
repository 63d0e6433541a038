// The shadow model of `churnml serve --shadow REF` (docs/serving.md,
// "Shadow model"): every answered prediction request is offered to a second
// model OFF the request path. The request thread copies the request's typed
// rows and the answer into a bounded queue and returns; one worker thread
// scores them with the shadow model and compares. What cannot be queued is
// dropped and counted, so a slow or crashing shadow never delays or changes
// an answer, and the shadow's own answer is never returned.
//
// The shadow has its own circuit breaker (a failing or slow shadow opens it
// and only its error count grows) and its own ModelSlot kept on its
// reference's alias by a ModelWatcher, like the primary. SetModel swaps the
// whole shadow (another reference, or off) at run time (SIGHUP reload).
//
// Each compared customer feeds the sliding-window comparison
// (shadow_comparison.h) and, with a prediction log, one "shadow" record
// (prediction_log.h). Stats() is the snapshot GET /experiments, /metrics
// and the dashboard read.
//
// Thread safety: Offer runs on any number of io threads; SetModel, Stats
// and Collect on any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "data/dataset.h"
#include "monitoring/metrics_registry.h"
#include "reliability/circuit_breaker.h"
#include "serving/api/predict_codec.h"
#include "serving/bounded_queue.h"
#include "serving/model_watcher.h"
#include "serving/prediction_log.h"
#include "serving/scorer.h"
#include "serving/shadow_comparison.h"

namespace churnml::serving {

struct ShadowOptions {
  size_t queue_requests = 1000;  // requests waiting for the shadow at most
  size_t window_pairs = 1000;    // customers in the comparison window
};

// One shadow model: its slot, the watcher that keeps it on its reference
// (hot swap by alias) and the scorer (the Shadow's breaker, no fallback
// chain: a failed shadow call is only counted). Built by the server.
struct ShadowModel {
  std::string ref;
  ModelSlot slot;
  std::unique_ptr<ModelWatcher> watcher;
  std::unique_ptr<Scorer> scorer;
  ~ShadowModel();  // stops the watcher
};

// A snapshot of the shadow (GET /experiments, /metrics, the dashboard).
struct ShadowStats {
  bool enabled = false;
  std::string ref;    // the --shadow reference ("" when off)
  std::string model;  // the version being scored with
  std::string version;
  uint64_t offered = 0;  // requests offered to the shadow
  uint64_t dropped = 0;  // not queued because the queue was full (or shutting down)
  uint64_t scored = 0;   // requests the shadow scored
  uint64_t failed = 0;   // requests the shadow failed (error, deadline, breaker open)
  size_t queue_depth = 0;
  size_t queue_capacity = 0;
  std::string breaker_state;  // "closed", "open", "half_open", "forced_open"
  ComparisonStats comparison;
};

class Shadow {
 public:
  // `log` (may be null) receives one shadow record per compared customer;
  // `breaker_config` configures the shadow's breaker. Starts the worker.
  static Result<std::unique_ptr<Shadow>> Create(
      ShadowOptions options, PredictionLog* log,
      const reliability::CircuitBreakerConfig& breaker_config);
  ~Shadow();  // Stop()
  Shadow(const Shadow&) = delete;
  Shadow& operator=(const Shadow&) = delete;

  // The request path: queues a copy of `rows` and the answer, or drops and
  // counts it when the queue is full. Never blocks on the shadow; a no-op
  // while the shadow is off.
  void Offer(const Dataset& rows, std::string_view request_id, std::string_view variant,
             std::span<const Prediction> answers);

  // Installs `model` (null = off): the comparison window and the breaker
  // start over. The outgoing model is released once the worker is done
  // with it.
  void SetModel(std::shared_ptr<ShadowModel> model);
  std::shared_ptr<ShadowModel> model() const { return model_.load(); }
  bool enabled() const { return enabled_.load(std::memory_order_relaxed); }

  // The breaker the ShadowModel's scorer must use.
  reliability::CircuitBreaker* breaker() const { return breaker_.get(); }

  ShadowStats Stats() const;
  // churnml_shadow_* series (docs/monitoring.md) while the shadow is on.
  void Collect(monitoring::CollectorSink& sink) const;

  // Ends the worker after the queued requests (no new ones are taken).
  void Stop();
  // Waits until the queue is empty and the worker idle, at most `timeout`;
  // whether it got there (tests).
  bool WaitIdle(std::chrono::milliseconds timeout) const;

 private:
  struct Item {
    std::vector<ColumnData> columns;
    std::vector<std::string> ids;
    size_t rows = 0;
    std::string request_id;
    std::string variant;
    std::vector<double> scores;
    std::vector<int> classes;
  };

  Shadow(ShadowOptions options, PredictionLog* log);
  void Run();
  void Score(Item& item);

  ShadowOptions options_;
  PredictionLog* log_;
  std::unique_ptr<reliability::CircuitBreaker> breaker_;
  ShadowComparison comparison_;
  BoundedQueue<Item> queue_;
  std::atomic<std::shared_ptr<ShadowModel>> model_;
  std::atomic<bool> enabled_{false};
  std::atomic<uint64_t> offered_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> scored_{0};
  std::atomic<uint64_t> failed_{0};
  std::atomic<uint64_t> done_{0};  // queued requests the worker has finished
  std::once_flag stop_once_;
  std::thread worker_;
};

}  // namespace churnml::serving
