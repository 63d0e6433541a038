// The only audit file that includes yaml-cpp; its exceptions stop here.
#include "audit/audit_config.h"

#include <yaml-cpp/yaml.h>

#include "common/atomic_file.h"

namespace churnml::audit {
namespace fs = std::filesystem;

namespace {

std::vector<std::string> StringList(const YAML::Node& node, const std::string& key) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    out.push_back(node.as<std::string>());
  } else if (node.IsSequence()) {
    for (const YAML::Node& n : node) out.push_back(n.as<std::string>());
  } else {
    throw std::runtime_error("\"" + key + "\" must be a string or a list of strings");
  }
  return out;
}

std::string Resolve(const fs::path& config, const std::string& value) {
  if (value.empty() || fs::path(value).is_absolute()) return value;
  return (config.parent_path() / value).lexically_normal().string();
}

}  // namespace

Result<AuditConfig> LoadAuditConfig(const fs::path& path) {
  CHURNML_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  AuditConfig cfg;
  try {
    YAML::Node root = YAML::Load(text);
    if (root.IsNull()) return cfg;
    if (!root.IsMap()) throw std::runtime_error("the file must be a mapping of settings");
    for (const auto& kv : root) {
      std::string key = kv.first.as<std::string>();
      const YAML::Node& v = kv.second;
      if (key == "exclude") {
        cfg.exclude = StringList(v, key);
      } else if (key == "rules") {
        std::vector<std::string> list = StringList(v, key);
        for (const std::string& r : list) cfg.rules += (cfg.rules.empty() ? "" : ",") + r;
      } else if (key == "disable") {
        cfg.disable = StringList(v, key);
      } else if (key == "fail_on") {
        std::string s = v.as<std::string>();
        cfg.fail_on = ParseSeverity(s);
        if (!cfg.fail_on) {
          throw std::runtime_error("\"fail_on\": \"" + s +
                                   "\" is not one of low, medium, high, critical");
        }
      } else if (key == "max_file_size") {
        cfg.max_file_size = v.as<int64_t>();
        if (*cfg.max_file_size <= 0) throw std::runtime_error("\"max_file_size\" must be > 0");
      } else if (key == "advisories") {
        cfg.advisories = Resolve(path, v.as<std::string>());
      } else if (key == "baseline") {
        cfg.baseline = Resolve(path, v.as<std::string>());
      } else {
        throw std::runtime_error("unknown key \"" + key +
                                 "\" (valid: exclude, rules, disable, fail_on, max_file_size, "
                                 "advisories, baseline)");
      }
    }
  } catch (const std::exception& e) {
    return InvalidArgumentError("audit config " + path.string() + ": " + e.what());
  }
  return cfg;
}

}  // namespace churnml::audit
