// libFuzzer target: every input is a byte stream a client sends to the HTTP
// server, fed to the request parser the way a connection feeds it (in
// pieces whose sizes come from the first input byte, consumed as parsed,
// pipelined requests one after another). Failures: a crash or sanitizer
// report; input left unparsed beyond the header limit (the bound the
// connection enforces, checked here as it checks it); a completed request
// whose body is over the body limit, whose framing was not exactly
// "Transfer-Encoding: chunked" or one decimal Content-Length, or whose
// header holds a trailer field.
#include <algorithm>
#include <boost/beast/http/error.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "serving/http/http_message.h"
#include "serving/http/request_parser.h"

namespace {

constexpr std::uint64_t kBodyLimit = 4096;
constexpr std::uint64_t kHeaderLimit = 1024;

using churnml::serving::EqualsIgnoreCase;
using churnml::serving::RequestParser;
using churnml::serving::RequestStorage;

void CheckCompleted(const RequestStorage& storage, const RequestParser& parser,
                    std::size_t header_fields) {
  if (storage.body.size() > kBodyLimit) std::abort();
  if (storage.fields.size() != header_fields) std::abort();  // trailers never reach the header
  int transfer_encodings = 0;
  int content_lengths = 0;
  for (const auto& [name_span, value_span] : storage.fields) {
    const std::string_view name = storage.View(name_span);
    const std::string_view value = storage.View(value_span);
    if (EqualsIgnoreCase(name, "Transfer-Encoding")) {
      ++transfer_encodings;
      std::string_view v = value;
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
      if (!EqualsIgnoreCase(v, "chunked") || !parser.chunked()) std::abort();
    }
    if (EqualsIgnoreCase(name, "Content-Length")) ++content_lengths;
  }
  if (transfer_encodings > 1 || content_lengths > 1) std::abort();
  if (transfer_encodings + content_lengths > 1) std::abort();
  if (transfer_encodings == 1 && storage.version < 11) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = 1 + data[0] % 64;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string buffer;
  RequestStorage storage;
  std::optional<RequestParser> parser;
  std::optional<std::size_t> header_fields;  // when the header was complete
  auto begin = [&] {
    header_fields.reset();
    storage.Clear();
    storage.body_limit = kBodyLimit;
    storage.max_header_bytes = kHeaderLimit;
    parser.emplace(storage);
    parser->header_limit(static_cast<std::uint32_t>(kHeaderLimit));
    parser->body_limit(kBodyLimit);
    parser->eager(true);
  };
  begin();
  auto read = [&] {
    if (input.empty()) return false;
    const std::size_t n = std::min(piece, input.size());
    buffer.append(input.substr(0, n));
    input.remove_prefix(n);
    return true;
  };
  for (int requests = 0; requests < 64;) {
    if (buffer.empty() && !read()) break;
    boost::beast::error_code ec;
    const std::size_t used =
        parser->put(boost::asio::const_buffer(buffer.data(), buffer.size()), ec);
    buffer.erase(0, used);
    if (!header_fields && parser->is_header_done()) header_fields = storage.fields.size();
    if (ec == boost::beast::http::error::need_more) {
      // The connection answers 431 here; it must never hold more.
      if (buffer.size() > kHeaderLimit) return 0;
      if (!read()) break;
      continue;
    }
    if (ec) {
      // A refusal with its own status names one the server answers.
      const int status = storage.error.status;
      if (status != 0 && status != 400 && status != 431) std::abort();
      if (status != 0 && storage.error.message.empty()) std::abort();
      return 0;
    }
    if (parser->is_done()) {
      CheckCompleted(storage, *parser, header_fields.value_or(storage.fields.size()));
      ++requests;
      begin();
      continue;
    }
    if (used == 0 && !read()) break;
  }
  return 0;
}
