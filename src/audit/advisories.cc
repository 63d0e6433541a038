// OSV parsing uses nlohmann::json, whose accessors throw on type mismatches:
// every throw is caught in AddJson / ExtractDependencies and becomes a Status.
#include "audit/advisories.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/strings.h"

namespace churnml::audit {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Version tokens: runs of digits (numeric) and runs of letters.
struct Token {
  bool numeric;
  unsigned long long number;
  std::string text;
};

std::vector<Token> Tokenize(std::string_view v) {
  if (!v.empty() && (v[0] == 'v' || v[0] == 'V')) v.remove_prefix(1);
  std::vector<Token> out;
  size_t i = 0;
  while (i < v.size()) {
    unsigned char c = static_cast<unsigned char>(v[i]);
    if (std::isdigit(c)) {
      unsigned long long n = 0;
      while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) {
        n = n * 10 + static_cast<unsigned>(v[i] - '0');
        ++i;
      }
      out.push_back({true, n, ""});
    } else if (std::isalpha(c)) {
      std::string t;
      while (i < v.size() && std::isalpha(static_cast<unsigned char>(v[i]))) {
        t += static_cast<char>(std::tolower(static_cast<unsigned char>(v[i])));
        ++i;
      }
      out.push_back({false, 0, t});
    } else {
      ++i;  // separators
    }
  }
  return out;
}

std::string NormalizeRepo(std::string_view url) {
  std::string u = Lower(Trim(url));
  if (u.substr(0, 7) == "http://") u = "https://" + u.substr(7);
  while (!u.empty() && u.back() == '/') u.pop_back();
  if (u.size() > 4 && u.compare(u.size() - 4, 4, ".git") == 0) u.resize(u.size() - 4);
  return u;
}

std::optional<Severity> SeverityFromDatabase(const json& vuln) {
  auto ds = vuln.find("database_specific");
  if (ds == vuln.end() || !ds->is_object()) return std::nullopt;
  auto sev = ds->find("severity");
  if (sev == ds->end() || !sev->is_string()) return std::nullopt;
  std::string s = Lower(sev->get<std::string>());
  if (s == "moderate") s = "medium";
  return ParseSeverity(s);
}

