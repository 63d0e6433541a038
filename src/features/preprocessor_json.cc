// Preprocessor <-> preprocessor.json. The JSON library's exceptions stop
// here: every field is checked before it is read.
//
// Layout (format_version 1):
//   {"format_version": 1, "unknown_category": "ignore"|"error",
//    "columns": [{"name": "tenure", "type": "integer",
//                 "median": 29.0, "mean": 32.4, "scale": 24.6},
//                {"name": "Contract", "type": "categorical",
//                 "categories": ["Month-to-month", ...], "mode": "Month-to-month"}]}
// nlohmann::json writes doubles in their shortest round-trip form, so a
// reloaded preprocessor reproduces the fitted values bit for bit.
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_set>

#include "features/preprocessor.h"

namespace churnml {

namespace {

constexpr int kFormatVersion = 1;

Status FieldError(const std::string& field, const std::string& what) {
  return InvalidArgumentError("preprocessor.json: field \"" + field + "\": " + what);
}

Result<const nlohmann::json*> Member(const nlohmann::json& object, const std::string& key,
                                     const std::string& path) {
  auto it = object.find(key);
  if (it == object.end()) return FieldError(path + key, "is missing");
  return &*it;
}

Result<double> FiniteNumber(const nlohmann::json& object, const std::string& key,
                            const std::string& path) {
  CHURNML_ASSIGN_OR_RETURN(const nlohmann::json* value, Member(object, key, path));
  if (!value->is_number()) return FieldError(path + key, "expected a number");
  const double v = value->get<double>();
  if (!std::isfinite(v)) return FieldError(path + key, "expected a finite number");
  return v;
}

Result<std::string> String(const nlohmann::json& object, const std::string& key,
                           const std::string& path) {
  CHURNML_ASSIGN_OR_RETURN(const nlohmann::json* value, Member(object, key, path));
  if (!value->is_string()) return FieldError(path + key, "expected a string");
  return value->get<std::string>();
}

Result<ColumnType> ParseType(const std::string& name, const std::string& field) {
  for (ColumnType type : {ColumnType::kNumeric, ColumnType::kInteger, ColumnType::kCategorical}) {
    if (name == ColumnTypeName(type)) return type;
  }
  return FieldError(
      field, "unknown type \"" + name + "\" (valid: \"numeric\", \"integer\", \"categorical\")");
}

Result<FeatureColumnTransform> ColumnFromJson(const nlohmann::json& j, const std::string& path) {
  if (!j.is_object()) return FieldError(path.substr(0, path.size() - 1), "expected an object");
  FeatureColumnTransform t;
  CHURNML_ASSIGN_OR_RETURN(t.name, String(j, "name", path));
  if (t.name.empty()) return FieldError(path + "name", "is empty");
  CHURNML_ASSIGN_OR_RETURN(std::string type, String(j, "type", path));
  CHURNML_ASSIGN_OR_RETURN(t.type, ParseType(type, path + "type"));
  if (t.type != ColumnType::kCategorical) {
    CHURNML_ASSIGN_OR_RETURN(t.median, FiniteNumber(j, "median", path));
    CHURNML_ASSIGN_OR_RETURN(t.mean, FiniteNumber(j, "mean", path));
    CHURNML_ASSIGN_OR_RETURN(t.scale, FiniteNumber(j, "scale", path));
    if (!(t.scale > 0.0)) return FieldError(path + "scale", "must be positive");
    return t;
  }
  CHURNML_ASSIGN_OR_RETURN(const nlohmann::json* categories, Member(j, "categories", path));
  if (!categories->is_array() || categories->empty()) {
    return FieldError(path + "categories", "expected a non-empty array of strings");
  }
  std::unordered_set<std::string> seen;
  for (size_t k = 0; k < categories->size(); ++k) {
    const nlohmann::json& c = (*categories)[k];
    const std::string field = path + "categories[" + std::to_string(k) + "]";
    if (!c.is_string()) return FieldError(field, "expected a string");
    t.categories.push_back(c.get<std::string>());
    if (!seen.insert(t.categories.back()).second) {
      return FieldError(field, "duplicate category \"" + t.categories.back() + "\"");
    }
  }
  CHURNML_ASSIGN_OR_RETURN(std::string mode, String(j, "mode", path));
  auto it = std::find(t.categories.begin(), t.categories.end(), mode);
  if (it == t.categories.end()) {
    return FieldError(path + "mode", "\"" + mode + "\" is not one of the categories");
  }
  t.mode = static_cast<size_t>(it - t.categories.begin());
  return t;
}

}  // namespace

nlohmann::json Preprocessor::ToJson() const {
  nlohmann::json columns = nlohmann::json::array();
  for (const FeatureColumnTransform& c : columns_) {
    nlohmann::json column = {{"name", c.name}, {"type", ColumnTypeName(c.type)}};
    if (c.type == ColumnType::kCategorical) {
      column["categories"] = c.categories;
      column["mode"] = c.categories[c.mode];
    } else {
      column["median"] = c.median;
      column["mean"] = c.mean;
      column["scale"] = c.scale;
    }
    columns.push_back(std::move(column));
  }
  return {{"format_version", kFormatVersion},
          {"unknown_category", UnknownCategoryPolicyName(options_.unknown_category)},
          {"columns", std::move(columns)}};
}

Result<Preprocessor> Preprocessor::FromJson(const nlohmann::json& j) {
  if (!j.is_object()) return InvalidArgumentError("preprocessor.json: expected a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (key != "format_version" && key != "unknown_category" && key != "columns") {
      return FieldError(key, "unknown field");
    }
  }
  CHURNML_ASSIGN_OR_RETURN(const nlohmann::json* version, Member(j, "format_version", ""));
  if (!version->is_number_integer() || version->get<int64_t>() != kFormatVersion) {
    return FieldError("format_version", "unsupported version " + version->dump() +
                                            " (this build reads version " +
                                            std::to_string(kFormatVersion) + ")");
  }
  PreprocessorOptions options;
  CHURNML_ASSIGN_OR_RETURN(std::string policy, String(j, "unknown_category", ""));
  Result<UnknownCategoryPolicy> parsed = ParseUnknownCategoryPolicy(policy);
  if (!parsed.ok()) return FieldError("unknown_category", parsed.status().message());
  options.unknown_category = *parsed;

  CHURNML_ASSIGN_OR_RETURN(const nlohmann::json* columns, Member(j, "columns", ""));
  if (!columns->is_array() || columns->empty()) {
    return FieldError("columns", "expected a non-empty array");
  }
  std::vector<FeatureColumnTransform> transforms;
  std::unordered_set<std::string> names;
  for (size_t i = 0; i < columns->size(); ++i) {
    const std::string path = "columns[" + std::to_string(i) + "].";
    CHURNML_ASSIGN_OR_RETURN(FeatureColumnTransform t, ColumnFromJson((*columns)[i], path));
    if (!names.insert(t.name).second) {
      return FieldError(path + "name", "duplicate column \"" + t.name + "\"");
    }
    transforms.push_back(std::move(t));
  }
  return Preprocessor(options, std::move(transforms));
}

}  // namespace churnml
