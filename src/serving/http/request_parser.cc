#include "serving/http/request_parser.h"

#include <algorithm>
#include <boost/beast/http/error.hpp>

#include "serving/http/http_message.h"

namespace churnml::serving {

namespace http = boost::beast::http;

namespace {

// Per chunk, this many bytes of chunk line are free (Go's net/http uses the
// same allowance): "1000\r\n" plus the CRLF after the data fits easily.
constexpr std::uint64_t kChunkLineAllowance = 16;
// How much of a client's value a message quotes.
constexpr std::size_t kQuotedValueBytes = 64;

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string Quote(std::string_view value) {
  std::string out = "\"";
  for (char c : value.substr(0, kQuotedValueBytes)) {
    out.push_back(c >= ' ' && c <= '~' ? c : '?');
  }
  if (value.size() > kQuotedValueBytes) out.append("...");
  out.push_back('"');
  return out;
}

// The last comma-separated element of a field value, trimmed.
std::string_view FinalCoding(std::string_view value) {
  const std::size_t comma = value.rfind(',');
  return TrimOws(comma == std::string_view::npos ? value : value.substr(comma + 1));
}

}  // namespace

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
  content_length_seen = false;
  transfer_encoding_seen = false;
  chunk_overhead = 0;
  trailer_bytes = 0;
  error = {};
}

RequestStorage::Span RequestStorage::Append(std::string_view text) {
  Span span{static_cast<std::uint32_t>(arena.size()), static_cast<std::uint32_t>(text.size())};
  arena.append(text);
  return span;
}

RequestParser::RequestParser(RequestStorage& storage) : storage_(storage) {}

void RequestParser::Refuse(int status, std::string message, error_code& ec) {
  storage_.error.status = status;
  storage_.error.message = std::move(message);
  ec = http::error::bad_field;
}

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

void RequestParser::CheckTransferEncoding(std::string_view value, error_code& ec) {
  if (storage_.version < 11) {
    return Refuse(400, "Transfer-Encoding in an HTTP/1.0 request (RFC 9112 section 6.1)", ec);
  }
  if (storage_.transfer_encoding_seen) {
    return Refuse(400, "Transfer-Encoding appears more than once", ec);
  }
  storage_.transfer_encoding_seen = true;
  const std::string_view trimmed = TrimOws(value);
  if (EqualsIgnoreCase(trimmed, "chunked")) return;
  if (!EqualsIgnoreCase(FinalCoding(trimmed), "chunked")) {
    return Refuse(400,
                  "Transfer-Encoding " + Quote(trimmed) +
                      ": the final coding must be chunked (RFC 9112 section 6.3)",
                  ec);
  }
  Refuse(400, "Transfer-Encoding " + Quote(trimmed) + ": only \"chunked\" is supported", ec);
}

void RequestParser::CheckContentLength(std::string_view value, error_code& ec) {
  if (storage_.content_length_seen) {
    return Refuse(400, "Content-Length appears more than once", ec);
  }
  storage_.content_length_seen = true;
  const std::string_view trimmed = TrimOws(value);
  const bool digits = !trimmed.empty() && std::all_of(trimmed.begin(), trimmed.end(),
                                                      [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) {
    Refuse(400, "Content-Length " + Quote(trimmed) + " is not a decimal number", ec);
  }
}

void RequestParser::on_field_impl(http::field name, string_view name_string, string_view value,
                                  error_code& ec) {
  const std::string_view value_view(value.data(), value.size());
  if (is_header_done()) {
    // A trailer field: counted against the limit, never merged into the
    // header a handler sees (RFC 9110 section 6.5.1).
    storage_.trailer_bytes += name_string.size() + value.size() + 4;
    if (storage_.trailer_bytes > storage_.max_header_bytes) {
      Refuse(
          431,
          "request trailer section exceeds " + std::to_string(storage_.max_header_bytes) + " bytes",
          ec);
    }
    return;
  }
  if (name == http::field::transfer_encoding) {
    CheckTransferEncoding(value_view, ec);
    if (ec) return;
  } else if (name == http::field::content_length) {
    CheckContentLength(value_view, ec);
    if (ec) return;
  } else if (name == http::field::expect && EqualsIgnoreCase(value_view, "100-continue")) {
    storage_.expect_continue = true;
  }
  const RequestStorage::Span name_span = storage_.Append({name_string.data(), name_string.size()});
  const RequestStorage::Span value_span = storage_.Append(value_view);
  storage_.fields.emplace_back(name_span, value_span);
}

void RequestParser::on_header_impl(error_code& ec) {
  // Beast refuses the pair in either order too; this names it.
  if (storage_.content_length_seen && storage_.transfer_encoding_seen) {
    Refuse(400, "both Content-Length and Transfer-Encoding (RFC 9112 section 6.3)", ec);
  }
}

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

void RequestParser::on_chunk_header_impl(std::uint64_t size, string_view extensions,
                                         error_code& ec) {
  if (storage_.body.size() + size > storage_.body_limit) {
    ec = http::error::body_limit;
    return;
  }
  // The chunk line: hex digits, extensions, CRLF, and the CRLF after the
  // data. Small chunks with long extensions are a flood of non-body bytes.
  std::uint64_t digits = 1;
  for (std::uint64_t rest = size >> 4; rest != 0; rest >>= 4) ++digits;
  storage_.chunk_overhead += digits + extensions.size() + 4;
  const std::uint64_t allowance =
      kChunkLineAllowance + std::min<std::uint64_t>(size, storage_.body_limit) * 2;
  storage_.chunk_overhead -= std::min(storage_.chunk_overhead, allowance);
  if (storage_.chunk_overhead > storage_.max_header_bytes) {
    Refuse(400,
           "chunked body carries more than " + std::to_string(storage_.max_header_bytes) +
               " bytes of chunk lines and extensions beyond its data",
           ec);
  }
}

std::size_t RequestParser::on_chunk_body_impl(std::uint64_t /*remain*/, string_view body,
                                              error_code& ec) {
  return AppendBody(body, ec);
}

void RequestParser::on_finish_impl(error_code& /*ec*/) {}

}  // namespace churnml::serving
