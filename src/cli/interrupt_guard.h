// Ends a long command cleanly when the user presses Ctrl-C (or the process
// gets SIGTERM): removes every temporary output file and staging folder the
// process has not committed (common/atomic_file.h), so final names keep what
// they had and nothing is left behind; marks a tracked run KILLED; then exits
// with status 128 + the signal (130 for SIGINT, 143 for SIGTERM).
//
// SIGINT and SIGTERM are blocked in every thread created after the guard
// (training threads included) and waited for by one thread, which can then
// safely open its own store connection: no work happens in a signal handler.
#pragma once

#include <pthread.h>

#include <atomic>
#include <string>
#include <thread>

#include "common/mutex.h"
#include "tracking/tracking_store.h"

namespace churnml::cli {

class InterruptGuard {
 public:
  // Without a store: only the temporaries are removed (predict, data generate).
  InterruptGuard();
  explicit InterruptGuard(tracking::StoreOptions store);
  ~InterruptGuard();  // stops watching; restores the signal mask
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  // The run to mark KILLED from now on. Thread-safe.
  void SetRun(const std::string& run_id);

 private:
  void Watch();

  tracking::StoreOptions store_;
  sigset_t old_mask_;
  Mutex mu_;
  std::string run_id_ CHURNML_GUARDED_BY(mu_);
  std::thread watcher_;
};

}  // namespace churnml::cli
