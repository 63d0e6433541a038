#include "serving/http/event_stream.h"

#include <algorithm>

namespace churnml::serving {

std::string FormatServerSentEvent(std::string_view name, std::string_view data) {
  std::string out;
  out.reserve(data.size() + name.size() + 16);
  if (!name.empty()) {
    out.append("event: ");
    for (char c : name) {
      if (c != '\r' && c != '\n' && c != '\0') out.push_back(c);
    }
    out.push_back('\n');
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t end = data.find_first_of("\r\n", start);
    out.append("data: ");
    out.append(data.substr(start, end == std::string_view::npos ? end : end - start));
    out.push_back('\n');
    if (end == std::string_view::npos) break;
    start = end + 1;
    if (data[end] == '\r' && start < data.size() && data[start] == '\n') ++start;
    if (start == data.size()) break;
  }
  out.push_back('\n');
  return out;
}

EventStream::EventStream(std::size_t max_pending_bytes) : max_pending_bytes_(max_pending_bytes) {}

void EventStream::WakeLocked() {
  if (!wake_armed_ || !wake_) return;
  wake_armed_ = false;
  wake_();
}

bool EventStream::Send(std::string_view bytes) {
  MutexLock lock(&mu_);
  if (finished_ || detached_) return false;
  if (bytes.size() > max_pending_bytes_ - std::min(max_pending_bytes_, pending_.size())) {
    ++dropped_;
    return false;
  }
  pending_.append(bytes);
  WakeLocked();
  return true;
}

void EventStream::Finish() {
  MutexLock lock(&mu_);
  if (finished_) return;
  finished_ = true;
  WakeLocked();
}

bool EventStream::closed() const {
  MutexLock lock(&mu_);
  return finished_ || detached_;
}

std::uint64_t EventStream::dropped() const {
  MutexLock lock(&mu_);
  return dropped_;
}

void EventStream::SetWaker(std::function<void()> wake) {
  MutexLock lock(&mu_);
  wake_ = std::move(wake);
  wake_armed_ = true;
  if (!pending_.empty() || finished_) WakeLocked();
}

bool EventStream::Take(std::string& out) {
  MutexLock lock(&mu_);
  out.clear();
  out.swap(pending_);
  wake_armed_ = true;
  return finished_;
}

void EventStream::Detach() {
  MutexLock lock(&mu_);
  detached_ = true;
  wake_ = nullptr;
  pending_.clear();
  pending_.shrink_to_fit();
}

EventBroadcaster::EventBroadcaster(std::size_t max_subscribers, std::size_t max_pending_bytes)
    : max_subscribers_(max_subscribers), max_pending_bytes_(max_pending_bytes) {}

EventBroadcaster::~EventBroadcaster() { Shutdown(); }

void EventBroadcaster::PruneLocked() {
  // Summed outside the lambda: the analysis cannot see that it runs under mu_.
  std::uint64_t forgotten = 0;
  std::erase_if(streams_, [&forgotten](const std::shared_ptr<EventStream>& stream) {
    if (!stream->closed()) return false;
    forgotten += stream->dropped();
    return true;
  });
  dropped_forgotten_ += forgotten;
}

std::shared_ptr<EventStream> EventBroadcaster::Subscribe() {
  MutexLock lock(&mu_);
  if (shut_down_) return nullptr;
  PruneLocked();
  if (streams_.size() >= max_subscribers_) return nullptr;
  auto stream = std::make_shared<EventStream>(max_pending_bytes_);
  streams_.push_back(stream);
  return stream;
}

std::size_t EventBroadcaster::Publish(std::string_view bytes) {
  MutexLock lock(&mu_);
  PruneLocked();
  std::size_t sent = 0;
  for (const std::shared_ptr<EventStream>& stream : streams_) {
    if (stream->Send(bytes)) ++sent;
  }
  return sent;
}

std::size_t EventBroadcaster::subscribers() const {
  MutexLock lock(&mu_);
  return streams_.size();
}

std::uint64_t EventBroadcaster::dropped() const {
  MutexLock lock(&mu_);
  std::uint64_t total = dropped_forgotten_;
  for (const std::shared_ptr<EventStream>& stream : streams_) total += stream->dropped();
  return total;
}

void EventBroadcaster::Shutdown() {
  MutexLock lock(&mu_);
  shut_down_ = true;
  for (const std::shared_ptr<EventStream>& stream : streams_) {
    stream->Finish();
    dropped_forgotten_ += stream->dropped();
  }
  streams_.clear();
}

}  // namespace churnml::serving
