#include "serving/http/response_head.h"

#include <boost/beast/http/status.hpp>
#include <charconv>
#include <ostream>

namespace churnml::serving {

namespace {

constexpr std::string_view kDefaultPolicy = "Content-Security-Policy: default-src 'none'\r\n";
constexpr std::string_view kSecurityHeaders =
    "X-Content-Type-Options: nosniff\r\n"
    "X-Frame-Options: DENY\r\n"
    "Referrer-Policy: no-referrer\r\n"
    "Cache-Control: no-store\r\n";

void AppendNumber(std::size_t value, std::string& out) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof(digits), value);
  out.append(digits, result.ptr);
}

bool HasControlBytes(std::string_view text) {
  for (char c : text) {
    if (c == '\r' || c == '\n' || c == '\0') return true;
  }
  return false;
}

bool IsServerOwned(std::string_view name) {
  return EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Transfer-Encoding") ||
         EqualsIgnoreCase(name, "Connection") || EqualsIgnoreCase(name, "Date");
}

}  // namespace

bool StatusForbidsBody(int status) { return status < 200 || status == 204 || status == 304; }

void AppendResponseHead(const ResponseHead& head, const HttpResponse& response, std::string& out) {
  int status = head.status;
  if (status < 100 || status > 599) status = 500;
  out.append("HTTP/1.1 ");
  AppendNumber(static_cast<std::size_t>(status), out);
  out.push_back(' ');
  const auto reason =
      boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  out.append(reason.data(), reason.size());
  out.append("\r\nDate: ");
  out.append(head.date);
  if (!StatusForbidsBody(status)) {
    if ((head.content_length > 0 || head.streaming) && !HasControlBytes(response.content_type)) {
      out.append("\r\nContent-Type: ");
      out.append(response.content_type);
    }
    if (!head.streaming) {
      out.append("\r\nContent-Length: ");
      AppendNumber(head.content_length, out);
    }
  }
  if (!head.keep_alive || head.streaming) {
    out.append("\r\nConnection: close");
  } else if (head.request_version < 11) {
    out.append("\r\nConnection: keep-alive");
  }
  out.append("\r\nX-Request-Id: ");
  out.append(head.request_id);
  out.append("\r\n");
  out.append(kSecurityHeaders);
  bool own_policy = false;
  for (const auto& [name, value] : response.headers) {
    own_policy = own_policy || (EqualsIgnoreCase(name, "Content-Security-Policy") &&
                                !HasControlBytes(value) && !value.empty());
  }
  if (!own_policy) out.append(kDefaultPolicy);
  for (const auto& [name, value] : response.headers) {
    if (name.empty() || HasControlBytes(name) || HasControlBytes(value) || IsServerOwned(name) ||
        name.find(':') != std::string::npos) {
      continue;
    }
    out.append(name);
    out.append(": ");
    out.append(value);
    out.append("\r\n");
  }
  out.append("\r\n");
}

bool IsSaneRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == ':' || c == '/' || c == '+' ||
                    c == '=';
    if (!ok) return false;
  }
  return true;
}

}  // namespace churnml::serving
