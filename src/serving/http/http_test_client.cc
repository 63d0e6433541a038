#include "serving/http/http_test_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace churnml::serving::testing {

TestClient::TestClient(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return;
  timeval timeout{};
  timeout.tv_sec = 10;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return;
  }
  fd_ = fd;
}

TestClient::~TestClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool TestClient::Send(std::string_view data) {
  while (!data.empty()) {
    const ssize_t sent = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

bool TestClient::Fill() {
  char chunk[16384];
  const ssize_t got = ::recv(fd_, chunk, sizeof(chunk), 0);
  if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) timed_out_ = true;
  if (got <= 0) return false;
  pending_.append(chunk, static_cast<std::size_t>(got));
  return true;
}

std::optional<std::string> TestClient::ReadHead() {
  std::size_t end;
  while ((end = pending_.find("\r\n\r\n")) == std::string::npos) {
    if (!Fill()) return std::nullopt;
  }
  std::string head = pending_.substr(0, end + 4);
  pending_.erase(0, end + 4);
  return head;
}

std::optional<std::string> TestClient::ReadUntil(std::string_view marker) {
  std::size_t end;
  while ((end = pending_.find(marker)) == std::string::npos) {
    if (!Fill()) return std::nullopt;
  }
  std::string text = pending_.substr(0, end + marker.size());
  pending_.erase(0, end + marker.size());
  return text;
}

std::optional<TestResponse> TestClient::Read() {
  const std::optional<std::string> head = ReadHead();
  if (!head) return std::nullopt;
  TestResponse response;
  // "HTTP/1.1 200 OK\r\n"
  if (head->rfind("HTTP/1.", 0) != 0 || head->size() < 12) return std::nullopt;
  response.status = std::atoi(head->c_str() + 9);
  std::size_t line_start = head->find("\r\n") + 2;
  while (line_start < head->size()) {
    const std::size_t line_end = head->find("\r\n", line_start);
    if (line_end == line_start) break;
    const std::string line = head->substr(line_start, line_end - line_start);
    const std::size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::size_t value_start = colon + 1;
      while (value_start < line.size() && line[value_start] == ' ') ++value_start;
      response.headers[name] = line.substr(value_start);
    }
    line_start = line_end + 2;
  }
  const std::size_t length = static_cast<std::size_t>(
      std::strtoull(response.Header("content-length").c_str(), nullptr, 10));
  while (pending_.size() < length) {
    if (!Fill()) return std::nullopt;
  }
  response.body = pending_.substr(0, length);
  pending_.erase(0, length);
  return response;
}

bool TestClient::WaitForClose() {
  if (!pending_.empty()) return false;
  char chunk[4096];
  const ssize_t got = ::recv(fd_, chunk, sizeof(chunk), 0);
  if (got == 0) return true;
  if (got < 0) return errno == ECONNRESET || errno == EPIPE;
  return false;
}

void TestClient::ShutdownSend() { ::shutdown(fd_, SHUT_WR); }

bool TestClient::DrainUntilClose() {
  pending_.clear();
  while (Fill()) pending_.clear();
  return !timed_out_;
}

std::string GetRequest(std::string_view path, std::string_view extra) {
  std::string request = "GET ";
  request.append(path).append(" HTTP/1.1\r\nHost: test\r\n").append(extra).append("\r\n");
  return request;
}

std::string PostRequest(std::string_view path, std::string_view body, std::string_view extra) {
  std::string request = "POST ";
  request.append(path).append(" HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n");
  request.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  request.append(extra).append("\r\n").append(body);
  return request;
}

}  // namespace churnml::serving::testing