std::string String(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Advisory ParseAdvisory(const json& v) {
  Advisory a;
  a.id = String(v, "id");
  if (a.id.empty()) throw std::runtime_error("advisory without an \"id\"");
  a.summary = String(v, "summary");
  if (a.summary.empty()) a.summary = String(v, "details").substr(0, 120);
  if (auto al = v.find("aliases"); al != v.end() && al->is_array()) {
    for (const json& x : *al) {
      if (x.is_string()) a.aliases.push_back(x.get<std::string>());
    }
  }
  a.severity = SeverityFromDatabase(v);
  auto aff = v.find("affected");
  if (aff == v.end()) return a;
  if (!aff->is_array()) throw std::runtime_error(a.id + ": \"affected\" is not an array");
  for (const json& entry : *aff) {
    Advisory::Affected af;
    if (auto pkg = entry.find("package"); pkg != entry.end() && pkg->is_object()) {
      af.ecosystem = String(*pkg, "ecosystem");
      af.name = NormalizePackageName(af.ecosystem, String(*pkg, "name"));
    }
    if (auto ranges = entry.find("ranges"); ranges != entry.end() && ranges->is_array()) {
      for (const json& r : *ranges) {
        Advisory::Range range;
        range.type = String(r, "type");
        range.repo = NormalizeRepo(String(r, "repo"));
        if (auto evs = r.find("events"); evs != r.end() && evs->is_array()) {
          for (const json& e : *evs) {
            if (e.contains("introduced")) {
              range.events.push_back({Advisory::Event::Kind::kIntroduced, String(e, "introduced")});
            } else if (e.contains("fixed")) {
              range.events.push_back({Advisory::Event::Kind::kFixed, String(e, "fixed")});
            } else if (e.contains("last_affected")) {
              range.events.push_back(
                  {Advisory::Event::Kind::kLastAffected, String(e, "last_affected")});
            }
          }
        }
        af.ranges.push_back(std::move(range));
      }
    }
    if (auto vs = entry.find("versions"); vs != entry.end() && vs->is_array()) {
      for (const json& x : *vs) {
        if (x.is_string()) af.versions.push_back(x.get<std::string>());
      }
    }
    a.affected.push_back(std::move(af));
  }
  return a;
}

// OSV's range evaluation for ECOSYSTEM and SEMVER ranges.
bool InRange(const Advisory::Range& range, std::string_view version, std::string& fixed) {
  std::vector<Advisory::Event> events = range.events;
  std::stable_sort(events.begin(), events.end(), [](const auto& a, const auto& b) {
    return CompareVersions(a.version, b.version) < 0;
  });
  bool affected = false;
  for (const auto& e : events) {
    int c = CompareVersions(version, e.version);
    switch (e.kind) {
      case Advisory::Event::Kind::kIntroduced:
        if (e.version == "0" || c >= 0) affected = true;
        break;
      case Advisory::Event::Kind::kFixed:
        if (c >= 0) {
          affected = false;
        } else if (affected && fixed.empty()) {
          fixed = e.version;
        }
        break;
      case Advisory::Event::Kind::kLastAffected:
        if (c > 0) affected = false;
        break;
    }
  }
  if (!affected) fixed.clear();
  return affected;
}

size_t LineStartOf(std::string_view text, size_t offset) {
  while (offset > 0 && text[offset - 1] != '\n') --offset;
  return offset;
}

std::string Basename(std::string_view path) {
  size_t slash = path.rfind('/');
  return Lower(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

void ExtractRequirements(std::string_view text, std::vector<Dependency>& out) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    std::string_view code = Trim(line.substr(0, line.find('#')));
    size_t eq = code.find("==");
    if (eq != std::string_view::npos && !code.empty() && code[0] != '-') {
      std::string_view name = Trim(code.substr(0, eq));
      name = name.substr(0, name.find('['));  // extras
      std::string_view version = Trim(code.substr(eq + 2));
      version = version.substr(0, version.find_first_of(" ;,\\"));
      if (!version.empty() && version[0] == '=') version.remove_prefix(1);  // ===
      if (!name.empty() && !version.empty()) {
        out.push_back({"PyPI", NormalizePackageName("PyPI", name), std::string(version),
                       pos + static_cast<size_t>(line.find_first_not_of(" \t"))});
      }
    }
    pos = nl + 1;
  }
}

void ExtractPackageLock(std::string_view text, std::vector<Dependency>& out) {
  json doc = json::parse(text);
  auto add = [&](const std::string& name, const json& entry) {
    std::string version = String(entry, "version");
    if (name.empty() || version.empty()) return;
    size_t at = text.find("\"node_modules/" + name + "\"");
    if (at == std::string_view::npos) at = text.find("\"" + name + "\"");
    out.push_back(
        {"npm", NormalizePackageName("npm", name), version, at == std::string_view::npos ? 0 : at});
  };
  if (auto pkgs = doc.find("packages"); pkgs != doc.end() && pkgs->is_object()) {
    for (auto it = pkgs->begin(); it != pkgs->end(); ++it) {
      const std::string& key = it.key();
      size_t nm = key.rfind("node_modules/");
      if (nm == std::string::npos || !it->is_object()) continue;
      add(key.substr(nm + 13), *it);
    }
  } else if (auto deps = doc.find("dependencies"); deps != doc.end() && deps->is_object()) {
    for (auto it = deps->begin(); it != deps->end(); ++it) {
      if (it->is_object()) add(it.key(), *it);
    }
  }
}

// FetchContent_Declare(name GIT_REPOSITORY url GIT_TAG tag ...).
void ExtractFetchContent(std::string_view text, std::vector<Dependency>& out) {
  size_t pos = 0;
  const std::string_view kCall = "FetchContent_Declare";
  while ((pos = text.find(kCall, pos)) != std::string_view::npos) {
    size_t close = text.find(')', pos);
    if (close == std::string_view::npos) break;
    std::string_view body = text.substr(pos, close - pos);
    std::vector<std::string_view> words;
    size_t i = 0;
    while (i < body.size()) {
      while (i < body.size() && (std::isspace(static_cast<unsigned char>(body[i])) ||
                                 body[i] == '(' || body[i] == '"')) {
        ++i;
      }
      size_t start = i;
      while (i < body.size() && !std::isspace(static_cast<unsigned char>(body[i])) &&
             body[i] != '(' && body[i] != '"') {
        ++i;
      }
      if (i > start) words.push_back(body.substr(start, i - start));
    }
    std::string repo, tag;
    size_t tag_offset = pos;
    for (size_t w = 0; w + 1 < words.size(); ++w) {
      if (words[w] == "GIT_REPOSITORY") repo = std::string(words[w + 1]);
      if (words[w] == "GIT_TAG") {
        tag = std::string(words[w + 1]);
        tag_offset = static_cast<size_t>(words[w + 1].data() - text.data());
      }
    }
    if (!repo.empty() && !tag.empty()) {
      out.push_back({"GIT", NormalizeRepo(repo), tag, tag_offset});
    }
    pos = close;
  }
}

}  // namespace

