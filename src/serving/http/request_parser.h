// Internal to churnml_http. A Beast basic_parser that copies the request line
// and header fields into a per-connection arena and appends the body to a
// per-connection string, so steady-state parsing allocates nothing. One
// RequestParser per request (Beast parsers are single-use; constructing one
// is cheap and heap-free); the RequestStorage is reused.
//
// Framing is stricter than Beast's own (RFC 9112 section 6): a request whose
// body length is not certain is refused, because a server that guesses
// differently from a proxy in front of it lets a client smuggle a second
// request inside the first one's body.
//  - Transfer-Encoding must be exactly "chunked" (one field, one coding): a
//    final coding other than chunked ("gzip", "xchunked", "chunked,
//    identity"), an extra coding before it or any unknown coding → 400;
//    Transfer-Encoding on an HTTP/1.0 request → 400.
//  - Content-Length must be one field holding 1*DIGIT (no lists, even of
//    equal values, no sign) and never appear beside Transfer-Encoding.
//  - Trailer fields are counted and discarded: a handler never sees them.
//  - Every byte that is not body data is bounded by `max_header_bytes`: the
//    request line and header fields (Beast's header limit), the trailer
//    section, and the chunk lines (sizes and extensions) beyond a small
//    allowance per chunk (16 bytes plus twice the chunk's size, as Go's
//    net/http counts it).
#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace churnml::serving {

// Why a request was refused by the parser's own checks (beyond Beast's
// error codes): the status to answer and a one-line reason.
struct FramingError {
  int status = 0;  // 0 = none
  std::string message;
};

struct RequestStorage {
  static constexpr std::size_t kKeptBodyCapacity = 64 * 1024;
  struct Span {
    std::uint32_t offset = 0;
    std::uint32_t size = 0;
  };
  std::string arena;  // method, target, header names and values
  Span method;
  Span target;
  std::vector<std::pair<Span, Span>> fields;
  std::string body;
  std::uint64_t body_limit = 0;
  std::uint64_t max_header_bytes = 0;  // also bounds trailers and chunk overhead
  int version = 11;
  bool expect_continue = false;
  bool request_line_seen = false;
  bool content_length_seen = false;
  bool transfer_encoding_seen = false;
  std::uint64_t chunk_overhead = 0;  // chunk-line bytes beyond the allowance
  std::uint64_t trailer_bytes = 0;
  FramingError error;

  void Clear();
  Span Append(std::string_view text);
  std::string_view View(Span span) const { return {arena.data() + span.offset, span.size}; }
};

class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  explicit RequestParser(RequestStorage& storage);

 private:
  using string_view = boost::beast::string_view;
  using error_code = boost::beast::error_code;

  void on_request_impl(boost::beast::http::verb method, string_view method_str, string_view target,
                       int version, error_code& ec) override;
  void on_response_impl(int code, string_view reason, int version, error_code& ec) override;
  void on_field_impl(boost::beast::http::field name, string_view name_string, string_view value,
                     error_code& ec) override;
  void on_header_impl(error_code& ec) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         error_code& ec) override;
  std::size_t on_body_impl(string_view body, error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t size, string_view extensions, error_code& ec) override;
  std::size_t on_chunk_body_impl(std::uint64_t remain, string_view body, error_code& ec) override;
  void on_finish_impl(error_code& ec) override;

  std::size_t AppendBody(string_view body, error_code& ec);
  // Records a refusal and sets `ec` so Beast stops.
  void Refuse(int status, std::string message, error_code& ec);
  void CheckTransferEncoding(std::string_view value, error_code& ec);
  void CheckContentLength(std::string_view value, error_code& ec);

  RequestStorage& storage_;
};

}  // namespace churnml::serving
