#include "cli/yaml_config.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <fstream>
#include <sstream>

#include "common/strings.h"
#include "common/suggest.h"

namespace churnml::cli {
namespace {

// One flattened key with the 1-based line it starts on.
struct LocatedItem {
  CLI::ConfigItem item;
  int line = 0;
};

void Flatten(const YAML::Node& node, std::vector<std::string>& parents,
             std::vector<LocatedItem>& out) {
  for (const auto& entry : node) {
    std::string key = entry.first.as<std::string>();
    const YAML::Node& value = entry.second;
    if (value.IsMap()) {
      parents.push_back(key);
      Flatten(value, parents, out);
      parents.pop_back();
      continue;
    }
    LocatedItem located;
    located.line = entry.first.Mark().line + 1;
    CLI::ConfigItem& item = located.item;
    item.parents = parents;
    item.name = key;
    if (value.IsSequence()) {
      for (const auto& element : value) item.inputs.push_back(element.as<std::string>());
    } else if (!value.IsNull()) {
      item.inputs.push_back(value.as<std::string>());
    }
    out.push_back(std::move(located));
  }
}

bool IsConfigurable(const CLI::Option* opt) {
  if (opt->get_lnames().empty()) return false;
  const std::string& name = opt->get_lnames().front();
  return name != "help" && name != "help-all" && name != "config" && name != "version";
}

// Every key the file may hold, dotted ("train.model", "store").
void KnownKeys(const CLI::App* app, const std::string& prefix, std::vector<std::string>& out) {
  for (const CLI::Option* opt : app->get_options()) {
    if (!IsConfigurable(opt)) continue;
    for (const std::string& name : opt->get_lnames()) out.push_back(prefix + name);
  }
  for (const CLI::App* sub : app->get_subcommands([](const CLI::App*) { return true; })) {
    KnownKeys(sub, prefix + sub->get_name() + ".", out);
  }
}

const CLI::App* FindSubcommand(const CLI::App* app, const std::string& name) {
  for (const CLI::App* sub : app->get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->get_name() == name) return sub;
  }
  return nullptr;
}

// Whether `item` names a flag of a command, the way CLI11 looks it up.
bool IsKnownKey(const CLI::App* root, const CLI::ConfigItem& item) {
  const CLI::App* app = root;
  for (const std::string& parent : item.parents) {
    app = FindSubcommand(app, parent);
    if (app == nullptr) return false;
  }
  const CLI::Option* opt = app->get_option_no_throw("--" + item.name);
  return opt != nullptr && IsConfigurable(opt);
}

std::string EnvPart(const std::string& name) {
  std::string out;
  for (char c : name) {
    out.push_back(std::isalnum(static_cast<unsigned char>(c))
                      ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                      : '_');
  }
  return out;
}

void AssignNames(CLI::App& app, const std::string& prefix) {
  for (CLI::Option* opt : app.get_options()) {
    // Hidden former spellings (group "") share their canonical flag's variable.
    if (!opt->get_envname().empty() || opt->get_lnames().empty() || opt->get_group().empty()) {
      continue;
    }
    if (opt->get_lnames().front() == "help" || opt->get_lnames().front() == "config" ||
        opt->get_lnames().front() == "version") {
      continue;
    }
    opt->envname(prefix + EnvPart(opt->get_lnames().front()));
  }
  for (CLI::App* sub : app.get_subcommands({})) {
    AssignNames(*sub, prefix + EnvPart(sub->get_name()) + "_");
  }
}

}  // namespace

std::string YamlConfig::to_config(const CLI::App*, bool, bool, std::string) const {
  return {};  // churnml never writes configuration files
}

namespace {

// "churnml.yaml:3", or the file alone when the parser knows no position.
std::string Where(const std::string& file, const YAML::Mark& mark) {
  return mark.is_null() ? file : file + ":" + std::to_string(mark.line + 1);
}

}  // namespace

