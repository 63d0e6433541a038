// Keeps the served model in step with the registry. A model reference
// NAME@ALIAS is resolved again every `interval` and on Trigger() (SIGHUP);
// when it names another version, that version is loaded and smoke-tested
// beside the one serving, then swapped in atomically. A version that fails to
// load or to pass the smoke prediction is not swapped in: the old one keeps
// serving, and the failure is reported through `on_reload`.
//
// A directory, or NAME/VERSION, names one fixed model: it is loaded once.
//
// Loading (initial and on every swap) runs on a thread of its own and is
// waited for at most `load_timeout`: a load that hangs is reported as
// failed and abandoned, so it can neither block the next check nor Stop()
// (SIGTERM). At most kMaxAbandonedLoads abandoned loads may still be
// running; past that no new load starts until one of them ends. (The
// artifact checks make a hanging load unexpected; this bounds it anyway.)
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "common/mutex.h"
#include "common/random.h"
#include "common/status.h"
#include "models/model_registry.h"
#include "reliability/circuit_breaker.h"
#include "reliability/retry.h"
#include "serving/model_slot.h"
#include "tracking/tracking_store.h"

namespace churnml::serving {

struct ModelWatcherOptions {
  std::string ref;                            // --model
  std::string store_uri;                      // --store
  std::string default_name = "churn";         // names a model served from a directory
  std::chrono::milliseconds interval{10000};  // 0: only on Trigger()
  // Bound on loading and smoke-testing one version; 0 = unbounded.
  std::chrono::milliseconds load_timeout{60000};
  // Fault injection for tests: called on the loader thread at "load.started"
  // (before the artifact is read). Empty in production.
  std::function<void(std::string_view point)> checkpoint = nullptr;
};

// Loads that overran load_timeout and may still be running.
inline constexpr int kMaxAbandonedLoads = 2;

// The protection around the watcher's two remote steps. Each may be null
// (tests); the server passes breakers it exports as metrics.
//  - store: opening the tracking store and resolving the reference, retried
//    with backoff under `store_retry` and guarded by `store_breaker`, so a
//    PostgreSQL outage costs a few fast failures per check, not a stall,
//    and the watcher reconnects by itself when the database returns;
//  - load: loading and smoke-testing a new version, guarded by
//    `load_breaker`, so a registry that keeps pointing at broken versions is
//    not reloaded on every check.
struct WatcherReliability {
  reliability::CircuitBreaker* store_breaker = nullptr;
  reliability::CircuitBreaker* load_breaker = nullptr;
  reliability::RetryPolicy store_retry = DefaultStoreRetry();
  const Clock* clock = &RealClock();

  // 3 attempts, 100 ms doubling with full jitter, 2 s in all.
  static reliability::RetryPolicy DefaultStoreRetry();
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
               std::function<void(const ReloadEvent&)> on_reload,
               WatcherReliability reliability = {});
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
  // Loads abandoned past load_timeout that are still running.
  int abandoned_loads() const { return abandoned_loads_->load(); }

 private:
  Result<tracking::ResolvedModel> Resolve();
  // Resolve() under the store's retry policy and breaker.
  Result<tracking::ResolvedModel> ResolveProtected();
  // LoadServedModel on its own thread, waited for at most load_timeout and
  // not past Stop(). DeadlineExceeded when it overran (it is abandoned);
  // Unavailable when kMaxAbandonedLoads loads are still running or the
  // watcher is stopping.
  Result<std::shared_ptr<const ServedModel>> LoadBounded(const tracking::ResolvedModel& resolved);
  void Run() CHURNML_EXCLUDES(mu_);

  ModelWatcherOptions options_;
  const ModelRegistry& registry_;
  ModelSlot* slot_;
  std::function<void(const ReloadEvent&)> on_reload_;
  WatcherReliability reliability_;
  Rng rng_{0x5eed};  // retry jitter (watcher thread only)
  bool watches_ = false;
  std::unique_ptr<tracking::TrackingStore> store_;  // watcher thread only

  // Shared with abandoned loader threads, which may outlive the watcher.
  std::shared_ptr<std::atomic<int>> abandoned_loads_ = std::make_shared<std::atomic<int>>(0);
  std::atomic<bool> stop_requested_{false};

  Mutex mu_;
  std::condition_variable wake_;
  bool triggered_ CHURNML_GUARDED_BY(mu_) = false;
  bool stopping_ CHURNML_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace churnml::serving
