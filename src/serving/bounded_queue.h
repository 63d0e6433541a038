// A bounded multi-producer queue whose producers never wait: TryPush fails
// at once when the queue is full (the caller drops and counts the item), so
// a slow consumer can never delay the producers (the request path of
// serve --shadow). One or more consumers block in Pop until an item comes
// or the queue is closed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <optional>
#include <utility>

#include "common/mutex.h"

namespace churnml::serving {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity) {}

  // Queues `item` unless the queue is full or closed; false then, and the
  // item is not moved from (the caller drops it).
  bool TryPush(T&& item) {
    {
      MutexLock lock(&mu_);
      if (closed_ || items_.size() >= capacity_) return false;
      items_.push_back(std::move(item));
    }
    ready_.notify_one();
    return true;
  }

  // Whether a push would fail now (a racy hint: lets a producer skip the
  // work of building an item that would be dropped).
  bool Full() const {
    MutexLock lock(&mu_);
    return closed_ || items_.size() >= capacity_;
  }

  // The oldest item; waits for one. nullopt once the queue is closed and
  // empty.
  std::optional<T> Pop() {
    MutexLock lock(&mu_);
    while (!closed_ && items_.empty()) mu_.Wait(ready_);
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    return item;
  }

  // Ends Pop's waits once the queued items are taken; later pushes fail.
  void Close() {
    {
      MutexLock lock(&mu_);
      closed_ = true;
    }
    ready_.notify_all();
  }

  size_t size() const {
    MutexLock lock(&mu_);
    return items_.size();
  }
  size_t capacity() const { return capacity_; }

 private:
  const size_t capacity_;
  mutable Mutex mu_;
  std::condition_variable ready_;
  std::deque<T> items_ CHURNML_GUARDED_BY(mu_);
  bool closed_ CHURNML_GUARDED_BY(mu_) = false;
};

}  // namespace churnml::serving
