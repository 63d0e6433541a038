#include "cli/yaml_config.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <sstream>

namespace churnml::cli {
namespace {

void Flatten(const YAML::Node& node, std::vector<std::string>& parents,
             std::vector<CLI::ConfigItem>& out) {
  for (const auto& entry : node) {
    std::string key = entry.first.as<std::string>();
    const YAML::Node& value = entry.second;
    if (value.IsMap()) {
      parents.push_back(key);
      Flatten(value, parents, out);
      parents.pop_back();
      continue;
    }
    CLI::ConfigItem item;
    item.parents = parents;
    item.name = key;
    if (value.IsSequence()) {
      for (const auto& element : value) item.inputs.push_back(element.as<std::string>());
    } else if (!value.IsNull()) {
      item.inputs.push_back(value.as<std::string>());
    }
    out.push_back(std::move(item));
  }
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
    if (!opt->get_envname().empty() || opt->get_lnames().empty()) continue;
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

std::vector<CLI::ConfigItem> YamlConfig::from_config(std::istream& input) const {
  std::stringstream buffer;
  buffer << input.rdbuf();
  YAML::Node root;
  try {
    root = YAML::Load(buffer.str());
  } catch (const YAML::Exception& e) {
    throw CLI::ConversionError("churnml.yaml", e.what());
  }
  std::vector<CLI::ConfigItem> items;
  if (root.IsNull()) return items;
  if (!root.IsMap()) throw CLI::ConversionError("churnml.yaml", "the top level must be a mapping");
  std::vector<std::string> parents;
  try {
    Flatten(root, parents, items);
  } catch (const YAML::Exception& e) {
    throw CLI::ConversionError("churnml.yaml", e.what());
  }
  return items;
}

void AssignEnvironmentNames(CLI::App& app) { AssignNames(app, "CHURNML_"); }

}  // namespace churnml::cli
