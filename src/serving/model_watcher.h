// Keeps the served model in step with the registry. A model reference
// NAME@ALIAS is resolved again every `interval` and on Trigger() (SIGHUP);
// when it names another version, that version is loaded and smoke-tested
// beside the one serving, then swapped in atomically. A version that fails to
// load or to pass the smoke prediction is not swapped in: the old one keeps
// serving, and the failure is reported through `on_reload`.
//
// A directory, or NAME/VERSION, names one fixed model: it is loaded once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"
#include "models/model_registry.h"
#include "serving/model_slot.h"
#include "tracking/tracking_store.h"

namespace churnml::serving {

struct ModelWatcherOptions {
  std::string ref;                            // --model
  std::string store_uri;                      // --store
  std::string default_name = "churn";         // names a model served from a directory
  std::chrono::milliseconds interval{10000};  // 0: only on Trigger()
};

// What one check did, for logs, metrics and tests.
struct ReloadEvent {
  enum class Result { kUnchanged, kSwapped, kFailed };
  Result result = Result::kUnchanged;
  std::string from_version;
  std::string to_version;
  Status error;  // kFailed: why
};

class ModelWatcher {
 public:
  ModelWatcher(ModelWatcherOptions options, const ModelRegistry& registry, ModelSlot* slot,
               std::function<void(const ReloadEvent&)> on_reload);
  ~ModelWatcher();
  ModelWatcher(const ModelWatcher&) = delete;
  ModelWatcher& operator=(const ModelWatcher&) = delete;

  // Resolves and loads the first model; the server does not start without one.
  Status LoadInitial();
  // Starts the background thread (no-op for a fixed reference).
  void Start();
  // Asks for a check now (SIGHUP). Async-signal-unsafe: call from a thread.
  void Trigger();
  void Stop();
  // One check, synchronously (the thread's body; tests call it directly).
  ReloadEvent CheckOnce();
  // Whether `ref` can move (NAME@ALIAS).
  bool watches() const { return watches_; }

 private:
  Result<tracking::ResolvedModel> Resolve();
  void Run();

  ModelWatcherOptions options_;
  const ModelRegistry& registry_;
  ModelSlot* slot_;
  std::function<void(const ReloadEvent&)> on_reload_;
  bool watches_ = false;
  std::unique_ptr<tracking::TrackingStore> store_;  // watcher thread only

  std::mutex mu_;
  std::condition_variable wake_;
  bool triggered_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace churnml::serving
