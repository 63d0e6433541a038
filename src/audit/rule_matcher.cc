// The only file that includes Hyperscan and RE2 (both report errors as
// values; neither throws).
#include "audit/rule_matcher.h"

#include <hs/hs.h>
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "audit/secret_checks.h"

namespace churnml::audit {
namespace {

constexpr size_t kMaxHitsPerFile = 1 << 20;
constexpr int kMaxStatementLines = 30;

struct CompiledRule {
  const Rule* rule = nullptr;
  std::unique_ptr<RE2> regex;
  std::unique_ptr<RE2> exclude;
  int groups = 0;  // capture groups the match needs (secret group)
};

struct Hit {
  unsigned id;
  size_t end;
};

int OnMatch(unsigned int id, unsigned long long /*from*/, unsigned long long to,
            unsigned int /*flags*/, void* context) {
  auto* hits = static_cast<std::vector<Hit>*>(context);
  if (hits->size() >= kMaxHitsPerFile) return 1;  // stop: pathological file
  hits->push_back({id, static_cast<size_t>(to)});
  return 0;
}

bool Passes(const CompiledRule& cr, std::string_view secret) {
  switch (cr.rule->pattern.secret_check) {
    case SecretCheck::kNone:
      return true;
    case SecretCheck::kGeneric:
      return !LooksLikeNonSecret(secret) && ShannonEntropy(secret) >= cr.rule->pattern.min_entropy;
    case SecretCheck::kWeakApiKey:
      return secret.size() < 32 && !LooksLikeNonSecret(secret) && ShannonEntropy(secret) >= 2.0;
  }
  return true;
}

bool IsHashCommentLanguage(Language l) {
  return l == Language::kPython || l == Language::kShell || l == Language::kYaml ||
         l == Language::kDockerfile || l == Language::kEnv || l == Language::kConfig ||
         l == Language::kRequirements || l == Language::kCMake;
}

// True when `pos` sits in a comment, judged from its line: after "//" or in a
// "/*"/"*" comment line (C-like), or after a '#' (hash-comment languages).
// Quotes before the marker make it a string, not a comment.
bool InComment(std::string_view line, size_t pos, Language language) {
  std::string_view before = line.substr(0, pos);
  size_t first = before.find_first_not_of(" \t");
  std::string_view lead =
      first == std::string_view::npos ? std::string_view() : before.substr(first);
  auto unquoted = [&](size_t at) {
    std::string_view head = before.substr(0, at);
    return std::count(head.begin(), head.end(), '"') % 2 == 0 &&
           std::count(head.begin(), head.end(), '\'') % 2 == 0;
  };
  if (language == Language::kCpp || language == Language::kJavaScript) {
    if (lead.substr(0, 2) == "/*" || (!lead.empty() && lead[0] == '*')) return true;
    size_t slashes = before.find("//");
    return slashes != std::string_view::npos && unquoted(slashes);
  }
  if (IsHashCommentLanguage(language)) {
    size_t hash = before.find('#');
    return hash != std::string_view::npos && unquoted(hash) &&
           (hash == 0 || before[hash - 1] == ' ' || before[hash - 1] == '\t');
  }
  return false;
}

// A C/C++ declaration such as "extern int execl(" or "const EVP_CIPHER
// *EVP_des_ecb(": only type-like words precede the name on its line (or the
// line is a preprocessor directive).
bool IsCDeclaration(std::string_view line, size_t pos) {
  std::string_view before = line.substr(0, pos);
  size_t first = before.find_first_not_of(" \t");
  if (first == std::string_view::npos) return false;
  before = before.substr(first);
  if (before.substr(0, 1) == "#") return true;  // #define system(a) ...
  if (before.find("return") != std::string_view::npos) return false;
  for (char c : before) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ' ' || c == '\t' ||
          c == '*' || c == '&' || c == ':' || c == '<' || c == '>')) {
      return false;
    }
  }
  char last = before.back();
  return last == ' ' || last == '\t' || last == '*' || last == '&';
}

}  // namespace

std::pair<size_t, size_t> LineSpan(std::string_view text, size_t offset) {
  size_t begin = offset;
  while (begin > 0 && text[begin - 1] != '\n') --begin;
  size_t end = text.find('\n', offset);
  if (end == std::string_view::npos) end = text.size();
  while (end > begin && text[end - 1] == '\r') --end;
  return {begin, end};
}

