#include "serving/http/http_server.h"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "serving/http/http_worker.h"

namespace churnml::serving {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

Status ValidateOptions(const HttpServerOptions& options) {
  using std::chrono::milliseconds;
  if (options.threads < 0) {
    return InvalidArgumentError(
        "http server option threads must be >= 0 (0 = hardware cores), got " +
        std::to_string(options.threads));
  }
  if (options.max_body_bytes == 0) {
    return InvalidArgumentError("http server option max_body_bytes must be > 0");
  }
  if (options.max_header_bytes < 1024 || options.max_header_bytes > (1u << 20)) {
    return InvalidArgumentError(
        "http server option max_header_bytes must be between 1024 and 1048576, got " +
        std::to_string(options.max_header_bytes));
  }
  if (options.max_connections == 0) {
    return InvalidArgumentError("http server option max_connections must be > 0");
  }
  const std::pair<const char*, milliseconds> timeouts[] = {
      {"header_timeout", options.header_timeout},
      {"read_timeout", options.read_timeout},
      {"write_timeout", options.write_timeout},
      {"idle_timeout", options.idle_timeout},
      {"drain_timeout", options.drain_timeout}};
  for (const auto& [name, value] : timeouts) {
    if (value <= milliseconds::zero()) {
      return InvalidArgumentError(std::string("http server option ") + name +
                                  " must be > 0 ms, got " + std::to_string(value.count()));
    }
  }
  return Status::Ok();
}

Result<asio::ip::address> ParseHost(const std::string& host) {
  if (host == "localhost") return asio::ip::address(asio::ip::address_v4::loopback());
  boost::system::error_code ec;
  const asio::ip::address address = asio::ip::make_address(host, ec);
  if (ec) {
    return InvalidArgumentError("http server option host \"" + host +
                                "\" is not an IP address (or \"localhost\")");
  }
  return address;
}

// A plain bind (no SO_REUSEPORT) fails when anything listens on the port,
// including another server using SO_REUSEPORT, which the workers' own
// SO_REUSEPORT bind would silently join.
Status CheckPortFree(const tcp::endpoint& endpoint, const std::string& where) {
  asio::io_context context;
  tcp::acceptor probe(context);
  boost::system::error_code ec;
  probe.open(endpoint.protocol(), ec);
  if (ec) {
    return IOError("cannot open a socket for " + where + ": " + ec.message());
  }
  probe.set_option(asio::socket_base::reuse_address(true), ec);
  probe.bind(endpoint, ec);
  if (ec) {
    return IOError("cannot listen on " + where + ": " + ec.message());
  }
  return Status::Ok();
}

}  // namespace

bool IsLoopbackHost(const std::string& host) {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  const asio::ip::address address = asio::ip::make_address(host, ec);
  if (ec) return false;
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).is_loopback();
  }
  return address.is_loopback();
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                      HttpHandler handler) {
  CHURNML_RETURN_IF_ERROR(ValidateOptions(options));
  if (!handler) return InvalidArgumentError("http server: empty handler");
  CHURNML_ASSIGN_OR_RETURN(const asio::ip::address address, ParseHost(options.host));
  tcp::endpoint endpoint(address, options.port);
  const bool bracket = options.host.find(':') != std::string::npos;
  const std::string where =
      (bracket ? "[" + options.host + "]" : options.host) + ":" + std::to_string(options.port);
  if (options.port != 0) CHURNML_RETURN_IF_ERROR(CheckPortFree(endpoint, where));

  auto state = std::make_unique<HttpServerState>();
  state->options = options;
  state->handler = std::move(handler);
  const auto shortest = std::min(
      {options.header_timeout, options.read_timeout, options.write_timeout, options.idle_timeout});
  state->sweep_period = std::clamp<std::chrono::steady_clock::duration>(
      shortest / 4, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
  const int threads = options.threads > 0
                          ? options.threads
                          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  for (int i = 0; i < threads; ++i) {
    auto worker = std::make_unique<Worker>(*state, i);
    const Status status = worker->Listen(endpoint, threads > 1);
    if (!status.ok()) return status;
    if (endpoint.port() == 0) endpoint.port(worker->LocalPort());
    state->workers.push_back(std::move(worker));
  }

  std::unique_ptr<HttpServer> server(new HttpServer());
  server->port_ = endpoint.port();
  server->state_ = std::move(state);
  {
    MutexLock lock(&server->threads_mu_);
    server->threads_.reserve(server->state_->workers.size());
    for (auto& worker : server->state_->workers) {
      server->threads_.emplace_back([raw = worker.get()] { raw->Run(); });
    }
  }
  return server;
}

HttpServer::~HttpServer() {
  if (state_ == nullptr) return;
  Stop();
  Wait();
}

void HttpServer::Stop() {
  if (state_->stopping.exchange(true)) return;
  for (auto& worker : state_->workers) worker->BeginStop();
}

void HttpServer::Wait() {
  MutexLock lock(&threads_mu_);
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

HttpServerStats HttpServer::stats() const {
  HttpServerStats stats;
  stats.active_connections = state_->active_connections.load(std::memory_order_relaxed);
  stats.accepted_connections = state_->accepted_connections.load(std::memory_order_relaxed);
  stats.rejected_connections = state_->rejected_connections.load(std::memory_order_relaxed);
  for (const auto& worker : state_->workers) stats.requests += worker->requests();
  return stats;
}

}  // namespace churnml::serving
