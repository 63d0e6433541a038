#include "serving/api/json_parse.h"

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

namespace churnml::serving::internal {

namespace {

// A SAX handler that accepts everything and remembers the first syntax
// error; nlohmann reports errors to it instead of throwing. Used only to
// locate the error when simdjson has already rejected a body (simdjson's
// DOM parser reports an error code but no position).
class ErrorLocator {
 public:
  using json = nlohmann::json;
  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(json::number_integer_t) { return true; }
  bool number_unsigned(json::number_unsigned_t) { return true; }
  bool number_float(json::number_float_t, const json::string_t&) { return true; }
  bool string(json::string_t&) { return true; }
  bool binary(json::binary_t&) { return true; }
  bool start_object(std::size_t) { return true; }
  bool key(json::string_t&) { return true; }
  bool end_object() { return true; }
  bool start_array(std::size_t) { return true; }
  bool end_array() { return true; }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& ex) {
    found_ = true;
    position_ = position;
    reason_ = ex.what();
    return false;
  }

  bool found() const { return found_; }
  std::size_t position() const { return position_; }
  // nlohmann's text without its "[json.exception...] parse error at line L,
  // column C: " prefix (the byte offset says where).
  std::string reason() const {
    const size_t colon = reason_.find(": ");
    std::string reason = colon == std::string::npos ? reason_ : reason_.substr(colon + 2);
    // The text quotes the bytes last read, which may be invalid UTF-8 or
    // control characters: keep printable ASCII only.
    for (char& c : reason) {
      if (c < ' ' || c > '~') c = '?';
    }
    return reason;
  }

 private:
  bool found_ = false;
  std::size_t position_ = 0;
  std::string reason_;
};

}  // namespace

ApiResult<simdjson::dom::element> ParseJson(std::string_view body) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  const simdjson::error_code code = parser.parse(body.data(), body.size()).get(doc);
  if (code == simdjson::SUCCESS) return doc;

  ErrorLocator locator;
  nlohmann::json::sax_parse(body.begin(), body.end(), &locator,
                            nlohmann::json::input_format_t::json,
                            /*strict=*/true, /*ignore_comments=*/false);
  std::string message = "invalid JSON: ";
  if (locator.found()) {
    // nlohmann counts the bytes it read, including the offending one.
    const size_t at = locator.position() > 0 ? locator.position() - 1 : 0;
    message += locator.reason() + " at byte " + std::to_string(at);
  } else {
    message += simdjson::error_message(code);
  }
  return ApiError{ApiErrorKind::kInvalidJson, std::move(message), {}};
}

std::string_view JsonTypeName(const simdjson::dom::element& e) {
  switch (e.type()) {
    case simdjson::dom::element_type::ARRAY:
      return "an array";
    case simdjson::dom::element_type::OBJECT:
      return "an object";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE:
      return "a number";
    case simdjson::dom::element_type::STRING:
      return "a string";
    case simdjson::dom::element_type::BOOL:
      return "a boolean";
    case simdjson::dom::element_type::NULL_VALUE:
      return "null";
  }
  return "a value";
}

}  // namespace churnml::serving::internal
