#include "cli/interrupt_guard.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>

#include "common/atomic_file.h"

namespace churnml::cli {
namespace {

// SIGUSR2 tells the watcher to stop when the command ends normally.
sigset_t WatchedSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR2);
  return set;
}

}  // namespace

InterruptGuard::InterruptGuard() : InterruptGuard(tracking::StoreOptions{}) {}

InterruptGuard::InterruptGuard(tracking::StoreOptions store) : store_(std::move(store)) {
  sigset_t set = WatchedSignals();
  pthread_sigmask(SIG_BLOCK, &set, &old_mask_);
  watcher_ = std::thread([this] { Watch(); });
}

InterruptGuard::~InterruptGuard() {
  pthread_kill(watcher_.native_handle(), SIGUSR2);
  watcher_.join();
  pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

void InterruptGuard::SetRun(const std::string& run_id) {
  MutexLock lock(&mu_);
  run_id_ = run_id;
}

void InterruptGuard::Watch() {
  sigset_t set = WatchedSignals();
  int sig = 0;
  if (sigwait(&set, &sig) != 0 || sig == SIGUSR2) return;
  // First, and for good: from here on no thread can commit or create an
  // output, so the final names keep what they had.
  const int removed = RemoveTemporariesBeforeExit();
  std::string run_id;
  {
    MutexLock lock(&mu_);
    run_id = run_id_;
  }
  if (!run_id.empty()) {
    auto store = tracking::TrackingStore::Open(store_);
    if (store.ok()) (*store)->FinishRun(run_id, tracking::RunStatus::kKilled).IgnoreError();
    std::fprintf(stderr, "churnml: interrupted; run %s marked KILLED", run_id.c_str());
  } else {
    std::fprintf(stderr, "churnml: interrupted");
  }
  if (removed > 0) std::fprintf(stderr, "; %d temporary file(s) removed", removed);
  std::fputc('\n', stderr);
  std::_Exit(128 + sig);
}

}  // namespace churnml::cli
