#include "serving/model_watcher.h"

#include <filesystem>
#include <thread>
#include <utility>

#include "common/logging.h"
#include "tracking/model_reference.h"

namespace churnml::serving {

namespace {

bool IsDirectory(const std::string& ref) {
  std::error_code ec;
  return std::filesystem::is_directory(ref, ec);
}

}  // namespace

reliability::RetryPolicy WatcherReliability::DefaultStoreRetry() {
  reliability::RetryPolicy policy;
  policy.max_attempts = 3;
  policy.initial_backoff = std::chrono::milliseconds(100);
  policy.max_backoff = std::chrono::seconds(1);
  policy.jitter = reliability::Jitter::kFull;
  policy.deadline = std::chrono::seconds(2);
  return policy;
}

ModelWatcher::ModelWatcher(ModelWatcherOptions options, const ModelRegistry& registry,
                           ModelSlot* slot, std::function<void(const ReloadEvent&)> on_reload,
                           WatcherReliability reliability)
    : options_(std::move(options)),
      registry_(registry),
      slot_(slot),
      on_reload_(std::move(on_reload)),
      reliability_(std::move(reliability)) {
  // Only an alias can move; a directory or NAME/VERSION never changes.
  watches_ =
      tracking::ParseModelReference(options_.ref).kind == tracking::ModelReference::Kind::kAlias;
}

ModelWatcher::~ModelWatcher() { Stop(); }

Result<tracking::ResolvedModel> ModelWatcher::Resolve() {
  if (IsDirectory(options_.ref)) {
    return tracking::ResolvedModel{"", 0, std::filesystem::absolute(options_.ref), {}};
  }
  if (!store_) {
    tracking::StoreOptions store_options;
    store_options.uri = options_.store_uri;
    CHURNML_ASSIGN_OR_RETURN(store_, tracking::TrackingStore::Open(store_options));
  }
  Result<tracking::ResolvedModel> resolved = store_->ResolveModel(options_.ref);
  // A connection that failed for any reason but a definite answer (no such
  // alias, a bad reference) is reopened on the next attempt, not reused.
  if (!resolved.ok()) {
    StatusCode code = resolved.status().code();
    if (code != StatusCode::kNotFound && code != StatusCode::kInvalidArgument &&
        code != StatusCode::kFailedPrecondition) {
      store_.reset();
    }
  }
  return resolved;
}

Result<tracking::ResolvedModel> ModelWatcher::ResolveProtected() {
  Result<tracking::ResolvedModel> resolved = UnavailableError("not resolved");
  Status status = reliability::Retry(reliability_.store_retry, *reliability_.clock, rng_,
                                     reliability_.store_breaker, [&]() -> Status {
                                       resolved = Resolve();
                                       return resolved.ok() ? Status::Ok() : resolved.status();
                                     });
  if (!status.ok()) return status;
  return resolved;
}

Result<std::shared_ptr<const ServedModel>> ModelWatcher::LoadBounded(
    const tracking::ResolvedModel& resolved) {
  if (options_.load_timeout.count() <= 0) {
    if (options_.checkpoint) options_.checkpoint("load.started");
    return LoadServedModel(resolved, options_.default_name, registry_);
  }
  const std::string what = resolved.model.empty() ? resolved.artifact_path.string()
                                                  : "version " + std::to_string(resolved.version) +
                                                        " of model \"" + resolved.model + "\"";
  if (abandoned_loads_->load() >= kMaxAbandonedLoads) {
    return UnavailableError("not loading " + what + ": " + std::to_string(kMaxAbandonedLoads) +
                            " earlier loads are still running past their deadline");
  }
  struct Task {
    Mutex mu;
    std::condition_variable done_cv;
    bool done CHURNML_GUARDED_BY(mu) = false;
    bool abandoned CHURNML_GUARDED_BY(mu) = false;
    Result<std::shared_ptr<const ServedModel>> result CHURNML_GUARDED_BY(mu) =
        InternalError("load did not run");
  };
  auto task = std::make_shared<Task>();
  // The thread holds copies of its inputs and shared state only, so it can
  // outlive this call (and the watcher) when abandoned. The registry is the
  // process's and lives until exit.
  std::thread([task, resolved, name = options_.default_name, registry = &registry_,
               abandoned = abandoned_loads_, checkpoint = options_.checkpoint] {
    if (checkpoint) checkpoint("load.started");
    Result<std::shared_ptr<const ServedModel>> result = LoadServedModel(resolved, name, *registry);
    MutexLock lock(&task->mu);
    task->result = std::move(result);
    task->done = true;
    if (task->abandoned) abandoned->fetch_sub(1);
    task->done_cv.notify_all();
  }).detach();
  const auto deadline = std::chrono::steady_clock::now() + options_.load_timeout;
  MutexLock lock(&task->mu);
  while (!task->done) {
    // Short slices so Stop() is noticed promptly.
    task->mu.WaitFor(task->done_cv, std::chrono::milliseconds(50));
    if (task->done) break;
    const bool stopping = stop_requested_.load();
    if (stopping || std::chrono::steady_clock::now() >= deadline) {
      task->abandoned = true;
      abandoned_loads_->fetch_add(1);
      if (stopping)
        return UnavailableError("loading " + what + " abandoned: the server is stopping");
      return DeadlineExceededError("loading " + what + " did not finish within " +
                                   std::to_string(options_.load_timeout.count()) +
                                   " ms; abandoned");
    }
  }
  return std::move(task->result);
}

Status ModelWatcher::LoadInitial() {
  CHURNML_ASSIGN_OR_RETURN(tracking::ResolvedModel resolved, Resolve());
  CHURNML_ASSIGN_OR_RETURN(std::shared_ptr<const ServedModel> model, LoadBounded(resolved));
  slot_->Swap(std::move(model));
  return Status::Ok();
}

ReloadEvent ModelWatcher::CheckOnce() {
  ReloadEvent event;
  std::shared_ptr<const ServedModel> serving = slot_->current();
  if (serving) event.from_version = serving->version;
  Result<tracking::ResolvedModel> resolved = ResolveProtected();
  if (!resolved.ok()) {
    event.result = ReloadEvent::Result::kFailed;
    event.error = resolved.status();
  } else if (serving && std::to_string(resolved->version) == serving->version &&
             resolved->artifact_path == serving->path) {
    event.result = ReloadEvent::Result::kUnchanged;
  } else {
    event.to_version = std::to_string(resolved->version);
    auto load = [&]() -> Result<std::shared_ptr<const ServedModel>> {
      return LoadBounded(*resolved);
    };
    Result<std::shared_ptr<const ServedModel>> loaded =
        reliability_.load_breaker ? reliability_.load_breaker->Execute(load) : load();
    if (!loaded.ok()) {
      event.result = ReloadEvent::Result::kFailed;
      event.error = loaded.status();
    } else {
      slot_->Swap(std::move(*loaded));
      event.result = ReloadEvent::Result::kSwapped;
    }
  }
  if (on_reload_) on_reload_(event);
  return event;
}

void ModelWatcher::Start() {
  if (!watches_ || thread_.joinable()) return;
  thread_ = std::thread([this] { Run(); });
}

void ModelWatcher::Trigger() {
  MutexLock lock(&mu_);
  triggered_ = true;
  wake_.notify_one();
}

void ModelWatcher::Stop() {
  stop_requested_.store(true);
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void ModelWatcher::Run() {
  while (true) {
    {
      MutexLock lock(&mu_);
      if (options_.interval.count() > 0) {
        const auto deadline = std::chrono::steady_clock::now() + options_.interval;
        for (auto now = std::chrono::steady_clock::now();
             !stopping_ && !triggered_ && now < deadline; now = std::chrono::steady_clock::now()) {
          mu_.WaitFor(wake_, deadline - now);
        }
      } else {
        while (!stopping_ && !triggered_) mu_.Wait(wake_);
      }
      if (stopping_) return;
      triggered_ = false;
    }
    CheckOnce();
  }
}

}  // namespace churnml::serving
