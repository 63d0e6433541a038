#include "tracking/store_uri.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace churnml::tracking {
namespace {

constexpr std::string_view kMask = "***";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// libpq percent-decodes URI parts; so do we, to compare and to find echoes.
std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = HexValue(s[i + 1]);
      const int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

bool IsSecretParameter(std::string_view name) {
  std::string lower = PercentDecode(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.find("password") != std::string::npos;
}

// A URI cut into the pieces that matter here.
struct UriParts {
  size_t password_begin = std::string_view::npos;  // inside the userinfo
  size_t password_end = std::string_view::npos;
  std::vector<std::pair<size_t, size_t>> secret_values;  // [begin, end) in the query
};

UriParts Parse(std::string_view uri) {
  UriParts parts;
  const size_t scheme = uri.find("://");
  if (scheme == std::string_view::npos) return parts;
  const size_t authority = scheme + 3;
  size_t query = uri.find('?', authority);
  const size_t fragment = uri.find('#', authority);
  if (fragment != std::string_view::npos && (query == std::string_view::npos || fragment < query)) {
    query = std::string_view::npos;  // a '?' inside the fragment is not a query
  }
  const size_t hier_end = std::min(query, fragment);
  // The userinfo ends at the last '@' before the query: a password with an
  // unencoded '@' or '/' is still masked whole (over-masking is harmless).
  const size_t at =
      uri.substr(0, hier_end == std::string_view::npos ? uri.size() : hier_end).rfind('@');
  if (at != std::string_view::npos && at > authority) {
    const size_t colon = uri.find(':', authority);
    if (colon < at) {
      parts.password_begin = colon + 1;
      parts.password_end = at;
    }
  }
  if (query != std::string_view::npos) {
    const size_t end = fragment != std::string_view::npos && fragment > query ? fragment : uri.size();
    size_t start = query + 1;
    while (start <= end) {
      size_t amp = uri.find('&', start);
      if (amp == std::string_view::npos || amp > end) amp = end;
      const std::string_view pair = uri.substr(start, amp - start);
      const size_t eq = pair.find('=');
      if (eq != std::string_view::npos && IsSecretParameter(pair.substr(0, eq))) {
        parts.secret_values.emplace_back(start + eq + 1, amp);
      }
      start = amp + 1;
    }
  }
  return parts;
}

void ReplaceAll(std::string& text, std::string_view secret) {
  if (secret.empty()) return;
  for (size_t pos = text.find(secret); pos != std::string::npos;
       pos = text.find(secret, pos + kMask.size())) {
    text.replace(pos, secret.size(), kMask);
  }
}

}  // namespace

std::string RedactStoreUri(std::string_view uri) {
  const UriParts parts = Parse(uri);
  // Ranges in order of position, replaced from the back so offsets hold.
  std::vector<std::pair<size_t, size_t>> ranges = parts.secret_values;
  if (parts.password_begin != std::string_view::npos) {
    ranges.emplace_back(parts.password_begin, parts.password_end);
  }
  std::sort(ranges.begin(), ranges.end());
  std::string out(uri);
  for (auto it = ranges.rbegin(); it != ranges.rend(); ++it) {
    out.replace(it->first, it->second - it->first, kMask);
  }
  return out;
}

std::string RedactSecretsIn(std::string_view text, std::string_view uri) {
  std::string out(text);
  if (!uri.empty()) {
    const std::string redacted = RedactStoreUri(uri);
    for (size_t pos = out.find(uri); pos != std::string::npos;
         pos = out.find(uri, pos + redacted.size())) {
      out.replace(pos, uri.size(), redacted);
    }
  }
  const UriParts parts = Parse(uri);
  std::vector<std::string_view> secrets;
  if (parts.password_begin != std::string_view::npos) {
    secrets.push_back(uri.substr(parts.password_begin, parts.password_end - parts.password_begin));
  }
  for (const auto& [begin, end] : parts.secret_values) {
    secrets.push_back(uri.substr(begin, end - begin));
  }
  for (std::string_view secret : secrets) {
    if (secret == kMask) continue;
    ReplaceAll(out, secret);
    ReplaceAll(out, PercentDecode(secret));
  }
  return out;
}

}  // namespace churnml::tracking