std::pair<size_t, size_t> StatementSpan(std::string_view text, size_t offset) {
  auto [begin, end] = LineSpan(text, offset);
  int depth = 0;
  size_t line_begin = begin;
  for (int lines = 0; lines < kMaxStatementLines; ++lines) {
    auto [lb, le] = LineSpan(text, line_begin);
    char quote = 0;
    for (size_t i = lb; i < le; ++i) {
      char c = text[i];
      if (quote) {
        if (c == '\\')
          ++i;
        else if (c == quote)
          quote = 0;
        continue;
      }
      if (c == '"' || c == '\'' || c == '`')
        quote = c;
      else if (c == '#' && (i == lb || text[i - 1] == ' '))
        break;  // comment
      else if (c == '(' || c == '[' || c == '{')
        ++depth;
      else if (c == ')' || c == ']' || c == '}')
        depth = std::max(0, depth - 1);
    }
    end = le;
    bool continued = depth > 0 || (le > lb && text[le - 1] == '\\');
    size_t next = text.find('\n', le);
    if (!continued || next == std::string_view::npos || next + 1 >= text.size()) break;
    line_begin = next + 1;
  }
  return {begin, end};
}

struct RuleMatcher::Impl {
  std::vector<CompiledRule> rules;
  // keyword id → indices into `rules`; ids >= marker_base are markers.
  std::vector<std::vector<size_t>> keyword_rules;
  unsigned marker_base = 0;
  hs_database_t* db = nullptr;
  ~Impl() {
    if (db) hs_free_database(db);
  }
};

struct RuleMatcher::Scratch::State {
  ~State() {
    if (scratch) hs_free_scratch(scratch);
  }
  hs_scratch_t* scratch = nullptr;
  std::vector<Hit> hits;
  std::unordered_set<uint64_t> seen_lines;
  std::unordered_set<uint64_t> seen_matches;
};

RuleMatcher::Scratch::Scratch() : state(std::make_unique<State>()) {}
RuleMatcher::Scratch::~Scratch() = default;

RuleMatcher::RuleMatcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RuleMatcher::~RuleMatcher() = default;

Result<std::unique_ptr<RuleMatcher>> RuleMatcher::Compile(const std::vector<const Rule*>& rules) {
  auto impl = std::make_unique<Impl>();
  RE2::Options opts;
  opts.set_log_errors(false);
  // keyword text + case flag → id
  std::unordered_map<std::string, unsigned> ids;
  std::vector<std::string> literals;
  std::vector<unsigned> flags;
  auto add_literal = [&](const std::string& lit, bool caseless) -> unsigned {
    std::string key = (caseless ? "i:" : "s:") + lit;
    auto it = ids.find(key);
    if (it != ids.end()) return it->second;
    unsigned id = static_cast<unsigned>(literals.size());
    ids.emplace(key, id);
    literals.push_back(lit);
    flags.push_back(caseless ? HS_FLAG_CASELESS : 0);
    return id;
  };
  for (const Rule* rule : rules) {
    if (rule->file_check != FileCheck::kNone) continue;
    CompiledRule cr;
    cr.rule = rule;
    cr.regex = std::make_unique<RE2>(rule->pattern.regex, opts);
    if (rule->pattern.regex.empty()) {
      cr.regex.reset();  // a tree rule for Python only: the keywords select files to parse
    } else if (!cr.regex->ok()) {
      return InvalidArgumentError("audit rule " + rule->id + ": bad pattern: " + cr.regex->error());
    }
    if (!rule->pattern.exclude_regex.empty()) {
      cr.exclude = std::make_unique<RE2>(rule->pattern.exclude_regex, opts);
      if (!cr.exclude->ok()) {
        return InvalidArgumentError("audit rule " + rule->id +
                                    ": bad exclude pattern: " + cr.exclude->error());
      }
    }
    if (cr.regex && rule->pattern.secret_group > cr.regex->NumberOfCapturingGroups()) {
      return InvalidArgumentError("audit rule " + rule->id + ": secret group " +
                                  std::to_string(rule->pattern.secret_group) +
                                  " exceeds the pattern's groups");
    }
    cr.groups = rule->pattern.secret_group;
    size_t index = impl->rules.size();
    impl->rules.push_back(std::move(cr));
    bool caseless = rule->pattern.keyword_case == KeywordCase::kInsensitive;
    for (const std::string& kw : rule->pattern.keywords) {
      unsigned id = add_literal(kw, caseless);
      if (impl->keyword_rules.size() <= id) impl->keyword_rules.resize(id + 1);
      impl->keyword_rules[id].push_back(index);
    }
  }
  impl->marker_base = static_cast<unsigned>(literals.size());
  add_literal("churnml:ignore", true);
  add_literal("nosec", true);
  impl->keyword_rules.resize(literals.size());

  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  std::vector<unsigned> hs_ids;
  for (size_t i = 0; i < literals.size(); ++i) {
    ptrs.push_back(literals[i].data());
    lens.push_back(literals[i].size());
    hs_ids.push_back(static_cast<unsigned>(i));
  }
  hs_compile_error_t* err = nullptr;
  if (hs_compile_lit_multi(ptrs.data(), flags.data(), hs_ids.data(), lens.data(),
                           static_cast<unsigned>(ptrs.size()), HS_MODE_BLOCK, nullptr, &impl->db,
                           &err) != HS_SUCCESS) {
    std::string message = err && err->message ? err->message : "unknown error";
    if (err) hs_free_compile_error(err);
    return InternalError("audit: cannot compile the keyword database: " + message);
  }
  return std::unique_ptr<RuleMatcher>(new RuleMatcher(std::move(impl)));
}

