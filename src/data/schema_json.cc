// The JSON form of a Schema (inside model.json). This file is the adapter
// for nlohmann::json in the data layer: its exceptions stop here.
#include <nlohmann/json.hpp>

#include "common/strings.h"
#include "data/schema.h"

namespace churnml {

namespace {

std::optional<ColumnRole> RoleFromName(std::string_view name) {
  for (ColumnRole r : {ColumnRole::kId, ColumnRole::kFeature, ColumnRole::kTarget}) {
    if (ColumnRoleName(r) == name) return r;
  }
  return std::nullopt;
}

std::optional<ColumnType> TypeFromName(std::string_view name) {
  for (ColumnType t : {ColumnType::kNumeric, ColumnType::kInteger, ColumnType::kCategorical}) {
    if (ColumnTypeName(t) == name) return t;
  }
  return std::nullopt;
}

Result<ColumnSpec> ColumnFromJson(const nlohmann::json& j, size_t index) {
  const std::string where = "schema columns[" + std::to_string(index) + "]";
  if (!j.is_object()) return InvalidArgumentError(where + ": expected an object");
  ColumnSpec c;
  for (const auto& [key, value] : j.items()) {
    if (key == "name") {
      c.name = value.get<std::string>();
    } else if (key == "role") {
      const std::string name = value.get<std::string>();
      std::optional<ColumnRole> r = RoleFromName(name);
      if (!r) return InvalidArgumentError(where + ": unknown role \"" + Abbreviate(name) + "\"");
      c.role = *r;
    } else if (key == "type") {
      const std::string name = value.get<std::string>();
      std::optional<ColumnType> t = TypeFromName(name);
      if (!t) return InvalidArgumentError(where + ": unknown type \"" + Abbreviate(name) + "\"");
      c.type = *t;
    } else if (key == "categories") {
      c.categories = value.get<std::vector<std::string>>();
    } else if (key == "min") {
      c.min = value.get<double>();
    } else if (key == "max") {
      c.max = value.get<double>();
    } else if (key == "nullable") {
      c.nullable = value.get<bool>();
    } else {
      return InvalidArgumentError(where + ": unknown key \"" + key + "\"");
    }
  }
  return c;
}

}  // namespace

nlohmann::json Schema::ToJson() const {
  nlohmann::json cols = nlohmann::json::array();
  for (const ColumnSpec& c : columns_) {
    nlohmann::json col = {{"name", c.name},
                          {"role", ColumnRoleName(c.role)},
                          {"type", ColumnTypeName(c.type)},
                          {"nullable", c.nullable}};
    if (c.type == ColumnType::kCategorical) col["categories"] = c.categories;
    if (c.min) col["min"] = *c.min;
    if (c.max) col["max"] = *c.max;
    cols.push_back(std::move(col));
  }
  nlohmann::json j = {
      {"name", name_}, {"positive_label", positive_label_}, {"columns", std::move(cols)}};
  // Only when set, so artifacts of schemas without it stay byte-identical.
  if (extra_columns_ == ExtraColumns::kIgnore) j["extra_columns"] = "ignore";
  return j;
}

Result<Schema> Schema::FromJson(const nlohmann::json& j) {
  try {
    if (!j.is_object()) return InvalidArgumentError("schema: expected a JSON object");
    for (const auto& [key, value] : j.items()) {
      if (key != "name" && key != "positive_label" && key != "columns" &&
          key != "extra_columns") {
        return InvalidArgumentError("schema: unknown key \"" + key + "\"");
      }
    }
    if (!j.contains("columns") || !j.at("columns").is_array()) {
      return InvalidArgumentError("schema: \"columns\" must be an array");
    }
    std::vector<ColumnSpec> columns;
    for (size_t i = 0; i < j.at("columns").size(); ++i) {
      CHURNML_ASSIGN_OR_RETURN(ColumnSpec c, ColumnFromJson(j.at("columns")[i], i));
      columns.push_back(std::move(c));
    }
    std::string name = j.value("name", std::string());
    std::string positive = j.value("positive_label", std::string());
    const std::string extra = j.value("extra_columns", std::string("error"));
    if (extra != "error" && extra != "ignore") {
      return InvalidArgumentError("schema: extra_columns must be error or ignore");
    }
    Result<Schema> s = Create(std::move(name), std::move(columns), std::move(positive));
    if (!s.ok()) return s.status().WithContext("schema");
    return s->WithExtraColumns(extra == "ignore" ? ExtraColumns::kIgnore : ExtraColumns::kError);
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError(std::string("schema: ") + e.what());
  }
}

}  // namespace churnml
