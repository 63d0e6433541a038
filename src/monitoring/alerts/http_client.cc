// The Boost.Beast adapter: every Beast/Asio call of the alert library is in
// this file, and its error codes become Status values here.
#include "monitoring/alerts/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace churnml::monitoring {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr size_t kMaxBodyBytes = 8 << 20;
// Bytes of an answer waiting unparsed (its header, a chunk line, its
// trailer section): a receiver streaming an endless header or trailer must
// not grow the read buffer without limit.
constexpr size_t kMaxUnparsedBytes = 1 << 20;

Status MapError(const beast::error_code& ec, const std::string& what, const HttpRequest& req) {
  const std::string message = what + " " + req.url + ": " + ec.message();
  if (ec == beast::error::timeout || ec == asio::error::timed_out ||
      ec == asio::error::operation_aborted) {
    return DeadlineExceededError(what + " " + req.url + ": no answer within " +
                                 std::to_string(req.timeout.count()) + " ms");
  }
  return UnavailableError(message);
}

}  // namespace

Result<ParsedUrl> ParseHttpUrl(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) {
    return InvalidArgumentError("url \"" + url + "\": only http:// URLs are supported");
  }
  std::string rest = url.substr(scheme.size());
  ParsedUrl out;
  const size_t slash = rest.find('/');
  out.target = slash == std::string::npos ? "/" : rest.substr(slash);
  std::string authority = rest.substr(0, slash);
  const size_t colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']') == std::string::npos) {
    out.host = authority.substr(0, colon);
    out.port = authority.substr(colon + 1);
  } else {
    out.host = authority;
    out.port = "80";
  }
  if (!out.host.empty() && out.host.front() == '[' && out.host.back() == ']') {
    out.host = out.host.substr(1, out.host.size() - 2);
  }
  if (out.host.empty() || out.port.empty() ||
      out.port.find_first_not_of("0123456789") != std::string::npos) {
    return InvalidArgumentError("url \"" + url + "\": expected http://host[:port][/path]");
  }
  return out;
}

Result<HttpResponse> SendHttp(const HttpRequest& request) {
  CHURNML_ASSIGN_OR_RETURN(ParsedUrl url, ParseHttpUrl(request.url));
  http::verb verb = http::string_to_verb(request.method);
  if (verb == http::verb::unknown) {
    return InvalidArgumentError("HTTP method \"" + request.method + "\" is unknown");
  }
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::error_code ec;

  // Resolve (numeric hosts resolve without a lookup).
  tcp::resolver resolver(ioc);
  tcp::resolver::results_type endpoints;
  resolver.async_resolve(url.host, url.port,
                         [&](const beast::error_code& e, tcp::resolver::results_type r) {
                           ec = e;
                           endpoints = std::move(r);
                         });
  ioc.run_for(request.timeout);
  if (!ioc.stopped()) {
    resolver.cancel();
    return DeadlineExceededError("resolve " + url.host + ": no answer within " +
                                 std::to_string(request.timeout.count()) + " ms");
  }
  if (ec)
    return UnavailableError("resolve " + url.host + " for " + request.url + ": " + ec.message());

  ioc.restart();
  stream.expires_after(request.timeout);
  stream.async_connect(endpoints,
                       [&](const beast::error_code& e, const tcp::endpoint&) { ec = e; });
  ioc.run();
  if (ec) return MapError(ec, "connect to", request);

  http::request<http::string_body> req{verb, url.target, 11};
  req.set(http::field::host, url.host + ":" + url.port);
  req.set(http::field::user_agent, "churnml-alerts");
  req.set(http::field::connection, "close");
  for (const auto& [name, value] : request.headers) req.set(name, value);
  if (!request.body.empty() || verb == http::verb::post || verb == http::verb::put) {
    if (!request.content_type.empty()) req.set(http::field::content_type, request.content_type);
    req.body() = request.body;
    req.prepare_payload();
  }

  ioc.restart();
  stream.expires_after(request.timeout);
  http::async_write(stream, req, [&](const beast::error_code& e, size_t) { ec = e; });
  ioc.run();
  if (ec) return MapError(ec, "send to", request);

  beast::flat_buffer buffer(kMaxUnparsedBytes);
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxBodyBytes);
  ioc.restart();
  stream.expires_after(request.timeout);
  http::async_read(stream, buffer, parser, [&](const beast::error_code& e, size_t) { ec = e; });
  ioc.run();
  if (ec == http::error::buffer_overflow) {
    return UnavailableError("read the answer from " + request.url + ": its header or trailer " +
                            "section exceeds " + std::to_string(kMaxUnparsedBytes) + " bytes");
  }
  if (ec) return MapError(ec, "read the answer from", request);

  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  HttpResponse out;
  out.status = static_cast<int>(parser.get().result_int());
  out.body = std::move(parser.get().body());
  return out;
}

Result<HttpResponse> Post(const std::string& url, const std::string& content_type,
                          const std::string& body, std::chrono::milliseconds timeout) {
  HttpRequest req;
  req.method = "POST";
  req.url = url;
  req.content_type = content_type;
  req.body = body;
  req.timeout = timeout;
  CHURNML_ASSIGN_OR_RETURN(HttpResponse resp, SendHttp(req));
  if (resp.status < 200 || resp.status >= 300) {
    return UnavailableError("POST " + url + ": HTTP " + std::to_string(resp.status) + ": " +
                            resp.body.substr(0, 200));
  }
  return resp;
}

}  // namespace churnml::monitoring