Result<std::unique_ptr<RuleMatcher::Scratch>> RuleMatcher::NewScratch() const {
  auto s = std::make_unique<Scratch>();
  if (hs_alloc_scratch(impl_->db, &s->state->scratch) != HS_SUCCESS) {
    return InternalError("audit: cannot allocate Hyperscan scratch space");
  }
  return s;
}

Status RuleMatcher::Scan(std::string_view text, Language language, Scratch& scratch_holder,
                         std::vector<RawMatch>& matches, MarkerHits& markers) const {
  Scratch::State& scratch = *scratch_holder.state;
  scratch.hits.clear();
  scratch.seen_lines.clear();
  scratch.seen_matches.clear();
  if (text.empty()) return Status::Ok();
  hs_error_t rc = hs_scan(impl_->db, text.data(), static_cast<unsigned>(text.size()), 0,
                          scratch.scratch, OnMatch, &scratch.hits);
  if (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED) {
    return InternalError("audit: keyword scan failed (Hyperscan error " + std::to_string(rc) + ")");
  }
  const LanguageSet lang_bit = LanguageBit(language);
  const size_t first_match = matches.size();
  re2::StringPiece groups[10];
  for (const Hit& hit : scratch.hits) {
    size_t at = hit.end == 0 ? 0 : hit.end - 1;
    if (hit.id >= impl_->marker_base) {
      size_t ls = LineSpan(text, at).first;
      if (markers.line_starts.empty() || markers.line_starts.back() != ls) {
        markers.line_starts.push_back(ls);
      }
      continue;
    }
    for (size_t ri : impl_->keyword_rules[hit.id]) {
      const CompiledRule& cr = impl_->rules[ri];
      if ((cr.rule->languages & lang_bit) == 0) continue;
      if (cr.rule->tree_check != TreeCheck::kNone && language == Language::kPython) {
        markers.tree_rule_keyword = true;
        continue;
      }
      if (!cr.regex) continue;
      auto line = LineSpan(text, at);
      if (!scratch.seen_lines.insert((static_cast<uint64_t>(ri) << 40) | line.first).second) {
        continue;
      }
      auto scope =
          cr.rule->pattern.scope == MatchScope::kStatement ? StatementSpan(text, at) : line;
      re2::StringPiece scoped(text.data() + scope.first, scope.second - scope.first);
      int n = cr.groups + 1;
      if (!cr.regex->Match(scoped, 0, scoped.size(), RE2::UNANCHORED, groups, n)) continue;
      if (cr.exclude && RE2::PartialMatch(scoped, *cr.exclude)) continue;
      RawMatch m;
      m.rule = cr.rule;
      m.begin = static_cast<size_t>(groups[0].data() - text.data());
      if (cr.rule->pattern.in_comments == InComments::kSkip) {
        size_t word = m.begin;
        while (word < text.size() && (text[word] == ' ' || text[word] == '\t')) ++word;
        auto ml = LineSpan(text, word);
        std::string_view mline = text.substr(ml.first, ml.second - ml.first);
        if (InComment(mline, word - ml.first, language)) continue;
        if (language == Language::kCpp && IsCDeclaration(mline, word - ml.first)) continue;
      }
      // Report the first non-blank character of the match ("^\s*key: ...").
      size_t match_end = m.begin + groups[0].size();
      while (m.begin + 1 < match_end && (text[m.begin] == ' ' || text[m.begin] == '\t')) {
        ++m.begin;
      }
      m.scope_begin = scope.first;
      m.scope_end = scope.second;
      m.secret_begin = m.secret_end = m.begin;
      if (cr.groups > 0 && groups[cr.groups].data() != nullptr) {
        std::string_view secret(groups[cr.groups].data(), groups[cr.groups].size());
        if (!Passes(cr, secret)) continue;
        m.secret_begin = static_cast<size_t>(groups[cr.groups].data() - text.data());
        m.secret_end = m.secret_begin + secret.size();
      } else if (cr.rule->pattern.secret_check != SecretCheck::kNone) {
        continue;
      }
      if (!scratch.seen_matches.insert((static_cast<uint64_t>(ri) << 40) | m.begin).second) {
        continue;
      }
      matches.push_back(m);
    }
  }
  std::sort(matches.begin() + static_cast<std::ptrdiff_t>(first_match), matches.end(),
            [](const RawMatch& a, const RawMatch& b) {
              return a.begin != b.begin ? a.begin < b.begin : a.rule->id < b.rule->id;
            });
  return Status::Ok();
}

}  // namespace churnml::audit
