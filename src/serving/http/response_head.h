// Internal to churnml_http: the status line and header block of a response,
// written straight into a reused string (no Beast serializer, no allocation
// once the string has grown).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "serving/http/http_message.h"

namespace churnml::serving {

struct ResponseHead {
  int status = 200;  // out-of-range codes are sent as 500
  std::size_t content_length = 0;
  bool keep_alive = true;    // false → "Connection: close"
  int request_version = 11;  // HTTP/1.0 keep-alive needs an explicit header
  std::string_view request_id;
  std::string_view date;  // IMF-fixdate
  // A streamed body (HttpResponse::stream): no Content-Length, the
  // Content-Type always, and the body ends when the connection closes.
  bool streaming = false;
};

// Appends the head of `response` to `out`, ending with the blank line. A
// Content-Security-Policy among the response's headers replaces the
// server's default one (default-src 'none').
void AppendResponseHead(const ResponseHead& head, const HttpResponse& response, std::string& out);

// True when a status code forbids a body (1xx, 204, 304).
bool StatusForbidsBody(int status);

// A client's X-Request-Id is echoed only when it is 1–128 characters from
// [A-Za-z0-9._:/+=-].
bool IsSaneRequestId(std::string_view id);

}  // namespace churnml::serving