int CompareVersions(std::string_view a, std::string_view b) {
  std::vector<Token> ta = Tokenize(a), tb = Tokenize(b);
  size_t n = std::max(ta.size(), tb.size());
  for (size_t i = 0; i < n; ++i) {
    if (i >= ta.size()) return tb[i].numeric ? -1 : 1;  // 1.0 < 1.0.1; 1.0 > 1.0rc1
    if (i >= tb.size()) return ta[i].numeric ? 1 : -1;
    const Token& x = ta[i];
    const Token& y = tb[i];
    if (x.numeric && y.numeric) {
      if (x.number != y.number) return x.number < y.number ? -1 : 1;
    } else if (x.numeric != y.numeric) {
      return x.numeric ? 1 : -1;  // 1.0.1 > 1.0rc
    } else if (x.text != y.text) {
      return x.text < y.text ? -1 : 1;
    }
  }
  return 0;
}

std::string NormalizePackageName(std::string_view ecosystem, std::string_view name) {
  if (ecosystem == "PyPI") {
    std::string out = Lower(Trim(name));
    for (char& c : out) {
      if (c == '_' || c == '.') c = '-';
    }
    return out;
  }
  if (ecosystem == "GIT") return NormalizeRepo(name);
  return std::string(Trim(name));
}

Result<std::vector<Dependency>> ExtractDependencies(std::string_view relative_path,
                                                    std::string_view text) {
  std::vector<Dependency> out;
  std::string base = Basename(relative_path);
  try {
    if (base.rfind("requirements", 0) == 0 && base.size() > 4 &&
        base.compare(base.size() - 4, 4, ".txt") == 0) {
      ExtractRequirements(text, out);
    } else if (base == "package-lock.json") {
      ExtractPackageLock(text, out);
    } else if (base == "cmakelists.txt" ||
               (base.size() > 6 && base.compare(base.size() - 6, 6, ".cmake") == 0)) {
      ExtractFetchContent(text, out);
    }
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string(relative_path) + ": " + e.what());
  }
  return out;
}

