// Server-sent events (text/event-stream) without sockets: a handler answers
// with a stream by setting HttpResponse::stream, and a producer on any
// thread sends framed events into it. The connection that owns the other
// end writes them on its worker thread, so no worker ever waits for a
// producer or a client (docs/http-server.md, "Streaming responses").
//
// Bounds: each stream holds at most `max_pending_bytes` not yet written to
// its client; an event that does not fit is dropped (counted), never
// buffered, so a slow client costs a bounded amount of memory and misses
// events instead. An EventBroadcaster holds at most `max_subscribers`
// streams; Subscribe() returns null beyond that (the handler answers 503).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/mutex.h"

namespace churnml::serving {

// One event in the text/event-stream format: an optional "event: <name>"
// line, one "data: " line per line of `data` (CR, LF and CRLF all split), and
// the blank line that ends the event. Control bytes in `name` are dropped.
std::string FormatServerSentEvent(std::string_view name, std::string_view data);

class EventStream {
 public:
  explicit EventStream(std::size_t max_pending_bytes);
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  // Producer side, any thread.
  //
  // Queues `bytes` (already framed, see FormatServerSentEvent). False when
  // nothing was queued: the stream is closed, or the bytes do not fit in
  // what is left of max_pending_bytes (then counted in dropped()).
  bool Send(std::string_view bytes);
  // Ends the stream once the queued bytes are written. Idempotent.
  void Finish();
  // True once Finish() was called or the consumer went away: nothing sent
  // from now on will be written.
  bool closed() const;
  std::uint64_t dropped() const;

  // Consumer side (the connection writing the stream).
  //
  // `wake` is called, under the stream's lock, when bytes or the finish
  // arrive while the consumer is not already due to look (at most once per
  // Take): it must only schedule work, e.g. post to an io_context.
  void SetWaker(std::function<void()> wake);
  // Moves the queued bytes to `out` (replacing its content) and re-arms the
  // waker. Returns true when the stream is finished and `out` holds the last
  // bytes.
  bool Take(std::string& out);
  // The consumer went away: closed from now on, the waker is dropped (it is
  // never called after Detach returns).
  void Detach();

 private:
  const std::size_t max_pending_bytes_;
  mutable Mutex mu_;
  std::string pending_ CHURNML_GUARDED_BY(mu_);
  bool finished_ CHURNML_GUARDED_BY(mu_) = false;
  bool detached_ CHURNML_GUARDED_BY(mu_) = false;
  bool wake_armed_ CHURNML_GUARDED_BY(mu_) = true;
  std::uint64_t dropped_ CHURNML_GUARDED_BY(mu_) = 0;
  std::function<void()> wake_ CHURNML_GUARDED_BY(mu_);
  void WakeLocked() CHURNML_REQUIRES(mu_);
};

// A bounded set of streams that receive the same events (a dashboard's
// subscribers). Thread-safe.
class EventBroadcaster {
 public:
  EventBroadcaster(std::size_t max_subscribers, std::size_t max_pending_bytes);
  ~EventBroadcaster();  // Shutdown()
  EventBroadcaster(const EventBroadcaster&) = delete;
  EventBroadcaster& operator=(const EventBroadcaster&) = delete;

  // A new stream, or null when max_subscribers streams are open (closed
  // ones are forgotten first) or after Shutdown().
  std::shared_ptr<EventStream> Subscribe();
  // Sends `bytes` to every open stream and forgets the closed ones.
  // Returns how many streams queued it.
  std::size_t Publish(std::string_view bytes);
  // Open streams (as of the last Subscribe/Publish, closed ones may remain).
  std::size_t subscribers() const;
  // Events dropped for slow clients, over every stream ever subscribed.
  std::uint64_t dropped() const;
  // Finishes every stream and refuses new ones. Idempotent.
  void Shutdown();

 private:
  void PruneLocked() CHURNML_REQUIRES(mu_);

  const std::size_t max_subscribers_;
  const std::size_t max_pending_bytes_;
  mutable Mutex mu_;
  std::vector<std::shared_ptr<EventStream>> streams_ CHURNML_GUARDED_BY(mu_);
  std::uint64_t dropped_forgotten_ CHURNML_GUARDED_BY(mu_) = 0;
  bool shut_down_ CHURNML_GUARDED_BY(mu_) = false;
};

}  // namespace churnml::serving
