// Internal to churnml_http: one worker thread's world. A Worker owns an
// io_context, a listening socket (SO_REUSEPORT when there are several
// workers) and the connections it accepted; everything but BeginStop runs on
// its own thread, so nothing here is locked.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "serving/http/http_server.h"

namespace churnml::serving {

class Worker;

// Shared by the HttpServer and its workers. Declared in order of
// destruction dependencies: the workers go first.
class HttpServerState {
 public:
  HttpServerOptions options;
  HttpHandler handler;
  std::chrono::steady_clock::duration sweep_period{};
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> active_connections{0};
  std::atomic<std::uint64_t> accepted_connections{0};
  std::atomic<std::uint64_t> rejected_connections{0};
  std::vector<std::unique_ptr<Worker>> workers;
};

class Connection;

class Worker {
 public:
  Worker(HttpServerState& state, int index);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Opens, binds and listens. IOError naming the endpoint on failure.
  Status Listen(const boost::asio::ip::tcp::endpoint& endpoint, bool reuse_port);
  uint16_t LocalPort() const;

  // The thread body: accepts and serves until drained.
  void Run();
  // Any thread: stops the listening socket at once (new connections are
  // refused from here on) and queues the drain on the worker thread.
  void BeginStop();

  // Worker thread only.
  void Register(Connection* connection);
  void Unregister(Connection* connection);
  std::string_view Date();
  void NextRequestId(std::string& out);
  void CountRequest() {
    requests_.store(requests_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  std::uint64_t requests() const { return requests_.load(std::memory_order_relaxed); }
  HttpServerState& state() { return state_; }
  boost::asio::io_context& context() { return context_; }

 private:
  void Accept();
  void OnAccept(const boost::system::error_code& ec, boost::asio::ip::tcp::socket socket);
  void ArmSweep();
  // Worker thread: closes the acceptor and idle connections; whatever is
  // still open at `deadline` is closed.
  void Drain(std::chrono::steady_clock::time_point deadline);
  // Worker thread, once draining and without connections: cancels the
  // timers so Run() returns.
  void FinishDrain();

  HttpServerState& state_;
  const int index_;
  std::vector<Connection*> connections_;  // each knows its index here
  bool draining_ = false;
  bool finished_ = false;  // drained: no timer may be armed again
  bool destroying_ = false;
  alignas(64) std::atomic<std::uint64_t> requests_{0};

  std::string id_prefix_;
  std::uint64_t id_counter_ = 0;
  std::time_t date_second_ = 0;
  std::string date_;

  // Destroyed before the members above: destroying the io_context destroys
  // pending handlers, which may destroy connections, which unregister.
  boost::asio::io_context context_{1};
  boost::asio::ip::tcp::acceptor acceptor_{context_};
  boost::asio::steady_timer sweep_timer_{context_};
  boost::asio::steady_timer drain_timer_{context_};
  boost::asio::steady_timer accept_retry_timer_{context_};
};

}  // namespace churnml::serving