Status AdvisoryDatabase::AddJson(std::string_view text, std::string_view source) {
  try {
    json doc = json::parse(text);
    std::vector<const json*> vulns;
    if (doc.is_array()) {
      for (const json& v : doc) vulns.push_back(&v);
    } else if (doc.is_object() && doc.contains("vulns")) {
      for (const json& v : doc.at("vulns")) vulns.push_back(&v);
    } else if (doc.is_object()) {
      vulns.push_back(&doc);
    }
    for (const json* v : vulns) {
      if (!v->is_object()) throw std::runtime_error("advisory entry is not an object");
      advisories_.push_back(ParseAdvisory(*v));
    }
  } catch (const std::exception& e) {
    return InvalidArgumentError("--advisories " + std::string(source) + ": " + e.what());
  }
  return Status::Ok();
}

Result<AdvisoryDatabase> AdvisoryDatabase::Load(const fs::path& path) {
  AdvisoryDatabase db;
  std::error_code ec;
  std::vector<fs::path> files;
  if (fs::is_directory(path, ec)) {
    for (const auto& e : fs::directory_iterator(path, ec)) {
      if (e.path().extension() == ".json") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
  } else {
    files.push_back(path);
  }
  for (const fs::path& f : files) {
    CHURNML_ASSIGN_OR_RETURN(std::string text, ReadFile(f));
    CHURNML_RETURN_IF_ERROR(db.AddJson(text, f.string()));
  }
  return db;
}

std::vector<AdvisoryDatabase::Hit> AdvisoryDatabase::Find(const Dependency& dep) const {
  std::vector<Hit> hits;
  for (const Advisory& a : advisories_) {
    for (const Advisory::Affected& af : a.affected) {
      std::string fixed;
      bool hit = false;
      if (dep.ecosystem == "GIT") {
        bool repo_match = af.ecosystem == "GIT" && af.name == dep.name;
        for (const auto& r : af.ranges) repo_match |= r.type == "GIT" && r.repo == dep.name;
        if (!repo_match) continue;
        for (const std::string& v : af.versions) {
          if (v == dep.version || CompareVersions(v, dep.version) == 0) hit = true;
        }
      } else {
        if (af.ecosystem != dep.ecosystem || af.name != dep.name) continue;
        hit = std::find(af.versions.begin(), af.versions.end(), dep.version) != af.versions.end();
        for (const auto& r : af.ranges) {
          if (r.type == "GIT") continue;
          std::string f;
          if (InRange(r, dep.version, f)) {
            hit = true;
            if (fixed.empty()) fixed = f;
          }
        }
      }
      if (hit) {
        hits.push_back({&a, fixed});
        break;
      }
    }
  }
  return hits;
}

void CheckDependencies(const Rule& rule, const FileContext& file, const AdvisoryDatabase& db,
                       std::vector<FileCheckMatch>& out) {
  Result<std::vector<Dependency>> deps = ExtractDependencies(file.relative_path, file.text);
  if (!deps.ok()) return;  // a malformed lock file is not a security finding
  for (const Dependency& dep : *deps) {
    for (const AdvisoryDatabase::Hit& hit : db.Find(dep)) {
      FileCheckMatch m;
      m.match.rule = &rule;
      m.match.begin = dep.offset;
      m.match.scope_begin = LineStartOf(file.text, dep.offset);
      size_t nl = file.text.find('\n', dep.offset);
      m.match.scope_end = nl == std::string_view::npos ? file.text.size() : nl;
      m.match.secret_begin = m.match.secret_end = m.match.begin;
      std::string name = dep.name;
      m.detail = hit.advisory->id;
      if (!hit.advisory->aliases.empty())
        m.detail += " (" + Join(hit.advisory->aliases, ", ") + ")";
      m.detail += ": " + name + " " + dep.version;
      if (!hit.advisory->summary.empty()) m.detail += ": " + hit.advisory->summary;
      if (!hit.fixed.empty()) m.detail += "; fixed in " + hit.fixed;
      if (hit.advisory->severity) {
        m.has_severity = true;
        m.severity = *hit.advisory->severity;
      }
      out.push_back(std::move(m));
    }
  }
}

}  // namespace churnml::audit
