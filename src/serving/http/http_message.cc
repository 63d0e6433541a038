#include "serving/http/http_message.h"

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
}

void HttpResponse::SetError(int status_code, std::string_view message) {
  status = status_code;
  content_type.assign("application/json");
  body.assign("{\"error\":\"");
  AppendJsonEscaped(message, body);
  body.append("\"}");
}

void AppendJsonEscaped(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (u < 0x20) {
          out.append("\\u00");
          out.push_back(kHex[u >> 4]);
          out.push_back(kHex[u & 0xf]);
        } else {
          out.push_back(c);
        }
    }
  }
}

}  // namespace churnml::serving
