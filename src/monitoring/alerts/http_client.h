// A small synchronous HTTP/1.1 client for alert delivery and the `churnml
// alerts` commands (Boost.Beast; http:// only, one connection per request).
//
// Errors: InvalidArgument for a malformed URL; Unavailable when the host
// cannot be resolved or the connection is refused/reset; DeadlineExceeded
// when connecting, or writing and reading the answer, takes longer than
// `timeout` (each phase gets the whole timeout). Thread-safe: every call
// uses its own io_context.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace churnml::monitoring {

struct HttpResponse {
  int status = 0;
  std::string body;
};

struct HttpRequest {
  std::string method = "GET";  // GET, POST, DELETE, PUT
  std::string url;             // http://host[:port][/path]
  std::string content_type;    // sent when body is non-empty
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{5000};
};

// Sends `request` and returns the answer whatever its status code.
Result<HttpResponse> SendHttp(const HttpRequest& request);

// POSTs `body`; a non-2xx answer is Unavailable naming the status.
Result<HttpResponse> Post(const std::string& url, const std::string& content_type,
                          const std::string& body, std::chrono::milliseconds timeout);

struct ParsedUrl {
  std::string host;
  std::string port;    // "80" when absent
  std::string target;  // "/" when absent; includes the query
};
// InvalidArgument unless `url` is http://host[:port][/path].
Result<ParsedUrl> ParseHttpUrl(const std::string& url);

}  // namespace churnml::monitoring
