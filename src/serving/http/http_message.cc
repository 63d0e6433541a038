#include "serving/http/http_message.h"

#include "common/json_text.h"
#include "serving/http/event_stream.h"

namespace churnml::serving {

namespace {

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  }
  return true;
}

std::string_view HttpRequest::Header(std::string_view name) const {
  for (const HttpField& field : headers) {
    if (EqualsIgnoreCase(field.name, name)) return field.value;
  }
  return {};
}

std::string_view HttpRequest::Param(std::string_view name) const {
  for (const HttpField& field : params) {
    if (field.name == name) return field.value;
  }
  return {};
}

void HttpResponse::Reset() {
  status = 200;
  content_type.assign("application/json");
  body.clear();
  headers.clear();
  stream.reset();
}

void HttpResponse::SetError(int status_code, std::string_view message) {
  status = status_code;
  content_type.assign("application/json");
  body.assign("{\"error\":\"");
  AppendJsonEscaped(message, body);
  body.append("\"}");
}

}  // namespace churnml::serving
