#include "audit/file_checks.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>

#include "audit/advisories.h"
#include "common/strings.h"

namespace churnml::audit {
namespace {

struct Line {
  size_t begin;
  size_t end;
  std::string_view text;
};

std::vector<Line> Lines(std::string_view text) {
  std::vector<Line> lines;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string_view::npos ? text.size() : nl;
    size_t e = end;
    if (e > pos && text[e - 1] == '\r') --e;
    lines.push_back({pos, e, text.substr(pos, e - pos)});
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return lines;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// The instruction keyword of a Dockerfile line ("FROM", "USER"...), upper-cased.
std::string Instruction(std::string_view line) {
  std::string_view t = Trim(line);
  size_t sp = t.find_first_of(" \t");
  return Upper(t.substr(0, sp));
}

std::string_view Argument(std::string_view line) {
  std::string_view t = Trim(line);
  size_t sp = t.find_first_of(" \t");
  return sp == std::string_view::npos ? std::string_view() : Trim(t.substr(sp));
}

FileCheckMatch At(const Rule& rule, const Line& line) {
  FileCheckMatch m;
  m.match.rule = &rule;
  size_t first = line.text.find_first_not_of(" \t");
  m.match.begin = line.begin + (first == std::string_view::npos ? 0 : first);
  m.match.scope_begin = line.begin;
  m.match.scope_end = line.end;
  m.match.secret_begin = m.match.secret_end = m.match.begin;
  return m;
}

void CheckDockerfile(const Rule& rule, const FileContext& f, std::vector<FileCheckMatch>& out) {
  std::vector<Line> lines = Lines(f.text);
  const Line* last_from = nullptr;
  const Line* last_user = nullptr;
  bool healthcheck = false;
  std::vector<std::string> stages;
  for (const Line& l : lines) {
    std::string ins = Instruction(l.text);
    if (ins == "FROM") {
      last_from = &l;
      last_user = nullptr;  // USER does not carry across stages
      std::string_view arg = Argument(l.text);
      std::vector<std::string_view> words;
      for (std::string_view w : Split(arg, ' ')) {
        if (!Trim(w).empty()) words.push_back(Trim(w));
      }
      size_t i = 0;
      while (i < words.size() && words[i].substr(0, 2) == "--") ++i;
      std::string image = i < words.size() ? std::string(words[i]) : "";
      if (i + 2 < words.size() && Upper(words[i + 1]) == "AS") {
        stages.emplace_back(words[i + 2]);
      }
      if (rule.file_check == FileCheck::kDockerfileLatestTag && !image.empty()) {
        bool is_stage = std::find(stages.begin(), stages.end(), image) != stages.end() &&
                        !(i + 2 < words.size() && stages.back() == image);
        std::string_view name = image;
        size_t slash = name.rfind('/');
        std::string_view last = slash == std::string_view::npos ? name : name.substr(slash + 1);
        bool has_digest = image.find('@') != std::string::npos;
        bool has_tag = last.find(':') != std::string_view::npos;
        bool latest = has_tag && last.substr(last.find(':') + 1) == "latest";
        bool variable = image.find('$') != std::string::npos;
        if (image != "scratch" && !is_stage && !variable && !has_digest && (!has_tag || latest)) {
          out.push_back(At(rule, l));
        }
      }
    } else if (ins == "USER") {
      last_user = &l;
    } else if (ins == "HEALTHCHECK") {
      healthcheck = Upper(Argument(l.text)) != "NONE";
    }
  }
  if (last_from == nullptr) return;
  if (rule.file_check == FileCheck::kDockerfileRunsAsRoot) {
    if (last_user == nullptr) {
      out.push_back(At(rule, *last_from));
    } else {
      std::string_view user = Argument(last_user->text);
      user = user.substr(0, user.find(':'));
      if (user == "root" || user == "0") out.push_back(At(rule, *last_user));
    }
  } else if (rule.file_check == FileCheck::kDockerfileNoHealthcheck && !healthcheck) {
    out.push_back(At(rule, *last_from));
  }
}

// Kubernetes checks work per YAML document ("---" separated) that declares
// containers: a document without "limits:" or "runAsNonRoot: true" fires at
// its first "containers:" line.
void CheckKubernetes(const Rule& rule, const FileContext& f, std::vector<FileCheckMatch>& out) {
  std::vector<Line> lines = Lines(f.text);
  size_t i = 0;
  while (i < lines.size()) {
    const Line* containers = nullptr;
    bool is_workload = false;
    bool has_limits = false;
    bool non_root = false;
    for (; i < lines.size(); ++i) {
      std::string_view t = Trim(lines[i].text);
      if (t.substr(0, 3) == "---") {
        ++i;
        break;
      }
      if (t.substr(0, 5) == "kind:") is_workload = true;
      if ((t == "containers:" || t == "- containers:") && containers == nullptr) {
        containers = &lines[i];
      }
      if (t.substr(0, 7) == "limits:") has_limits = true;
      if (t.substr(0, 13) == "runAsNonRoot:" && Trim(t.substr(13)).substr(0, 4) == "true") {
        non_root = true;
      }
    }
    if (!is_workload || containers == nullptr) continue;
    if (rule.file_check == FileCheck::kKubernetesMissingLimits && !has_limits) {
      out.push_back(At(rule, *containers));
    }
    if (rule.file_check == FileCheck::kKubernetesNoNonRoot && !non_root) {
      out.push_back(At(rule, *containers));
    }
  }
}

void CheckRequirementPins(const Rule& rule, const FileContext& f,
                          std::vector<FileCheckMatch>& out) {
  for (const Line& l : Lines(f.text)) {
    std::string_view t = Trim(l.text.substr(0, l.text.find('#')));
    if (t.empty() || t[0] == '-' || t.find("://") != std::string_view::npos) continue;
    if (t.find("==") != std::string_view::npos || t.find(" @ ") != std::string_view::npos) {
      continue;
    }
    FileCheckMatch m = At(rule, l);
    m.detail = std::string(t);
    out.push_back(m);
  }
}

// Offset of a PEM private-key header at the start of a line ("-----BEGIN [TYPE ]PRIVATE KEY-----"),
// or npos.
size_t PrivateKeyHeader(const FileContext& f) {
  const std::string_view kBegin = "-----BEGIN ";
  const std::string_view kEnd = "PRIVATE KEY-----";
  for (size_t at = f.text.find(kBegin); at != std::string_view::npos;
       at = f.text.find(kBegin, at + 1)) {
    if (at > 0 && f.text[at - 1] != '\n') continue;  // key files start lines with it
    size_t i = at + kBegin.size();
    while (i < f.text.size() &&
           (std::isupper(static_cast<unsigned char>(f.text[i])) || f.text[i] == ' ')) {
      if (f.text.substr(i, kEnd.size()) == kEnd) return at;
      ++i;
    }
    if (f.text.substr(i, kEnd.size()) == kEnd) return at;
  }
  return std::string_view::npos;
}

}  // namespace

void RunFileCheck(const Rule& rule, const FileContext& f, std::vector<FileCheckMatch>& out) {
  if ((rule.languages & LanguageBit(f.language)) == 0) return;
  switch (rule.file_check) {
    case FileCheck::kNone:
      return;
    case FileCheck::kDockerfileRunsAsRoot:
    case FileCheck::kDockerfileNoHealthcheck:
    case FileCheck::kDockerfileLatestTag:
      CheckDockerfile(rule, f, out);
      return;
    case FileCheck::kKubernetesMissingLimits:
    case FileCheck::kKubernetesNoNonRoot:
      CheckKubernetes(rule, f, out);
      return;
    case FileCheck::kWorldWritableFile:
      if ((f.mode & S_IWOTH) != 0) out.push_back(At(rule, Lines(f.text).front()));
      return;
    case FileCheck::kReadablePrivateKey:
      if ((f.mode & (S_IRGRP | S_IROTH)) != 0) {
        size_t at = PrivateKeyHeader(f);
        if (at == std::string_view::npos) return;
        for (const Line& l : Lines(f.text)) {
          if (at >= l.begin && at <= l.end) {
            out.push_back(At(rule, l));
            break;
          }
        }
      }
      return;
    case FileCheck::kUnpinnedRequirement:
      CheckRequirementPins(rule, f, out);
      return;
    case FileCheck::kVulnerableDependency:
      if (f.advisories != nullptr) CheckDependencies(rule, f, *f.advisories, out);
      return;
  }
}

}  // namespace churnml::audit
