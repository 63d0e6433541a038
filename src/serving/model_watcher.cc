#include "serving/model_watcher.h"

#include <filesystem>
#include <utility>

#include "common/logging.h"

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
  watches_ = !IsDirectory(options_.ref) && options_.ref.find('@') != std::string::npos;
}

ModelWatcher::~ModelWatcher() { Stop(); }

Result<tracking::ResolvedModel> ModelWatcher::Resolve() {
  if (IsDirectory(options_.ref)) {
    return tracking::ResolvedModel{"", 0, std::filesystem::absolute(options_.ref)};
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

Status ModelWatcher::LoadInitial() {
  CHURNML_ASSIGN_OR_RETURN(tracking::ResolvedModel resolved, Resolve());
  CHURNML_ASSIGN_OR_RETURN(std::shared_ptr<const ServedModel> model,
                           LoadServedModel(resolved, options_.default_name, registry_));
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
      return LoadServedModel(*resolved, options_.default_name, registry_);
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
  std::lock_guard lock(mu_);
  triggered_ = true;
  wake_.notify_one();
}

void ModelWatcher::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void ModelWatcher::Run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    auto woken = [this] { return stopping_ || triggered_; };
    if (options_.interval.count() > 0) {
      wake_.wait_for(lock, options_.interval, woken);
    } else {
      wake_.wait(lock, woken);
    }
    if (stopping_) break;
    triggered_ = false;
    lock.unlock();
    CheckOnce();
    lock.lock();
  }
}

}  // namespace churnml::serving
