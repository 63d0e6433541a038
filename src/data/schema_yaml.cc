// Loads a Schema from a YAML schema file (format: docs/schema.md). This file
// is the adapter for yaml-cpp in the data layer: its exceptions stop here.
#include <yaml-cpp/yaml.h>

#include "common/atomic_file.h"
#include "common/strings.h"
#include "data/schema.h"

namespace churnml {

namespace {

constexpr const char* kColumnKeys = "name, role, type, categories, min, max, nullable";
constexpr const char* kTopKeys = "name, positive_label, extra_columns, columns";

// Error text "<source>:<line>: <what>".
Status YamlError(std::string_view source, const YAML::Node& node, const std::string& what) {
  std::string where(source);
  if (node.Mark().line >= 0) where += ":" + std::to_string(node.Mark().line + 1);
  return InvalidArgumentError(where + ": " + what);
}

Result<std::string> Scalar(std::string_view source, const YAML::Node& node,
                           const std::string& key) {
  if (!node.IsScalar()) return YamlError(source, node, key + " must be a scalar");
  return node.Scalar();
}

Result<double> Number(std::string_view source, const YAML::Node& node, const std::string& key) {
  CHURNML_ASSIGN_OR_RETURN(std::string text, Scalar(source, node, key));
  std::optional<double> v = ParseDouble(text);
  if (!v) return YamlError(source, node, key + ": \"" + text + "\" is not a number");
  return *v;
}

Result<ColumnSpec> ParseColumn(std::string_view source, const YAML::Node& node, size_t index) {
  std::string where = "columns[" + std::to_string(index) + "]";
  if (!node.IsMap()) return YamlError(source, node, where + " must be a mapping");
  if (node["name"] && node["name"].IsScalar()) where += " (\"" + node["name"].Scalar() + "\")";
  ColumnSpec c;
  bool has_type = false;
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    const YAML::Node& value = kv.second;
    if (key == "name") {
      CHURNML_ASSIGN_OR_RETURN(c.name, Scalar(source, value, where + ".name"));
    } else if (key == "role") {
      CHURNML_ASSIGN_OR_RETURN(std::string role, Scalar(source, value, where + ".role"));
      if (role == "id") {
        c.role = ColumnRole::kId;
      } else if (role == "feature") {
        c.role = ColumnRole::kFeature;
      } else if (role == "target") {
        c.role = ColumnRole::kTarget;
      } else {
        return YamlError(
            source, value,
            where + ".role: unknown role \"" + role + "\" (expected id, feature or target)");
      }
    } else if (key == "type") {
      CHURNML_ASSIGN_OR_RETURN(std::string type, Scalar(source, value, where + ".type"));
      has_type = true;
      if (type == "numeric") {
        c.type = ColumnType::kNumeric;
      } else if (type == "integer") {
        c.type = ColumnType::kInteger;
      } else if (type == "categorical") {
        c.type = ColumnType::kCategorical;
      } else {
        return YamlError(source, value,
                         where + ".type: unknown type \"" + type +
                             "\" (expected numeric, integer or categorical)");
      }
    } else if (key == "categories") {
      if (!value.IsSequence()) {
        return YamlError(source, value, where + ".categories must be a list");
      }
      for (const auto& item : value) {
        CHURNML_ASSIGN_OR_RETURN(std::string v, Scalar(source, item, where + ".categories"));
        c.categories.push_back(std::move(v));
      }
    } else if (key == "min") {
      CHURNML_ASSIGN_OR_RETURN(c.min, Number(source, value, where + ".min"));
    } else if (key == "max") {
      CHURNML_ASSIGN_OR_RETURN(c.max, Number(source, value, where + ".max"));
    } else if (key == "nullable") {
      CHURNML_ASSIGN_OR_RETURN(std::string b, Scalar(source, value, where + ".nullable"));
      if (b == "true") {
        c.nullable = true;
      } else if (b == "false") {
        c.nullable = false;
      } else {
        return YamlError(source, value,
                         where + ".nullable: \"" + b + "\" is not a boolean (true or false)");
      }
    } else {
      return YamlError(source, kv.first,
                       where + ": unknown key \"" + key + "\" (expected " + kColumnKeys + ")");
    }
  }
  if (c.name.empty()) return YamlError(source, node, where + ": missing key \"name\"");
  if (!has_type) {
    if (c.role == ColumnRole::kFeature) {
      return YamlError(source, node, where + ": missing key \"type\"");
    }
    c.type = ColumnType::kCategorical;  // ids and targets are labels
  }
  return c;
}

Result<Schema> ParseSchema(std::string_view source, const YAML::Node& root) {
  if (!root.IsMap()) return InvalidArgumentError(std::string(source) + ": expected a mapping");
  std::string name;
  std::string positive;
  std::vector<ColumnSpec> columns;
  bool has_columns = false;
  ExtraColumns extra = ExtraColumns::kError;
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    if (key == "name") {
      CHURNML_ASSIGN_OR_RETURN(name, Scalar(source, kv.second, key));
    } else if (key == "positive_label") {
      CHURNML_ASSIGN_OR_RETURN(positive, Scalar(source, kv.second, key));
    } else if (key == "extra_columns") {
      CHURNML_ASSIGN_OR_RETURN(std::string policy, Scalar(source, kv.second, key));
      if (policy == "ignore") {
        extra = ExtraColumns::kIgnore;
      } else if (policy != "error") {
        return YamlError(source, kv.second,
                         "extra_columns must be error or ignore, not \"" + policy + "\"");
      }
    } else if (key == "columns") {
      if (!kv.second.IsSequence()) return YamlError(source, kv.second, "columns must be a list");
      has_columns = true;
      size_t i = 0;
      for (const auto& col : kv.second) {
        CHURNML_ASSIGN_OR_RETURN(ColumnSpec c, ParseColumn(source, col, i++));
        columns.push_back(std::move(c));
      }
    } else {
      return YamlError(source, kv.first, "unknown key \"" + key + "\" (expected " + kTopKeys + ")");
    }
  }
  if (!has_columns || columns.empty()) {
    return InvalidArgumentError(std::string(source) + ": missing key \"columns\"");
  }
  Result<Schema> s = Schema::Create(std::move(name), std::move(columns), std::move(positive));
  if (!s.ok()) return s.status().WithContext(source);
  return s->WithExtraColumns(extra);
}

}  // namespace

Result<Schema> Schema::FromYamlString(std::string_view yaml, std::string_view source_name) {
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    return ParseSchema(source_name, root);
  } catch (const YAML::Exception& e) {
    std::string where(source_name);
    if (e.mark.line >= 0) where += ":" + std::to_string(e.mark.line + 1);
    return InvalidArgumentError(where + ": " + e.msg);
  }
}

Result<Schema> Schema::FromYamlFile(const std::string& path) {
  CHURNML_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return FromYamlString(text, path);
}

}  // namespace churnml
