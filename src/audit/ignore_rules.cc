#include "audit/ignore_rules.h"

#include "common/strings.h"

namespace churnml::audit {
namespace {

// Matches one '[...]' class at the start of `p` against `c`; sets `consumed`
// to the class length. A malformed class matches '[' literally.
bool MatchClass(std::string_view p, char c, size_t& consumed) {
  size_t i = 1;
  bool negate = false;
  if (i < p.size() && (p[i] == '!' || p[i] == '^')) {
    negate = true;
    ++i;
  }
  bool matched = false;
  size_t start = i;
  for (; i < p.size() && (p[i] != ']' || i == start); ++i) {
    if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
      if (c >= p[i] && c <= p[i + 2]) matched = true;
      i += 2;
    } else if (p[i] == c) {
      matched = true;
    }
  }
  if (i >= p.size()) {  // no closing bracket
    consumed = 1;
    return c == '[';
  }
  consumed = i + 1;
  return matched != negate;
}

}  // namespace

bool GlobMatch(std::string_view p, std::string_view s) {
  while (!p.empty()) {
    if (p.substr(0, 2) == "**") {
      std::string_view rest = p.substr(2);
      if (rest.empty()) return true;
      if (rest[0] == '/') rest.remove_prefix(1);
      for (size_t i = 0; i <= s.size(); ++i) {
        if ((i == 0 || s[i - 1] == '/') && GlobMatch(rest, s.substr(i))) return true;
      }
      return false;
    }
    if (p[0] == '*') {
      std::string_view rest = p.substr(1);
      for (size_t i = 0; i <= s.size(); ++i) {
        if (GlobMatch(rest, s.substr(i))) return true;
        if (i < s.size() && s[i] == '/') return false;
      }
      return false;
    }
    if (s.empty()) return false;
    if (p[0] == '?') {
      if (s[0] == '/') return false;
      p.remove_prefix(1);
      s.remove_prefix(1);
      continue;
    }
    if (p[0] == '[') {
      size_t consumed = 1;
      if (s[0] == '/' || !MatchClass(p, s[0], consumed)) return false;
      p.remove_prefix(consumed);
      s.remove_prefix(1);
      continue;
    }
    if (p[0] == '\\' && p.size() > 1) p.remove_prefix(1);
    if (p[0] != s[0]) return false;
    p.remove_prefix(1);
    s.remove_prefix(1);
  }
  return s.empty();
}

void IgnoreRules::AddPatterns(std::string_view base, std::string_view file_text) {
  for (std::string_view raw : Split(file_text, '\n')) {
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    // Trailing spaces are dropped unless escaped.
    while (!raw.empty() && raw.back() == ' ' && !(raw.size() >= 2 && raw[raw.size() - 2] == '\\')) {
      raw.remove_suffix(1);
    }
    if (raw.empty() || raw[0] == '#') continue;
    Pattern pat;
    pat.base = std::string(base);
    if (raw[0] == '!') {
      pat.negated = true;
      raw.remove_prefix(1);
    } else if (raw[0] == '\\' && raw.size() > 1 && (raw[1] == '!' || raw[1] == '#')) {
      raw.remove_prefix(1);
    }
    if (!raw.empty() && raw.back() == '/') {
      pat.dir_only = true;
      raw.remove_suffix(1);
    }
    if (raw.empty()) continue;
    pat.anchored = raw.find('/') != std::string_view::npos;
    if (raw[0] == '/') raw.remove_prefix(1);
    pat.glob = std::string(raw);
    patterns_.push_back(std::move(pat));
  }
}

bool IgnoreRules::IsIgnored(std::string_view path, bool is_dir) const {
  bool ignored = false;
  for (const Pattern& pat : patterns_) {
    if (ignored != pat.negated) continue;  // cannot change the outcome
    if (pat.dir_only && !is_dir) continue;
    std::string_view rel = path;
    if (!pat.base.empty()) {
      if (rel.size() <= pat.base.size() || rel.substr(0, pat.base.size()) != pat.base ||
          rel[pat.base.size()] != '/') {
        continue;
      }
      rel.remove_prefix(pat.base.size() + 1);
    }
    bool match;
    if (pat.anchored) {
      match = GlobMatch(pat.glob, rel);
    } else {
      size_t slash = rel.rfind('/');
      match = GlobMatch(pat.glob, slash == std::string_view::npos ? rel : rel.substr(slash + 1));
    }
    if (match) ignored = !pat.negated;
  }
  return ignored;
}

}  // namespace churnml::audit
