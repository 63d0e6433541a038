// Internal to churnml_http. A Beast basic_parser that copies the request line
// and header fields into a per-connection arena and appends the body to a
// per-connection string, so steady-state parsing allocates nothing. One
// RequestParser per request (Beast parsers are single-use; constructing one
// is cheap and heap-free); the RequestStorage is reused.
#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace churnml::serving {

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
  int version = 11;
  bool expect_continue = false;
  bool request_line_seen = false;

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

  RequestStorage& storage_;
};

}  // namespace churnml::serving
