#include "scaling/http_fetch.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace churnml::scaling {
namespace {

// A one-connection loopback server: accepts, reads the request head, then
// runs `respond` on the connection.
class OneShotServer {
 public:
  explicit OneShotServer(std::function<void(int)> respond) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::listen(fd_, 4);
    thread_ = std::thread([this, respond] {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string head;
      char buf[1024];
      while (head.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = ::recv(c, buf, sizeof(buf), 0);
        if (n <= 0) break;
        head.append(buf, static_cast<size_t>(n));
      }
      request_ = head;
      respond(c);
      ::close(c);
    });
  }
  ~OneShotServer() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/metrics"; }
  const std::string& request() const { return request_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
  std::string request_;
  std::thread thread_;
};

void SendAll(int fd, const std::string& s) {
  size_t sent = 0;
  while (sent < s.size()) {
    const ssize_t n = ::send(fd, s.data() + sent, s.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

TEST(HttpFetch, ReadsStatusAndBody) {
  OneShotServer server([](int c) {
    SendAll(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\na 1\nb\n");
  });
  Result<HttpAnswer> answer = HttpGet(server.url(), std::chrono::milliseconds(5000), 1024);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(answer->body, "a 1\nb\n");
  EXPECT_EQ(server.request().rfind("GET /metrics HTTP/1.0\r\n", 0), 0u);
}

TEST(HttpFetch, ASilentServerCostsTheTimeoutOnly) {
  std::atomic<bool> release{false};
  OneShotServer server([&](int) {
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  });
  const auto start = std::chrono::steady_clock::now();
  Result<HttpAnswer> answer = HttpGet(server.url(), std::chrono::milliseconds(300), 1024);
  const auto took = std::chrono::steady_clock::now() - start;
  release = true;
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST(HttpFetch, AnEndlessAnswerIsCutAtTheLimit) {
  std::atomic<bool> release{false};
  OneShotServer server([&](int c) {
    SendAll(c, "HTTP/1.1 200 OK\r\n\r\n");
    const std::string chunk(8192, 'x');
    for (int i = 0; i < 200 && !release; ++i) SendAll(c, chunk);
  });
  Result<HttpAnswer> answer = HttpGet(server.url(), std::chrono::milliseconds(10000), 64 * 1024);
  release = true;
  ASSERT_FALSE(answer.ok());
  EXPECT_NE(answer.status().message().find("over 65536 bytes"), std::string::npos)
      << answer.status().message();
}

TEST(HttpFetch, GarbageIsNotAnAnswer) {
  OneShotServer server([](int c) { SendAll(c, "SSH-2.0-OpenSSH\r\n\r\n"); });
  Result<HttpAnswer> answer = HttpGet(server.url(), std::chrono::milliseconds(5000), 1024);
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), StatusCode::kUnavailable);
}

TEST(HttpFetch, RefusedConnectionIsUnavailable) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);
  ::close(fd);  // bound then closed, never listened: connect is refused
  Result<HttpAnswer> answer = HttpGet("http://127.0.0.1:" + std::to_string(port) + "/metrics",
                                      std::chrono::milliseconds(2000), 1024);
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), StatusCode::kUnavailable);
}

TEST(HttpFetch, ParsesUrls) {
  Result<HttpUrl> u = ParseHttpUrl("http://127.0.0.1:8001/metrics");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, "8001");
  EXPECT_EQ(u->path, "/metrics");
  EXPECT_EQ(ParseHttpUrl("http://localhost")->path, "/");
  EXPECT_EQ(ParseHttpUrl("http://localhost")->port, "80");
  for (const char* bad : {"https://x/metrics", "http://:80/", "http://h:0/", "http://h:99999/",
                          "http://h:80/a b", "ftp://h/"}) {
    EXPECT_FALSE(ParseHttpUrl(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace churnml::scaling
