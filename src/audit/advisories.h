// Offline dependency auditing: advisories in OSV JSON
// (https://ossf.github.io/osv-schema/) loaded from --advisories, matched
// against exact pins in requirements*.txt (PyPI), package-lock.json (npm) and
// CMake FetchContent_Declare (GIT_REPOSITORY + GIT_TAG, matched against an
// advisory's GIT range repo and its "versions" list).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/file_checks.h"
#include "common/status.h"

namespace churnml::audit {

// Compares dotted versions component by component ("1.10" > "1.9"); a
// leading 'v' is ignored; a pre-release suffix sorts before the release
// ("1.0rc1" < "1.0", "1.0.0-beta" < "1.0.0"). Returns <0, 0 or >0.
int CompareVersions(std::string_view a, std::string_view b);

// One pinned dependency found in a manifest.
struct Dependency {
  std::string ecosystem;  // "PyPI", "npm" or "GIT"
  std::string name;       // normalised (PyPI: lower-case, '-' separators; GIT: repo URL)
  std::string version;
  size_t offset = 0;  // byte offset of the pin in the manifest
};

// Extracts exact pins from a manifest chosen by its file name; other files
// yield nothing. InvalidArgument for a package-lock.json that is not JSON.
Result<std::vector<Dependency>> ExtractDependencies(std::string_view relative_path,
                                                    std::string_view text);

struct Advisory {
  std::string id;
  std::vector<std::string> aliases;
  std::string summary;
  std::optional<Severity> severity;  // from database_specific.severity
  struct Event {
    enum class Kind { kIntroduced, kFixed, kLastAffected } kind;
    std::string version;
  };
  struct Range {
    std::string type;  // ECOSYSTEM, SEMVER or GIT
    std::string repo;  // GIT only
    std::vector<Event> events;
  };
  struct Affected {
    std::string ecosystem;
    std::string name;  // normalised like Dependency::name
    std::vector<Range> ranges;
    std::vector<std::string> versions;
  };
  std::vector<Affected> affected;
};

class AdvisoryDatabase {
 public:
  // Reads one OSV file (an object, an array of objects, or {"vulns": [...]})
  // or every *.json file of a folder. InvalidArgument names the file and the
  // field that is wrong.
  static Result<AdvisoryDatabase> Load(const std::filesystem::path& path);
  // Parses OSV JSON text; `source` names it in errors.
  Status AddJson(std::string_view text, std::string_view source);

  // Advisories affecting the dependency, with the first fixed version when
  // one is known (empty otherwise).
  struct Hit {
    const Advisory* advisory;
    std::string fixed;
  };
  std::vector<Hit> Find(const Dependency& dep) const;

  size_t size() const { return advisories_.size(); }

 private:
  std::vector<Advisory> advisories_;
};

// Normalises a package name for matching within an ecosystem.
std::string NormalizePackageName(std::string_view ecosystem, std::string_view name);

// The file check behind CML-V001.
void CheckDependencies(const Rule& rule, const FileContext& file, const AdvisoryDatabase& db,
                       std::vector<FileCheckMatch>& out);

}  // namespace churnml::audit
