// Writing JSON text by hand where a document builder would cost too much
// (the prediction path, the access log): one escaper for every such writer.
#pragma once

#include <string>
#include <string_view>

namespace churnml {

// Appends `text` as the inside of a JSON string: quote, backslash and
// control characters escaped (\n, \r, \t, else \u00XX); well-formed UTF-8
// as is; each byte that is not part of well-formed UTF-8 becomes U+FFFD, so
// the output is always valid JSON.
void AppendJsonEscaped(std::string_view text, std::string& out);

}  // namespace churnml
