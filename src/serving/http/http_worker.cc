#include "serving/http/http_worker.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <boost/asio/post.hpp>
#include <boost/asio/socket_base.hpp>
#include <charconv>
#include <random>

#include "serving/http/http_connection.h"

namespace churnml::serving {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

constexpr std::chrono::milliseconds kAcceptRetryDelay{50};

std::string EndpointText(const tcp::endpoint& endpoint) {
  std::string text = endpoint.address().to_string();
  if (endpoint.address().is_v6()) text = "[" + text + "]";
  return text + ":" + std::to_string(endpoint.port());
}

}  // namespace

Worker::Worker(HttpServerState& state, int index) : state_(state), index_(index) {
  std::random_device device;
  const std::uint64_t random = (static_cast<std::uint64_t>(device()) << 32) ^ device();
  char digits[17];
  const auto result = std::to_chars(digits, digits + 16, random, 16);
  id_prefix_.assign(digits, result.ptr);
  id_prefix_.push_back('-');
  const auto index_result = std::to_chars(digits, digits + 16, index_, 16);
  id_prefix_.append(digits, index_result.ptr);
  id_prefix_.push_back('-');
}

Worker::~Worker() { destroying_ = true; }

Status Worker::Listen(const tcp::endpoint& endpoint, bool reuse_port) {
  error_code ec;
  const std::string where = EndpointText(endpoint);
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) {
    return IOError("cannot open a socket for " + where + ": " + ec.message());
  }
  acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (reuse_port) acceptor_.set_option(ReusePort(true), ec);
  if (ec) {
    return IOError("cannot set SO_REUSEPORT on " + where + ": " + ec.message());
  }
  acceptor_.bind(endpoint, ec);
  if (ec) {
    return IOError("cannot bind " + where + ": " + ec.message());
  }
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return IOError("cannot listen on " + where + ": " + ec.message());
  }
  return Status::Ok();
}

uint16_t Worker::LocalPort() const {
  error_code ec;
  return acceptor_.local_endpoint(ec).port();
}

void Worker::Run() {
  Accept();
  ArmSweep();
  // Handlers' exceptions are caught per request; this catches what escapes
  // the server's own code (e.g. std::bad_alloc) so one failure costs one
  // connection, not the process.
  while (true) {
    try {
      context_.run();
      return;
    } catch (const std::exception& e) {
      spdlog::error("http worker {}: {}", index_, e.what());
    } catch (...) {
      spdlog::error("http worker {}: unknown exception", index_);
    }
  }
}

void Worker::BeginStop() {
  // shutdown() on a listening socket takes it out of the listen table at
  // once (SYNs are refused) and wakes the pending accept with an error; the
  // descriptor itself stays valid for the worker thread to close.
  ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
  // The drain deadline counts from Stop(), not from when the worker gets to
  // the drain (it may be busy in a handler for a while).
  const auto deadline = std::chrono::steady_clock::now() + state_.options.drain_timeout;
  asio::post(context_, [this, deadline] { Drain(deadline); });
}

void Worker::Accept() {
  acceptor_.async_accept(context_, [this](const error_code& ec, tcp::socket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void Worker::OnAccept(const error_code& ec, tcp::socket socket) {
  if (draining_ || state_.stopping.load(std::memory_order_relaxed)) {
    error_code ignored;
    socket.close(ignored);
    return;
  }
  if (ec) {
    if (ec == asio::error::operation_aborted) return;
    // Out of descriptors or memory: back off instead of spinning.
    accept_retry_timer_.expires_after(kAcceptRetryDelay);
    accept_retry_timer_.async_wait([this](const error_code& wait_ec) {
      if (!wait_ec && !draining_) Accept();
    });
    return;
  }
  state_.accepted_connections.fetch_add(1, std::memory_order_relaxed);
  if (state_.active_connections.fetch_add(1, std::memory_order_relaxed) >=
      state_.options.max_connections) {
    state_.active_connections.fetch_sub(1, std::memory_order_relaxed);
    state_.rejected_connections.fetch_add(1, std::memory_order_relaxed);
    error_code ignored;
    socket.close(ignored);
  } else {
    std::make_shared<Connection>(*this, std::move(socket))->Start();
  }
  Accept();
}

void Worker::ArmSweep() {
  if (finished_) return;
  sweep_timer_.expires_after(state_.sweep_period);
  sweep_timer_.async_wait([this](const error_code& ec) {
    // FinishDrain's cancel() cannot recall a completion that is already
    // queued (the timer fell due while the worker was busy, e.g. in a
    // handler): re-arming then would keep the io_context, and Wait(), alive
    // forever with nothing left to serve.
    if (ec || finished_) return;
    if (draining_ && connections_.empty()) {
      FinishDrain();
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    // Close() never unregisters synchronously (the connection is destroyed
    // later, when its pending handler runs), so iterating is safe.
    for (Connection* connection : connections_) connection->CheckDeadline(now);
    ArmSweep();
  });
}

void Worker::Drain(std::chrono::steady_clock::time_point deadline) {
  if (draining_) return;
  draining_ = true;
  error_code ignored;
  acceptor_.close(ignored);
  accept_retry_timer_.cancel();
  for (Connection* connection : connections_) connection->OnDrain();
  if (connections_.empty()) {
    FinishDrain();
    return;
  }
  // The sweep keeps running until the last connection is gone: it enforces
  // the per-phase deadlines of the connections still serving a request.
  drain_timer_.expires_at(deadline);
  drain_timer_.async_wait([this](const error_code& ec) {
    if (ec || finished_) return;
    for (Connection* connection : connections_) connection->Close();
  });
}

void Worker::FinishDrain() {
  // With the acceptor closed and no connections, cancelling the timers
  // leaves the io_context without work, so Run() returns. finished_ stops
  // the handlers of timers that had already fallen due from re-arming.
  if (finished_) return;
  finished_ = true;
  sweep_timer_.cancel();
  drain_timer_.cancel();
  accept_retry_timer_.cancel();
}

void Worker::Register(Connection* connection) {
  connection->registry_index = connections_.size();
  connections_.push_back(connection);
}

void Worker::Unregister(Connection* connection) {
  const std::size_t index = connection->registry_index;
  if (index < connections_.size() && connections_[index] == connection) {
    connections_[index] = connections_.back();
    connections_[index]->registry_index = index;
    connections_.pop_back();
  }
  if (draining_ && !destroying_ && connections_.empty()) FinishDrain();
}

std::string_view Worker::Date() {
  const std::time_t now = std::time(nullptr);
  if (now != date_second_ || date_.empty()) {
    date_second_ = now;
    std::tm parts{};
    gmtime_r(&now, &parts);
    char text[64];
    const std::size_t size = std::strftime(text, sizeof(text), "%a, %d %b %Y %H:%M:%S GMT", &parts);
    date_.assign(text, size);
  }
  return date_;
}

void Worker::NextRequestId(std::string& out) {
  out.assign(id_prefix_);
  char digits[20];
  const auto result = std::to_chars(digits, digits + sizeof(digits), ++id_counter_, 16);
  out.append(digits, result.ptr);
}

}  // namespace churnml::serving
