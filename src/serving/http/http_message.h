// The request and response a handler sees. Plain structs with no Boost types,
// so handlers are unit-testable without sockets: a test fills an HttpRequest
// from string literals and inspects the HttpResponse.
//
// Lifetime: every string_view in an HttpRequest points into storage owned by
// the connection (or by the test) and is valid only for the duration of the
// handler call. Copy what must outlive it.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace churnml::serving {

class EventStream;  // event_stream.h

// One received header field or path parameter, as views.
struct HttpField {
  std::string_view name;
  std::string_view value;
};

struct HttpRequest {
  std::string_view method;          // "GET", "POST", ... as received
  std::string_view target;          // "/v2/models/churn/infer?x=1"
  std::string_view path;            // target up to '?': "/v2/models/churn/infer"
  std::string_view query;           // after '?', without it; empty when absent
  std::string_view body;            // chunked bodies arrive de-chunked
  std::string_view remote_address;  // "127.0.0.1:54012"
  std::string_view request_id;      // the client's X-Request-Id when sane, else generated
  int version = 11;                 // 10 for HTTP/1.0, 11 for HTTP/1.1
  std::vector<HttpField> headers;   // in received order, names as received

  // Filled by Router::Dispatch: the matched route pattern
  // ("/v2/models/{name}/infer", the metrics label; empty when nothing matched)
  // and the {param} values in pattern order.
  std::string_view route;
  std::vector<HttpField> params;

  // The first header named `name` (ASCII case-insensitive), or "" when absent.
  std::string_view Header(std::string_view name) const;
  // The path parameter `name` (e.g. "version"), or "" when absent.
  std::string_view Param(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Added after the server's own headers. Fields named Content-Length,
  // Transfer-Encoding, Connection or Date, and any name or value holding CR,
  // LF or NUL, are dropped (the server owns framing; no header injection).
  std::vector<std::pair<std::string, std::string>> headers;
  // Set (with a 2xx status) to answer with a stream instead of `body`, e.g.
  // server-sent events (event_stream.h): the head goes out without a
  // Content-Length and with Connection: close, then whatever a producer
  // sends into the stream, until the producer finishes it, the client goes
  // away or the server drains. Ignored for HEAD requests and other statuses.
  std::shared_ptr<EventStream> stream;

  // Back to the defaults, keeping allocated capacity (the server reuses one
  // response object per connection).
  void Reset();
  // status, JSON content type and body {"error": "<message>"} (escaped).
  void SetError(int status_code, std::string_view message);
};

// What the server calls for every request. It may fill request.route and
// request.params (Router::Dispatch does); it must set the response. An
// exception escaping it becomes a 500 {"error":"internal error"}.
using HttpHandler = std::function<void(HttpRequest&, HttpResponse&)>;

// ASCII case-insensitive equality, for header names.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace churnml::serving
