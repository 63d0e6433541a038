#include "serving/http/request_parser.h"

#include <algorithm>
#include <boost/beast/http/error.hpp>

#include "serving/http/http_message.h"

namespace churnml::serving {

namespace http = boost::beast::http;

void RequestStorage::Clear() {
  arena.clear();
  method = {};
  target = {};
  fields.clear();
  // A connection keeps its buffers between requests, but not a large body's.
  if (body.capacity() > kKeptBodyCapacity) {
    std::string().swap(body);
  } else {
    body.clear();
  }
  version = 11;
  expect_continue = false;
  request_line_seen = false;
}

RequestStorage::Span RequestStorage::Append(std::string_view text) {
  Span span{static_cast<std::uint32_t>(arena.size()), static_cast<std::uint32_t>(text.size())};
  arena.append(text);
  return span;
}

RequestParser::RequestParser(RequestStorage& storage) : storage_(storage) {}

void RequestParser::on_request_impl(http::verb /*method*/, string_view method_str,
                                    string_view target, int version, error_code& /*ec*/) {
  storage_.method = storage_.Append({method_str.data(), method_str.size()});
  storage_.target = storage_.Append({target.data(), target.size()});
  storage_.version = version;
  storage_.request_line_seen = true;
}

void RequestParser::on_response_impl(int /*code*/, string_view /*reason*/, int /*version*/,
                                     error_code& ec) {
  ec = http::error::bad_method;
}

void RequestParser::on_field_impl(http::field name, string_view name_string, string_view value,
                                  error_code& /*ec*/) {
  const std::string_view value_view(value.data(), value.size());
  if (name == http::field::expect && EqualsIgnoreCase(value_view, "100-continue")) {
    storage_.expect_continue = true;
  }
  const RequestStorage::Span name_span = storage_.Append({name_string.data(), name_string.size()});
  const RequestStorage::Span value_span = storage_.Append(value_view);
  storage_.fields.emplace_back(name_span, value_span);
}

void RequestParser::on_header_impl(error_code& /*ec*/) {}

void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                                      error_code& ec) {
  if (content_length && *content_length > storage_.body_limit) {
    ec = http::error::body_limit;
    return;
  }
  // Reserve for the announced length, capped: a client announcing a large
  // body and sending nothing must not make every connection hold it.
  if (content_length) {
    storage_.body.reserve(static_cast<std::size_t>(
        std::min<std::uint64_t>(*content_length, RequestStorage::kKeptBodyCapacity)));
  }
}

std::size_t RequestParser::AppendBody(string_view body, error_code& ec) {
  if (storage_.body.size() + body.size() > storage_.body_limit) {
    ec = http::error::body_limit;
    return 0;
  }
  storage_.body.append(body.data(), body.size());
  return body.size();
}

std::size_t RequestParser::on_body_impl(string_view body, error_code& ec) {
  return AppendBody(body, ec);
}

void RequestParser::on_chunk_header_impl(std::uint64_t size, string_view /*extensions*/,
                                         error_code& ec) {
  if (storage_.body.size() + size > storage_.body_limit) ec = http::error::body_limit;
}

std::size_t RequestParser::on_chunk_body_impl(std::uint64_t /*remain*/, string_view body,
                                              error_code& ec) {
  return AppendBody(body, ec);
}

void RequestParser::on_finish_impl(error_code& /*ec*/) {}

}  // namespace churnml::serving
