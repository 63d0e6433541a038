#include "audit/baseline.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/fingerprint.h"
#include "common/strings.h"

namespace churnml::audit {
using nlohmann::json;

std::string ComputeFingerprint(std::string_view rule_id, std::string_view path,
                               std::string_view snippet, int occurrence) {
  Fingerprinter fp;
  fp.Update(rule_id);
  fp.Update(std::string_view("\0", 1));
  fp.Update(path);
  fp.Update(std::string_view("\0", 1));
  fp.Update(CollapseWhitespace(snippet));
  fp.Update(std::string_view("\0", 1));
  fp.Update(std::to_string(occurrence));
  return fp.HexDigest();
}

Result<Baseline> LoadBaseline(const std::filesystem::path& path) {
  CHURNML_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return InvalidArgumentError("--baseline " + path.string() + ": not a JSON object");
  }
  auto version = doc.find("version");
  if (version == doc.end() || !version->is_number_integer() || version->get<int>() != 1) {
    return InvalidArgumentError("--baseline " + path.string() +
                                ": \"version\" must be 1 (written by --write-baseline)");
  }
  auto findings = doc.find("findings");
  if (findings == doc.end() || !findings->is_array()) {
    return InvalidArgumentError("--baseline " + path.string() + ": \"findings\" must be an array");
  }
  Baseline b;
  size_t i = 0;
  for (const json& f : *findings) {
    auto fp = f.is_object() ? f.find("fingerprint") : f.end();
    if (!f.is_object() || fp == f.end() || !fp->is_string()) {
      return InvalidArgumentError("--baseline " + path.string() + ": findings[" +
                                  std::to_string(i) + "] has no \"fingerprint\" string");
    }
    b.fingerprints.insert(fp->get<std::string>());
    ++i;
  }
  return b;
}

Status WriteBaseline(const std::filesystem::path& path, const std::vector<Finding>& findings) {
  std::vector<const Finding*> kept;
  for (const Finding& f : findings) {
    if (f.suppression != SuppressionKind::kInline) kept.push_back(&f);
  }
  std::sort(kept.begin(), kept.end(), [](const Finding* a, const Finding* b) {
    return std::tie(a->path, a->rule->id, a->fingerprint) <
           std::tie(b->path, b->rule->id, b->fingerprint);
  });
  json arr = json::array();
  for (const Finding* f : kept) {
    arr.push_back({{"fingerprint", f->fingerprint}, {"rule", f->rule->id}, {"path", f->path}});
  }
  json doc = {{"version", 1}, {"tool", "churnml audit"}, {"findings", arr}};
  std::string text = doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  return WriteFileAtomically(path, text).WithContext("--write-baseline " + path.string());
}

int ApplyBaseline(const Baseline& baseline, std::vector<Finding>& findings) {
  std::set<std::string> matched;
  for (Finding& f : findings) {
    std::string_view key = f.fingerprint;
    if (baseline.fingerprints.count(f.fingerprint) == 0) {
      // A baseline written before the tree rules holds the text fingerprint.
      if (f.legacy_fingerprint.empty() || baseline.fingerprints.count(f.legacy_fingerprint) == 0) {
        continue;
      }
      key = f.legacy_fingerprint;
    }
    matched.insert(std::string(key));
    if (f.suppression == SuppressionKind::kNone) f.suppression = SuppressionKind::kBaseline;
  }
  return static_cast<int>(baseline.fingerprints.size() - matched.size());
}

}  // namespace churnml::audit
