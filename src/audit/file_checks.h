// Whole-file rules: Dockerfile structure, Kubernetes pod specs, file modes,
// and dependency pins (see advisories.h). Each appends findings as byte
// offsets, like the pattern rules.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "audit/language.h"
#include "audit/rule.h"
#include "audit/rule_matcher.h"

namespace churnml::audit {

class AdvisoryDatabase;

struct FileContext {
  std::string_view text;
  std::string_view relative_path;
  uint32_t mode = 0;  // st_mode
  Language language = Language::kOther;
  const AdvisoryDatabase* advisories = nullptr;  // may be null
};

// A file-check hit: where, and an optional detail appended to the message
// (e.g. the advisory id) with an optional severity that replaces the rule's.
struct FileCheckMatch {
  RawMatch match;
  std::string detail;
  bool has_severity = false;
  Severity severity = Severity::kMedium;
};

// Runs `rule.file_check` on the file. Rules without a file check, or whose
// languages exclude the file, add nothing.
void RunFileCheck(const Rule& rule, const FileContext& file, std::vector<FileCheckMatch>& out);

}  // namespace churnml::audit
