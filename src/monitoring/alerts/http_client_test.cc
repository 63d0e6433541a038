#include "monitoring/alerts/http_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <thread>

#include "common/errno_text.h"

namespace churnml::monitoring {
namespace {

// A receiver that answers with a chunked body and then an endless trailer
// section, until the client goes away.
class TrailerFloodServer {
 public:
  TrailerFloodServer() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        ::listen(listen_fd_, 1) != 0) {
      ADD_FAILURE() << "cannot listen on 127.0.0.1: " << ErrnoText(errno);
    }
    socklen_t size = sizeof(address);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~TrailerFloodServer() {
    ::shutdown(listen_fd_, SHUT_RDWR);
    thread_.join();
    ::close(listen_fd_);
  }
  int port() const { return port_; }

 private:
  void Serve() {
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) return;
    char request[4096];
    (void)::recv(fd, request, sizeof(request), 0);
    std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n";
    (void)::send(fd, head.data(), head.size(), MSG_NOSIGNAL);
    std::string block;
    while (block.size() < size_t{64} * 1024) block += "X-Flood: " + std::string(100, 'a') + "\r\n";
    // Stops when the client closes, or after 256 MB.
    for (int i = 0; i < 4096; ++i) {
      if (::send(fd, block.data(), block.size(), MSG_NOSIGNAL) <= 0) break;
    }
    ::close(fd);
  }

  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

TEST(HttpClient, AnEndlessTrailerSectionIsAnErrorNotUnboundedMemory) {
  TrailerFloodServer server;
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/hook";
  request.timeout = std::chrono::milliseconds(20000);
  Result<HttpResponse> response = SendHttp(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable) << response.status().ToString();
  EXPECT_NE(response.status().message().find("exceeds 1048576 bytes"), std::string::npos)
      << response.status().message();
}

}  // namespace
}  // namespace churnml::monitoring
