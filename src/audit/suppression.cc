#include "audit/suppression.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "common/strings.h"

namespace churnml::audit {
namespace {

size_t FindCaseless(std::string_view hay, std::string_view needle) {
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  });
  return it == hay.end() ? std::string_view::npos : static_cast<size_t>(it - hay.begin());
}

// Position of the comment opener that directly precedes the marker at
// `marker` (only spaces between them), or npos: prose that merely mentions a
// marker inside a longer comment is not a suppression.
size_t CommentStart(std::string_view line, size_t marker) {
  size_t end = marker;
  while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t')) --end;
  for (std::string_view opener : {"<!--", "/*", "//", "{#", "--", "#", ";"}) {
    if (end >= opener.size() && line.substr(end - opener.size(), opener.size()) == opener) {
      return end - opener.size();
    }
  }
  return std::string_view::npos;
}

// A rule reference: an ID ("CML-S001"), a name ("aws-access-key-id") or a
// prefix ("CML-S*"); always contains a '-'.
bool LooksLikeRuleRef(std::string_view token) {
  return token.find('-') != std::string_view::npos && token.find("--") == std::string_view::npos;
}

bool IsIdChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '*';
}

}  // namespace

bool ParseSuppression(std::string_view line, int line_number, InlineSuppression& out) {
  size_t at = FindCaseless(line, "churnml:ignore");
  size_t marker_len = 14;
  bool nosec = false;
  if (at == std::string_view::npos) {
    at = FindCaseless(line, "nosec");
    marker_len = 5;
    nosec = true;
    if (at == std::string_view::npos) return false;
    // "nosec" must be a word of its own.
    if ((at > 0 && IsIdChar(line[at - 1])) ||
        (at + 5 < line.size() && std::isalnum(static_cast<unsigned char>(line[at + 5])))) {
      return false;
    }
  }
  size_t comment = CommentStart(line, at);
  if (comment == std::string_view::npos) return false;
  out = InlineSuppression();
  out.line = line_number;
  out.nosec = nosec;
  out.standalone = Trim(line.substr(0, comment)).empty();
  for (std::string_view opener : {"<!--", "/*", "//", "{#", "--", "#", ";"}) {
    if (line.substr(comment, opener.size()) == opener) {
      out.opener = std::string(opener);
      break;
    }
  }
  std::string_view rest = line.substr(at + marker_len);
  size_t dashes = rest.find("--");
  std::string_view ids = rest.substr(0, dashes);
  if (dashes != std::string_view::npos) {
    std::string_view reason = Trim(rest.substr(dashes + 2));
    for (std::string_view closer : {"*/", "-->", "#}"}) {
      if (reason.size() >= closer.size() &&
          reason.substr(reason.size() - closer.size()) == closer) {
        reason = Trim(reason.substr(0, reason.size() - closer.size()));
      }
    }
    out.reason = std::string(reason);
  }
  size_t i = 0;
  while (i < ids.size()) {
    while (i < ids.size() && (ids[i] == ' ' || ids[i] == ',' || ids[i] == '\t')) ++i;
    size_t start = i;
    while (i < ids.size() && IsIdChar(ids[i])) ++i;
    std::string_view token = ids.substr(start, i - start);
    if (token.empty()) break;
    if (nosec) {
      // Bandit's own IDs (B602...) cannot be mapped, so nosec with them covers all.
      if (token.rfind("CML-", 0) == 0) out.rule_ids.emplace_back(token);
      continue;
    }
    if (!LooksLikeRuleRef(token)) break;  // prose after the IDs
    out.rule_ids.emplace_back(token);
  }
  return true;
}

LineIndex::LineIndex(std::string_view text) {
  starts_.push_back(0);
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p));
    if (nl == nullptr) break;
    p = static_cast<const char*>(nl) + 1;
    if (p < end) starts_.push_back(static_cast<size_t>(p - text.data()));
  }
}

int LineIndex::LineOf(size_t offset) const {
  auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
  return static_cast<int>(it - starts_.begin());
}

int StatementFirstLine(std::string_view text, const LineIndex& lines, int line) {
  for (int steps = 0; steps < 30 && line > 1; ++steps) {
    size_t b = lines.LineStart(line - 1);
    size_t e = lines.LineStart(line);
    std::string_view prev = Trim(text.substr(b, e - b));
    if (prev.empty()) break;
    char last = prev.back();
    if (last != '(' && last != '[' && last != '{' && last != ',' && last != '\\' && last != '+' &&
        last != '=') {
      break;
    }
    --line;
  }
  return line;
}

void ApplySuppressions(std::vector<InlineSuppression>& suppressions, int first_line,
                       Finding& finding) {
  for (InlineSuppression& s : suppressions) {
    bool covers = (s.line >= first_line && s.line <= finding.end_line) ||
                  (s.standalone && s.line == first_line - 1);
    if (!covers) continue;
    bool rule_match = s.rule_ids.empty();
    for (const std::string& id : s.rule_ids) {
      if (id == finding.rule->id || id == finding.rule->name) rule_match = true;
      if (!id.empty() && id.back() == '*' &&
          finding.rule->id.compare(0, id.size() - 1, id, 0, id.size() - 1) == 0) {
        rule_match = true;
      }
    }
    if (!rule_match) continue;
    s.used = true;
    if (finding.suppression == SuppressionKind::kNone) {
      finding.suppression = SuppressionKind::kInline;
      finding.justification = s.reason.empty() ? (s.nosec ? "# nosec" : "") : s.reason;
    }
  }
}

}  // namespace churnml::audit
