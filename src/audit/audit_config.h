// The audit's own configuration file (--config FILE, YAML), for settings a
// team keeps in the repository. Flags given on the command line win.
//
//   exclude: ["src/audit/testdata/", "third_party/**"]  # gitignore syntax
//   rules: "CML-S*,CML-I*"       # same syntax as --rules; default all
//   disable: [CML-K002]          # rule IDs or names to drop
//   fail_on: high                # low | medium | high | critical
//   max_file_size: 4194304       # bytes; larger files are skipped
//   advisories: deploy/audit/advisories.json
//   baseline: .churnml-audit-baseline.json
//
// Unknown keys are an error.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "audit/rule.h"
#include "common/status.h"

namespace churnml::audit {

struct AuditConfig {
  std::vector<std::string> exclude;
  std::string rules;                 // empty: all
  std::vector<std::string> disable;  // rule IDs or names
  std::optional<Severity> fail_on;
  std::optional<int64_t> max_file_size;  // bytes
  std::string advisories;                // relative paths are relative to the config file
  std::string baseline;
};

// NotFound/IOError when unreadable; InvalidArgument names the key and file.
Result<AuditConfig> LoadAuditConfig(const std::filesystem::path& path);

}  // namespace churnml::audit
