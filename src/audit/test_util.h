// Helpers shared by the audit tests: fixture paths, temp folders, and a scan
// with every built-in rule.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "audit/rule_registry.h"
#include "audit/scanner.h"

namespace churnml::audit::testing {

inline std::filesystem::path TestData() {
  return std::filesystem::path(CHURNML_SOURCE_DIR) / "src" / "audit" / "testdata";
}

// A fresh, empty folder under CHURNML_TEST_TMPDIR (or /tmp), removed on
// destruction.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    const char* env = std::getenv("CHURNML_TEST_TMPDIR");
    std::filesystem::path root = env ? env : std::filesystem::temp_directory_path();
    path_ = root / ("audit-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

  // Writes `text` to `relative` (creating folders) and returns the full path.
  std::filesystem::path Write(const std::string& relative, const std::string& text) const {
    std::filesystem::path p = path_ / relative;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    std::filesystem::permissions(p, std::filesystem::perms(0644));
    return p;
  }

 private:
  std::filesystem::path path_;
};

inline const RuleRegistry& BuiltinRegistry() {
  static const RuleRegistry* registry = [] {
    auto* r = new RuleRegistry();
    Status s = RegisterBuiltinRules(*r);
    if (!s.ok()) std::abort();
    return r;
  }();
  return *registry;
}

// Scans `root` with every built-in rule (paths relative to `root`).
inline Result<AuditReport> ScanAll(const std::filesystem::path& root,
                                   const AdvisoryDatabase* advisories = nullptr,
                                   const Baseline* baseline = nullptr, int jobs = 2) {
  AuditOptions options;
  options.walk.roots = {root};
  options.walk.base = root;
  const RuleRegistry& registry = BuiltinRegistry();
  for (const Rule& r : registry.rules()) options.rules.push_back(&r);
  options.registry = &registry;
  options.advisories = advisories;
  options.baseline = baseline;
  options.jobs = jobs;
  options.tool_version = "0.0.0-test";
  return RunAudit(options);
}

}  // namespace churnml::audit::testing