std::vector<CLI::ConfigItem> YamlConfig::from_config(std::istream& input) const {
  std::string file = "churnml.yaml";
  if (const CLI::Option* opt = root_->get_config_ptr(); opt != nullptr) {
    if (!opt->results().empty()) {
      file = opt->results().back();
    } else if (!opt->get_default_str().empty()) {
      file = opt->get_default_str();
    }
  }
  std::stringstream buffer;
  buffer << input.rdbuf();
  YAML::Node root;
  try {
    root = YAML::Load(buffer.str());
  } catch (const YAML::Exception& e) {
    throw CLI::ConfigError(Where(file, e.mark) + ": " + e.msg);
  }
  std::vector<CLI::ConfigItem> items;
  if (root.IsNull()) return items;
  if (!root.IsMap()) {
    throw CLI::ConfigError(Where(file, root.Mark()) +
                           ": the top level must be a mapping of keys (e.g. train:)");
  }
  std::vector<std::string> parents;
  std::vector<LocatedItem> located;
  try {
    Flatten(root, parents, located);
  } catch (const YAML::Exception& e) {
    throw CLI::ConfigError(Where(file, e.mark) + ": " + e.msg);
  }
  std::vector<std::string> known;
  KnownKeys(root_, "", known);
  for (LocatedItem& l : located) {
    if (!IsKnownKey(root_, l.item)) {
      const std::string key = Abbreviate(l.item.fullname());
      throw CLI::ConfigError(file + ":" + std::to_string(l.line) + ": unknown key " + key +
                             DidYouMean(l.item.fullname(), known));
    }
    items.push_back(std::move(l.item));
  }
  return items;
}

void AssignEnvironmentNames(CLI::App& app) { AssignNames(app, "CHURNML_"); }

Result<ServeReloadKeys> ReadServeReloadKeys(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return IOError(file + ": cannot read the configuration file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (buffer.str().size() > (1u << 20)) {
    return InvalidArgumentError(file + ": over 1 MiB, not a configuration file");
  }
  ServeReloadKeys keys;
  try {
    YAML::Node root = YAML::Load(buffer.str());
    if (root.IsNull()) return keys;
    if (!root.IsMap()) {
      return InvalidArgumentError(Where(file, root.Mark()) +
                                  ": the top level must be a mapping of keys (e.g. serve:)");
    }
    YAML::Node serve = root["serve"];
    if (!serve || serve.IsNull()) return keys;
    if (!serve.IsMap()) {
      return InvalidArgumentError(Where(file, serve.Mark()) + ": serve must be a mapping of keys");
    }
    if (YAML::Node variant = serve["variant"]) {
      keys.has_variants = true;
      if (variant.IsSequence()) {
        if (variant.size() > 64) {
          return InvalidArgumentError(Where(file, variant.Mark()) +
                                      ": serve.variant lists over 64 variants");
        }
        for (const YAML::Node& element : variant) {
          if (!element.IsScalar()) {
            return InvalidArgumentError(Where(file, element.Mark()) +
                                        ": serve.variant entries must be NAME=MODELREF:WEIGHT");
          }
          keys.variants.push_back(element.as<std::string>());
        }
      } else if (variant.IsScalar()) {
        keys.variants.push_back(variant.as<std::string>());
      } else if (!variant.IsNull()) {
        return InvalidArgumentError(Where(file, variant.Mark()) +
                                    ": serve.variant must be a list of NAME=MODELREF:WEIGHT");
      }
    }
    if (YAML::Node shadow = serve["shadow"]) {
      keys.has_shadow = true;
      if (shadow.IsScalar()) {
        keys.shadow = shadow.as<std::string>();
        if (keys.shadow == "off") keys.shadow.clear();
      } else if (!shadow.IsNull()) {
        return InvalidArgumentError(Where(file, shadow.Mark()) +
                                    ": serve.shadow must be a model reference or off");
      }
    }
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(Where(file, e.mark) + ": " + e.msg);
  }
  return keys;
}

}  // namespace churnml::cli
