#include "scaling/http_fetch.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>

#include "common/errno_text.h"
#include "common/strings.h"
#include "common/unique_fd.h"

namespace churnml::scaling {
namespace {

using Clock = std::chrono::steady_clock;

// Waits for `events` on fd until `deadline`; false on timeout.
bool WaitFor(int fd, short events, Clock::time_point deadline) {
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return true;  // the following call reports the error
  }
}

}  // namespace

Result<HttpUrl> ParseHttpUrl(const std::string& url) {
  const std::string_view scheme = "http://";
  if (url.rfind(scheme, 0) != 0) {
    return InvalidArgumentError("url \"" + url.substr(0, 200) + "\": only http:// is supported");
  }
  std::string_view rest = std::string_view(url).substr(scheme.size());
  HttpUrl out;
  const size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  out.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  size_t colon = authority.rfind(':');
  if (!authority.empty() && authority.back() == ']') colon = std::string_view::npos;  // [v6]
  out.host = std::string(authority.substr(0, colon));
  if (out.host.size() > 2 && out.host.front() == '[' && out.host.back() == ']') {
    out.host = out.host.substr(1, out.host.size() - 2);
  }
  out.port = colon == std::string_view::npos ? "80" : std::string(authority.substr(colon + 1));
  const std::optional<int64_t> port = ParseInt(out.port);
  if (out.host.empty() || !port || *port < 1 || *port > 65535) {
    return InvalidArgumentError("url \"" + url.substr(0, 200) +
                                "\" is not http://HOST:PORT/PATH with a port 1..65535");
  }
  for (char c : out.path) {
    if (c <= ' ' || c == 0x7f) {
      return InvalidArgumentError("url \"" + url.substr(0, 200) + "\": control or space in path");
    }
  }
  return out;
}

Result<std::vector<std::string>> ResolveAll(const std::string& host, size_t max_addresses) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &found); rc != 0) {
    return UnavailableError("cannot resolve " + host + ": " + gai_strerror(rc));
  }
  std::vector<std::string> out;
  for (addrinfo* a = found; a != nullptr && out.size() < max_addresses; a = a->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* raw =
        a->ai_family == AF_INET
            ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr)
            : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr);
    if (::inet_ntop(a->ai_family, raw, text, sizeof(text)) == nullptr) continue;
    std::string address = a->ai_family == AF_INET6 ? "[" + std::string(text) + "]" : text;
    if (std::find(out.begin(), out.end(), address) == out.end()) out.push_back(address);
  }
  ::freeaddrinfo(found);
  return out;
}

Result<HttpAnswer> HttpGet(const std::string& url, std::chrono::milliseconds timeout,
                           size_t max_bytes) {
  CHURNML_ASSIGN_OR_RETURN(HttpUrl parsed, ParseHttpUrl(url));
  const Clock::time_point deadline = Clock::now() + timeout;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(parsed.host.c_str(), parsed.port.c_str(), &hints, &found); rc != 0) {
    return UnavailableError(url + ": cannot resolve " + parsed.host + ": " + gai_strerror(rc));
  }
  UniqueFd fd(::socket(found->ai_family, found->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                       found->ai_protocol));
  if (fd.get() < 0) {
    ::freeaddrinfo(found);
    return UnavailableError(url + ": socket: " + ErrnoText(errno));
  }
  int rc = ::connect(fd.get(), found->ai_addr, found->ai_addrlen);
  ::freeaddrinfo(found);
  if (rc != 0 && errno != EINPROGRESS) {
    return UnavailableError(url + ": connect: " + ErrnoText(errno));
  }
  const std::string limit_ms = std::to_string(timeout.count());
  if (rc != 0) {
    if (!WaitFor(fd.get(), POLLOUT, deadline)) {
      return DeadlineExceededError(url + ": no connection within " + limit_ms + " ms");
    }
    int error = 0;
    socklen_t len = sizeof(error);
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &len);
    if (error != 0) return UnavailableError(url + ": connect: " + ErrnoText(error));
  }
  const std::string request = "GET " + parsed.path + " HTTP/1.0\r\nHost: " + parsed.host +
                              "\r\nAccept: text/plain\r\nConnection: close\r\n\r\n";
  size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = ::send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!WaitFor(fd.get(), POLLOUT, deadline)) {
        return DeadlineExceededError(url + ": request not sent within " + limit_ms + " ms");
      }
    } else {
      return UnavailableError(url + ": send: " + ErrnoText(errno));
    }
  }
  std::string raw;
  char buffer[16384];
  while (true) {
    const ssize_t n = ::recv(fd.get(), buffer, sizeof(buffer), 0);
    if (n > 0) {
      raw.append(buffer, static_cast<size_t>(n));
      if (raw.size() > max_bytes + 16384) {  // the head's allowance on top of the body's
        return UnavailableError(url + ": answer over " + std::to_string(max_bytes) + " bytes");
      }
    } else if (n == 0) {
      break;
    } else if (errno == EAGAIN || errno == EINTR) {
      if (!WaitFor(fd.get(), POLLIN, deadline)) {
        return DeadlineExceededError(url + ": no complete answer within " + limit_ms + " ms");
      }
    } else {
      return UnavailableError(url + ": recv: " + ErrnoText(errno));
    }
  }
  const size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos || raw.compare(0, 5, "HTTP/") != 0) {
    return UnavailableError(url + ": the answer is not an HTTP response");
  }
  const std::string_view head(raw.data(), head_end);
  const size_t space = head.find(' ');
  const std::optional<int64_t> status =
      space == std::string_view::npos ? std::nullopt : ParseInt(head.substr(space + 1, 3));
  if (!status || *status < 100 || *status > 599) {
    return UnavailableError(url + ": malformed status line");
  }
  std::string lower(head);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.find("\r\ntransfer-encoding:") != std::string::npos) {
    return UnavailableError(url + ": a Transfer-Encoding answer to an HTTP/1.0 request");
  }
  HttpAnswer answer;
  answer.status = static_cast<int>(*status);
  answer.body = raw.substr(head_end + 4);
  if (answer.body.size() > max_bytes) {
    return UnavailableError(url + ": answer over " + std::to_string(max_bytes) + " bytes");
  }
  return answer;
}

}  // namespace churnml::scaling
