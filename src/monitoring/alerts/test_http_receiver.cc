#include "monitoring/alerts/test_http_receiver.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <functional>

namespace churnml::monitoring::testing {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

}  // namespace

uint16_t FreePort() {
  asio::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

struct TestHttpReceiver::Impl {
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::vector<std::shared_ptr<tcp::socket>> held;  // hung connections, io thread only
};

TestHttpReceiver::TestHttpReceiver(uint16_t port, Mode mode, Handler handler)
    : impl_(std::make_unique<Impl>()), mode_(mode), handler_(std::move(handler)) {
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen();

  auto accept = std::make_shared<std::function<void()>>();
  *accept = [this, accept] {
    auto socket = std::make_shared<tcp::socket>(impl_->ioc);
    impl_->acceptor.async_accept(*socket, [this, socket, accept](beast::error_code ec) {
      if (ec) return;
      connections_.fetch_add(1);
      if (mode_.load() == Mode::kHang) {
        impl_->held.push_back(socket);
      } else {
        auto buffer = std::make_shared<beast::flat_buffer>();
        auto req = std::make_shared<http::request<http::string_body>>();
        http::async_read(
            *socket, *buffer, *req, [this, socket, buffer, req](beast::error_code rec, size_t) {
              if (rec) return;
              Request request{std::string(req->method_string()), std::string(req->target()),
                              req->body()};
              {
                MutexLock lock(&mu_);
                requests_.push_back(request);
              }
              const Response answer = handler_ ? handler_(request) : Response{};
              auto res = std::make_shared<http::response<http::string_body>>(
                  static_cast<http::status>(answer.status), 11);
              res->set(http::field::content_type, "application/json");
              res->body() = answer.body;
              res->prepare_payload();
              http::async_write(*socket, *res, [socket, res](beast::error_code, size_t) {
                beast::error_code ignored;
                socket->shutdown(tcp::socket::shutdown_both, ignored);
              });
            });
      }
      (*accept)();
    });
  };
  (*accept)();
  thread_ = std::thread([this, accept] {
    impl_->ioc.run();
    *accept = nullptr;  // break the self-reference
  });
}

TestHttpReceiver::~TestHttpReceiver() {
  impl_->ioc.stop();
  thread_.join();
}

std::vector<TestHttpReceiver::Request> TestHttpReceiver::requests() const {
  MutexLock lock(&mu_);
  return requests_;
}

}  // namespace churnml::monitoring::testing
