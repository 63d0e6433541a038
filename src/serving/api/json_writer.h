// Fast JSON output helpers for response bodies: append-only into a
// std::string the caller reuses, numbers through std::to_chars (shortest
// representation that round-trips to the same double).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace churnml::serving {

// Appends `s` as a JSON string literal, quotes included. Escapes ", \ and
// control characters; bytes >= 0x80 are copied as they are (the decoders
// only hand out text that was valid UTF-8 in the request).
void AppendJsonString(std::string_view s, std::string* out);

// Appends `v` in the shortest form that parses back to the same double;
// NaN and infinities (not JSON) become null.
void AppendJsonNumber(double v, std::string* out);
void AppendJsonInt(int64_t v, std::string* out);

}  // namespace churnml::serving
