// Mutexes the compiler checks. libstdc++'s std::mutex carries no capability
// attributes, so Clang's -Wthread-safety cannot see what a std::lock_guard
// protects; these thin wrappers (leveldb's port::Mutex, Abseil's Mutex) can.
//
//   Mutex mu_;
//   int hits_ CHURNML_GUARDED_BY(mu_) = 0;
//   void Hit() { MutexLock lock(&mu_); ++hits_; }
//
// Waiting on a condition is written as a loop around Mutex::Wait, which keeps
// the guarded reads inside the function that holds the lock (a predicate
// lambda would hide them from the analysis):
//
//   MutexLock lock(&mu_);
//   while (queue_.empty() && !stop_) mu_.Wait(cv_);
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>

#include "common/thread_annotations.h"

namespace churnml {

class CHURNML_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() CHURNML_ACQUIRE() { mu_.lock(); }
  void Unlock() CHURNML_RELEASE() { mu_.unlock(); }
  // Tells the analysis the caller holds this mutex (for callbacks invoked
  // under a lock the analysis cannot follow).
  void AssertHeld() const CHURNML_ASSERT_CAPABILITY(this) {}

  // Releases the mutex while blocked on `cv` and holds it again on return
  // (spurious wake-ups included: call it in a loop that re-checks).
  void Wait(std::condition_variable& cv) CHURNML_REQUIRES(this) {
    std::unique_lock<std::mutex> lock(mu_, std::adopt_lock);
    cv.wait(lock);
    lock.release();
  }
  // As Wait, for at most `timeout`; false when it timed out.
  template <class Rep, class Period>
  bool WaitFor(std::condition_variable& cv, std::chrono::duration<Rep, Period> timeout)
      CHURNML_REQUIRES(this) {
    std::unique_lock<std::mutex> lock(mu_, std::adopt_lock);
    bool woken = cv.wait_for(lock, timeout) == std::cv_status::no_timeout;
    lock.release();
    return woken;
  }

 private:
  std::mutex mu_;
};

// Holds a Mutex for its scope.
class CHURNML_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex* mu) CHURNML_ACQUIRE(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() CHURNML_RELEASE() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* mu_;
};

// A reader-writer mutex: many readers or one writer.
class CHURNML_CAPABILITY("shared_mutex") SharedMutex {
 public:
  SharedMutex() = default;
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  void Lock() CHURNML_ACQUIRE() { mu_.lock(); }
  void Unlock() CHURNML_RELEASE() { mu_.unlock(); }
  void LockShared() CHURNML_ACQUIRE_SHARED() { mu_.lock_shared(); }
  void UnlockShared() CHURNML_RELEASE_SHARED() { mu_.unlock_shared(); }

 private:
  std::shared_mutex mu_;
};

class CHURNML_SCOPED_CAPABILITY WriterLock {
 public:
  explicit WriterLock(SharedMutex* mu) CHURNML_ACQUIRE(mu) : mu_(mu) { mu_->Lock(); }
  ~WriterLock() CHURNML_RELEASE() { mu_->Unlock(); }
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;

 private:
  SharedMutex* mu_;
};

class CHURNML_SCOPED_CAPABILITY ReaderLock {
 public:
  explicit ReaderLock(SharedMutex* mu) CHURNML_ACQUIRE_SHARED(mu) : mu_(mu) { mu_->LockShared(); }
  ~ReaderLock() CHURNML_RELEASE() { mu_->UnlockShared(); }
  ReaderLock(const ReaderLock&) = delete;
  ReaderLock& operator=(const ReaderLock&) = delete;

 private:
  SharedMutex* mu_;
};

}  // namespace churnml
