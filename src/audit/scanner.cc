#include "audit/scanner.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <thread>

#include "audit/file_checks.h"
#include "audit/python_analysis.h"
#include "audit/python_syntax.h"
#include "audit/rule_matcher.h"
#include "audit/secret_checks.h"
#include "audit/suppression.h"
#include "common/errno_text.h"
#include "common/mutex.h"
#include "common/strings.h"

namespace churnml::audit {
namespace {

constexpr size_t kBinaryProbeBytes = 8000;  // what git inspects
constexpr size_t kMaxSnippetChars = 160;

struct FileResult {
  std::vector<Finding> findings;
  std::vector<ScanWarning> warnings;
  int64_t bytes = 0;
  int64_t lines = 0;
  bool binary = false;
  bool unreadable = false;
};

// Reads the whole file into `buf` (reused across files by one thread).
bool ReadWhole(const std::string& path, int64_t size_hint, std::string& buf, std::string& error) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = ErrnoText(errno);
    return false;
  }
  size_t capacity = static_cast<size_t>(std::max<int64_t>(size_hint, 0)) + 1;
  buf.resize(capacity);
  size_t used = 0;
  while (true) {
    if (used == buf.size()) buf.resize(buf.size() * 2);
    ssize_t n = read(fd, buf.data() + used, buf.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = ErrnoText(errno);
      close(fd);
      return false;
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  close(fd);
  buf.resize(used);
  return true;
}

int Utf8Column(std::string_view line_prefix) {
  int col = 1;
  for (unsigned char c : line_prefix) col += (c & 0xC0) != 0x80;
  return col;
}

// The matched line, secrets on it redacted, trimmed and shortened around the
// match column.
std::string MakeSnippet(std::string_view text, size_t line_begin, size_t line_end,
                        size_t match_begin, const std::vector<std::pair<size_t, size_t>>& secrets) {
  std::string out;
  size_t pos = line_begin;
  for (const auto& [sb, se] : secrets) {
    if (se <= line_begin || sb >= line_end || sb < pos) continue;
    out.append(text.substr(pos, sb - pos));
    out += RedactSecret(text.substr(sb, std::min(se, line_end) - sb));
    pos = std::min(se, line_end);
  }
  if (pos < line_end) out.append(text.substr(pos, line_end - pos));
  size_t first = out.find_first_not_of(" \t");
  size_t last = out.find_last_not_of(" \t");
  out = first == std::string::npos ? std::string() : out.substr(first, last - first + 1);
  if (out.size() > kMaxSnippetChars) {
    size_t rel = match_begin > line_begin ? match_begin - line_begin : 0;
    size_t start = rel > kMaxSnippetChars / 2 ? rel - kMaxSnippetChars / 4 : 0;
    start = std::min(start, out.size() - kMaxSnippetChars);
    while (start > 0 && (static_cast<unsigned char>(out[start]) & 0xC0) == 0x80) --start;
    size_t len = kMaxSnippetChars;
    while (start + len < out.size() &&
           (static_cast<unsigned char>(out[start + len]) & 0xC0) == 0x80) {
      ++len;
    }
    out =
        (start > 0 ? "..." : "") + out.substr(start, len) + (start + len < out.size() ? "..." : "");
  }
  return out;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// JSON has no comments (a "# nosec" there is data), and Markdown prose quotes
// markers in backticks: only an HTML comment suppresses in Markdown.
bool AcceptsSuppression(std::string_view path, const InlineSuppression& s) {
  if (EndsWith(path, ".json") || EndsWith(path, ".sarif") || EndsWith(path, ".ipynb")) {
    return false;
  }
  if (EndsWith(path, ".md")) return s.opener == "<!--";
  return true;
}

// What one scanning thread reuses from file to file.
struct WorkerState {
  std::unique_ptr<RuleMatcher::Scratch> scratch;
  std::unique_ptr<PythonParser> parser;  // only when tree rules are selected
  SyntaxTree tree;
  std::string buf;
};

// Keeps one finding per rule and line (the most severe): a call and its
// ECB-mode argument on one line are one weak-cipher finding.
void DedupeTreeMatches(const LineIndex& lines, std::vector<TreeMatch>& matches) {
  std::map<std::pair<const Rule*, int>, size_t> first;
  std::vector<TreeMatch> kept;
  for (TreeMatch& m : matches) {
    auto key = std::make_pair(m.rule, lines.LineOf(m.begin));
    auto [it, inserted] = first.emplace(key, kept.size());
    if (inserted) {
      kept.push_back(std::move(m));
    } else if (std::tie(m.severity, m.confidence) >
               std::tie(kept[it->second].severity, kept[it->second].confidence)) {
      kept[it->second] = std::move(m);
    }
  }
  matches = std::move(kept);
}

class FileScanner {
 public:
  FileScanner(const AuditOptions& options, const RuleMatcher& matcher,
              std::vector<const Rule*> file_rules, std::vector<std::string> selected_ids)
      : options_(options),
        matcher_(matcher),
        file_rules_(std::move(file_rules)),
        selected_(std::move(selected_ids)),
        tree_rules_(MakeTreeRuleSet(options.rules)) {}

  bool needs_parser() const { return !tree_rules_.empty(); }

  Status Scan(const FileEntry& entry, WorkerState& state, FileResult& out) const {
    RuleMatcher::Scratch& scratch = *state.scratch;
    std::string& buf = state.buf;
    std::string error;
    if (!ReadWhole(entry.absolute.string(), entry.size, buf, error)) {
      out.unreadable = true;
      out.warnings.push_back({entry.relative, 0, "cannot read file: " + error});
      return Status::Ok();
    }
    std::string_view text = buf;
    if (std::memchr(text.data(), '\0', std::min(text.size(), kBinaryProbeBytes)) != nullptr) {
      out.binary = true;
      return Status::Ok();
    }
    out.bytes = static_cast<int64_t>(text.size());
    Language language = DetectLanguage(entry.relative, text.substr(0, 256));
    std::vector<RawMatch> matches;
    MarkerHits markers;
    CHURNML_RETURN_IF_ERROR(matcher_.Scan(text, language, scratch, matches, markers));
    std::vector<FileCheckMatch> checks;
    FileContext ctx{text, entry.relative, entry.mode, language, options_.advisories};
    for (const Rule* rule : file_rules_) RunFileCheck(*rule, ctx, checks);
    LineIndex lines(text);
    out.lines = text.empty() ? 0 : lines.line_count();
    std::vector<TreeMatch> tree_matches;
    if (language == Language::kPython && markers.tree_rule_keyword && state.parser) {
      Status parsed = state.parser->Parse(text, state.tree);
      if (parsed.ok()) {
        AnalyzePython(state.tree, tree_rules_, tree_matches);
        DedupeTreeMatches(lines, tree_matches);
      } else {
        out.warnings.push_back({entry.relative, 0, "Python rules skipped: " + parsed.message()});
      }
    }
    if (matches.empty() && checks.empty() && tree_matches.empty() && markers.line_starts.empty()) {
      return Status::Ok();
    }

    std::vector<InlineSuppression> suppressions;
    for (size_t ls : markers.line_starts) {
      auto [b, e] = LineSpan(text, ls);
      InlineSuppression s;
      if (ParseSuppression(text.substr(b, e - b), lines.LineOf(ls), s) &&
          AcceptsSuppression(entry.relative, s)) {
        suppressions.push_back(std::move(s));
      }
    }
    // A provider-specific secret rule beats the generic ones on the same value.
    std::erase_if(matches, [&](const RawMatch& g) {
      if (g.rule->pattern.secret_check == SecretCheck::kNone) return false;
      for (const RawMatch& m : matches) {
        if (m.rule->pattern.secret_check == SecretCheck::kNone && m.secret_end > m.secret_begin &&
            m.secret_begin < g.secret_end && g.secret_begin < m.secret_end) {
          return true;
        }
      }
      return false;
    });
    std::vector<std::pair<size_t, size_t>> secrets;
    for (const RawMatch& m : matches) {
      if (m.secret_end > m.secret_begin) secrets.emplace_back(m.secret_begin, m.secret_end);
    }
    std::sort(secrets.begin(), secrets.end());
    struct Pending {
      RawMatch match;
      std::string detail;
      Severity severity;
      Confidence confidence;
      const TreeMatch* tree = nullptr;
    };
    std::vector<Pending> pending;
    pending.reserve(matches.size() + checks.size() + tree_matches.size());
    for (const RawMatch& m : matches) {
      pending.push_back({m, "", m.rule->severity, m.rule->confidence});
    }
    for (const FileCheckMatch& c : checks) {
      pending.push_back({c.match, c.detail, c.has_severity ? c.severity : c.match.rule->severity,
                         c.match.rule->confidence});
    }
    for (const TreeMatch& t : tree_matches) {
      RawMatch m;
      m.rule = t.rule;
      m.begin = m.scope_begin = m.secret_begin = m.secret_end = t.begin;
      m.scope_end = t.end;
      pending.push_back({m, t.detail, t.severity, t.confidence, &t});
    }
    for (const Pending& p : pending) {
      Finding f;
      f.rule = p.match.rule;
      f.severity = p.severity;
      f.confidence = p.confidence;
      f.path = entry.relative;
      f.line = lines.LineOf(p.match.begin);
      size_t line_begin = lines.LineStart(f.line);
      auto [lb, le] = LineSpan(text, p.match.begin);
      f.column = Utf8Column(text.substr(line_begin, p.match.begin - line_begin));
      size_t scope_last = p.match.scope_end > 0 ? p.match.scope_end - 1 : 0;
      f.end_line = std::max(f.line, lines.LineOf(std::max(scope_last, p.match.scope_begin)));
      f.snippet = MakeSnippet(text, lb, le, p.match.begin, secrets);
      f.message = f.rule->title + (p.detail.empty() ? "" : ": " + p.detail);
      if (p.tree != nullptr) {
        for (const TreeMatch::Step& s : p.tree->flow) {
          int line = lines.LineOf(s.offset);
          size_t start = lines.LineStart(line);
          f.flow.push_back({line, Utf8Column(text.substr(start, s.offset - start)), s.message});
        }
        f.fingerprint = p.tree->anchor;  // hashed below, once the order is known
      }
      int first_line =
          StatementFirstLine(text, lines, std::min(f.line, lines.LineOf(p.match.scope_begin)));
      ApplySuppressions(suppressions, first_line, f);
      out.findings.push_back(std::move(f));
    }
    std::sort(out.findings.begin(), out.findings.end(), [](const Finding& a, const Finding& b) {
      return std::tie(a.line, a.column, a.rule->id) < std::tie(b.line, b.column, b.rule->id);
    });
    // Text fingerprints: rule, path, the line's text and its occurrence index.
    // Tree findings hash their anchor (enclosing function + the construct's
    // text) instead, and keep the text one as legacy_fingerprint so baselines
    // written by the pattern rules still match.
    std::map<std::pair<std::string, std::string>, int> occurrences;
    std::map<std::pair<std::string, std::string>, int> anchors;
    for (Finding& f : out.findings) {
      std::string norm = CollapseWhitespace(f.snippet);
      int k = occurrences[{f.rule->id, norm}]++;
      std::string text_fingerprint = ComputeFingerprint(f.rule->id, f.path, norm, k);
      if (f.fingerprint.empty()) {
        f.fingerprint = std::move(text_fingerprint);
        continue;
      }
      std::string anchor = "tree\n" + f.fingerprint;
      int a = anchors[{f.rule->id, anchor}]++;
      f.fingerprint = ComputeFingerprint(f.rule->id, f.path, anchor, a);
      f.legacy_fingerprint = std::move(text_fingerprint);
    }
    for (const InlineSuppression& s : suppressions) WarnAbout(s, entry.relative, out.warnings);
    return Status::Ok();
  }

 private:
  void WarnAbout(const InlineSuppression& s, const std::string& path,
                 std::vector<ScanWarning>& warnings) const {
    bool all_selected = true;
    for (const std::string& id : s.rule_ids) {
      if (id.back() == '*') continue;  // a prefix
      const Rule* r = options_.registry ? options_.registry->Find(id) : nullptr;
      if (options_.registry && r == nullptr) {
        warnings.push_back({path, s.line, "suppression names unknown rule " + id});
        return;
      }
      if (r && std::find(selected_.begin(), selected_.end(), r->id) == selected_.end()) {
        all_selected = false;
      }
    }
    if (!s.used && all_selected) {
      std::string what = s.rule_ids.empty() ? std::string(s.nosec ? "# nosec" : "churnml:ignore")
                                            : "churnml:ignore " + Join(s.rule_ids);
      warnings.push_back({path, s.line, "suppression matches no finding (" + what + ")"});
    }
  }

  static std::string Join(const std::vector<std::string>& v) {
    std::string out;
    for (const std::string& s : v) out += (out.empty() ? "" : ",") + s;
    return out;
  }

  const AuditOptions& options_;
  const RuleMatcher& matcher_;
  std::vector<const Rule*> file_rules_;
  std::vector<std::string> selected_;
  TreeRuleSet tree_rules_;
};

}  // namespace

Result<AuditReport> RunAudit(const AuditOptions& options) {
  CHURNML_ASSIGN_OR_RETURN(WalkResult walk, WalkFiles(options.walk));
  CHURNML_ASSIGN_OR_RETURN(std::unique_ptr<RuleMatcher> matcher,
                           RuleMatcher::Compile(options.rules));
  std::vector<const Rule*> file_rules;
  std::vector<std::string> selected;
  for (const Rule* r : options.rules) {
    selected.push_back(r->id);
    if (r->file_check != FileCheck::kNone) file_rules.push_back(r);
  }
  FileScanner scanner(options, *matcher, file_rules, selected);

  std::vector<FileResult> results(walk.files.size());
  int jobs = options.jobs > 0 ? options.jobs
                              : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  jobs = static_cast<int>(
      std::min<size_t>(static_cast<size_t>(jobs), std::max<size_t>(1, walk.files.size())));
  std::atomic<size_t> next{0};
  Mutex error_mu;
  Status first_error;  // guarded by error_mu (GUARDED_BY does not apply to locals)
  auto worker = [&] {
    WorkerState state;
    auto scratch = matcher->NewScratch();
    Result<std::unique_ptr<PythonParser>> parser =
        scanner.needs_parser() ? PythonParser::Create() : std::unique_ptr<PythonParser>();
    if (!scratch.ok() || !parser.ok()) {
      MutexLock lock(&error_mu);
      if (first_error.ok()) first_error = !scratch.ok() ? scratch.status() : parser.status();
      return;
    }
    state.scratch = std::move(*scratch);
    state.parser = std::move(*parser);
    for (size_t i = next++; i < walk.files.size(); i = next++) {
      Status s = scanner.Scan(walk.files[i], state, results[i]);
      if (!s.ok()) {
        MutexLock lock(&error_mu);
        if (first_error.ok()) first_error = s.WithContext(walk.files[i].relative);
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < jobs; ++t) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
  if (!first_error.ok()) return first_error;

  AuditReport report;
  report.tool_version = options.tool_version;
  report.base = walk.base;
  report.rules = options.rules;
  report.stats = walk.stats;
  report.warnings = std::move(walk.warnings);
  for (FileResult& r : results) {
    if (r.binary) {
      ++report.stats.skipped_binary;
      continue;
    }
    if (r.unreadable) {
      ++report.stats.skipped_unreadable;
    } else {
      ++report.stats.files_scanned;
      report.stats.bytes_scanned += r.bytes;
      report.stats.lines_scanned += r.lines;
    }
    for (Finding& f : r.findings) report.findings.push_back(std::move(f));
    for (ScanWarning& w : r.warnings) report.warnings.push_back(std::move(w));
  }
  if (options.baseline != nullptr) {
    report.baseline_applied = true;
    report.baseline_unmatched = ApplyBaseline(*options.baseline, report.findings);
  }
  ComputeScore(report);
  ComputeOwasp(report);
  return report;
}

}  // namespace churnml::audit
