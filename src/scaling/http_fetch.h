// A minimal, bounded HTTP/1.0 GET over POSIX sockets for the autoscaler's
// scrapes (`churnml autoscale run`). It lives here rather than reusing a
// client from a layer above (serving's test client is test-only; the alert
// library's Beast client would pull RE2, YAML and the alert channels into
// scaling for one GET): one request per connection, one overall deadline
// for connect + send + receive, and a cap on the answer's bytes, so a
// replica that hangs, trickles or streams without end costs at most
// `timeout` and `max_bytes`.
//
// Errors: InvalidArgument for a URL that is not http://HOST:PORT/PATH;
// Unavailable when the host does not resolve, the connection is refused or
// reset, the answer is over max_bytes, or its head is malformed;
// DeadlineExceeded when the whole exchange takes longer than `timeout`.
// Thread-safe (no shared state).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "common/status.h"

namespace churnml::scaling {

struct HttpAnswer {
  int status = 0;
  std::string body;
};

struct HttpUrl {
  std::string host;
  std::string port;
  std::string path;  // starts with '/'
};
// http://HOST[:PORT][/PATH] (port 80 when absent, path "/" when absent).
Result<HttpUrl> ParseHttpUrl(const std::string& url);

// Every address `host` resolves to now (IPv4 and IPv6, deduplicated, in
// resolver order, at most `max_addresses`): the pods behind a Kubernetes
// headless Service. Unavailable naming the host when it does not resolve.
Result<std::vector<std::string>> ResolveAll(const std::string& host, size_t max_addresses);

Result<HttpAnswer> HttpGet(const std::string& url, std::chrono::milliseconds timeout,
                           size_t max_bytes);

}  // namespace churnml::scaling
