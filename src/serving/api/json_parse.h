// The simdjson adapter of the api library (internal: the codecs include
// it, the server does not). Parsing uses one reused DOM parser per thread,
// so a decoded document lives until the same thread parses the next body.
// simdjson is used through its error-code API only: nothing here throws.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

#include "data/schema.h"
#include "serving/api/api_error.h"

namespace churnml::serving::internal {

// Parses `body` with the calling thread's parser. Invalid JSON becomes
// kInvalidJson: "invalid JSON: <reason> at byte <offset>", the offset of
// the first byte the parser could not accept (0-based).
ApiResult<simdjson::dom::element> ParseJson(std::string_view body);

// "a string", "a number", "an object", "an array", "a boolean", "null":
// the JSON type of `e` for messages.
std::string_view JsonTypeName(const simdjson::dom::element& e);

// Reads one JSON value for schema column `spec` into `text` (the form
// RowConverter reads: strings as they are, numbers in shortest round-trip
// form, null as ""). Returns the problem ("expected a string, got a
// number", "1.5 is not an integer"), or "" when the value is acceptable.
std::string ReadColumnValue(const ColumnSpec& spec, const simdjson::dom::element& value,
                            std::string* text);

}  // namespace churnml::serving::internal
