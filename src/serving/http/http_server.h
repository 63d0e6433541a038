// An HTTP/1.1 server on Boost.Beast/Asio for the prediction service (which
// plugs its routes in through a Router). Boost stays inside the .cc files.
//
// Threading: `threads` workers, each with its own io_context and its own
// SO_REUSEPORT listening socket on the same port (the kernel spreads new
// connections); a connection lives on one worker for its whole life, so no
// lock is taken per request. Handlers run inline on the worker thread: keep
// them short and non-blocking (a blocked handler stalls its worker's other
// connections).
//
// Limits and timeouts (docs/http-server.md):
//  - header_timeout: from the first byte of a request until its header is
//    complete; read_timeout: from then until the body is complete;
//    write_timeout: writing the response (a client that does not read its
//    answer holds one response, at most this long); idle_timeout: a
//    keep-alive connection waiting for the next request. Expiry closes the
//    connection.
//  - Every byte a client sends is bounded before any handler (and so any
//    authentication) runs: body over max_body_bytes → 413; request line and
//    header fields over max_header_bytes → 431; a trailer section (or a
//    chunk line) over max_header_bytes → 431; chunk lines and extensions
//    outweighing the data by more than max_header_bytes → 400. Framing is
//    strict (request_parser.h): Transfer-Encoding other than exactly
//    "chunked", a repeated or non-numeric Content-Length, or both → 400.
//    Malformed HTTP → 400. Each of these closes the connection.
//  - Over max_connections: the new connection is accepted and closed at once
//    and counted in rejected_connections.
//
// Every response carries X-Request-Id (the client's when it is a sane token
// of at most 128 characters, else a generated one), Date and the security
// headers X-Content-Type-Options: nosniff, X-Frame-Options: DENY,
// Content-Security-Policy: default-src 'none' (unless the handler sets its
// own), Referrer-Policy: no-referrer, Cache-Control: no-store.
//
// A handler may answer with a stream (HttpResponse::stream, event_stream.h:
// server-sent events): written as a producer sends, without blocking the
// worker, until the producer finishes it, the client goes away or Stop()
// drains it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"
#include "serving/http/http_message.h"

namespace churnml::serving {

// One answered request (or a connection-level error answer: 400/413/431),
// handed to the observer after the response was written. Views are valid
// only during the call.
struct AccessRecord {
  std::string_view method;  // "" when the request line never parsed
  std::string_view path;    // "" when the request line never parsed
  std::string_view route;   // matched pattern; "" when none matched
  int status = 0;
  std::chrono::nanoseconds latency{0};  // first request byte → response written
  std::size_t request_body_bytes = 0;
  std::size_t response_bytes = 0;  // header + body as written
  std::string_view request_id;
  std::string_view remote_address;
  // The handler's own response headers (e.g. X-Churnml-Variant).
  std::span<const std::pair<std::string, std::string>> response_headers;
};

using AccessObserver = std::function<void(const AccessRecord&)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";        // an IPv4/IPv6 address, or "localhost"
  uint16_t port = 0;                     // 0 = an ephemeral port (see HttpServer::port())
  int threads = 0;                       // worker threads; 0 = hardware cores
  std::size_t max_body_bytes = 1 << 20;  // request body limit, bytes (413 above)
  // Request line + header fields, bytes (431 above); also the trailer
  // section and the chunk-line overhead of a chunked body.
  std::size_t max_header_bytes = 16 * 1024;
  std::chrono::milliseconds header_timeout{10'000};  // first byte → full header
  std::chrono::milliseconds read_timeout{30'000};    // header → full body
  std::chrono::milliseconds write_timeout{30'000};   // writing one response
  std::chrono::milliseconds idle_timeout{60'000};    // keep-alive wait for the next request
  std::size_t max_connections = 10'000;              // open connections, all workers
  std::chrono::milliseconds drain_timeout{30'000};   // Stop(): in-flight grace period
  // Called on the worker thread after each response; must be cheap and
  // thread-safe. Exceptions from it are swallowed.
  AccessObserver access_observer;
};

struct HttpServerStats {
  std::size_t active_connections = 0;
  std::uint64_t accepted_connections = 0;  // including the rejected ones
  std::uint64_t rejected_connections = 0;  // over max_connections
  std::uint64_t requests = 0;              // responses written
};

class HttpServerState;

// Whether `host` (an HttpServerOptions::host value) only accepts connections
// from this machine: "localhost", 127.0.0.0/8, ::1 (or ::ffff:127.x.y.z).
// False for anything else, including addresses that do not parse.
bool IsLoopbackHost(const std::string& host);

class HttpServer {
 public:
  // Binds host:port, listens and starts the workers. InvalidArgument for a
  // bad option (names the field); IOError naming host:port when binding
  // fails (address in use, permission denied, address not available).
  static Result<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                   HttpHandler handler);

  // Stop() then Wait().
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound port (the ephemeral one when options.port was 0).
  uint16_t port() const { return port_; }

  // Graceful drain; returns at once, idempotent, callable from any thread
  // (including a handler). New connections are refused from the moment it
  // returns; idle keep-alive connections are closed; requests in flight
  // (including one whose bytes reached the server before its worker got to
  // the drain) finish and are answered with Connection: close; whatever is
  // still open drain_timeout after Stop() is closed.
  void Stop();
  // Blocks until every worker has finished (after Stop(): drained).
  void Wait() CHURNML_EXCLUDES(threads_mu_);

  HttpServerStats stats() const;

 private:
  HttpServer() = default;

  uint16_t port_ = 0;
  std::unique_ptr<HttpServerState> state_;
  Mutex threads_mu_;
  std::vector<std::thread> threads_ CHURNML_GUARDED_BY(threads_mu_);  // joined by Wait
};

}  // namespace churnml::serving
