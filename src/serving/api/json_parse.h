// The simdjson adapter of the api library (internal: the codecs include
// it, the server does not). Parsing uses one reused DOM parser per thread,
// so a decoded document lives until the same thread parses the next body.
// simdjson is used through its error-code API only: nothing here throws.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

#include "serving/api/api_error.h"

namespace churnml::serving::internal {

// Parses `body` with the calling thread's parser. Invalid JSON becomes
// kInvalidJson: "invalid JSON: <reason> at byte <offset>", the offset of
// the first byte the parser could not accept (0-based).
ApiResult<simdjson::dom::element> ParseJson(std::string_view body);

// "a string", "a number", "an object", "an array", "a boolean", "null":
// the JSON type of `e` for messages.
std::string_view JsonTypeName(const simdjson::dom::element& e);

}  // namespace churnml::serving::internal
