// The table's schema: which columns exist, their role and type, and what
// values they may hold. Immutable after construction: safe to share between
// threads. The schema is data, not code: the Telco layout ships
// built in (Schema::Telco()) and any other tabular problem loads from YAML.
#pragma once

#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace churnml {

enum class ColumnRole { kId, kFeature, kTarget };
enum class ColumnType { kNumeric, kInteger, kCategorical };

std::string_view ColumnRoleName(ColumnRole role);  // "id", "feature", "target"
std::string_view ColumnTypeName(ColumnType type);  // "numeric", "integer", "categorical"

// What a CSV column the schema does not name means: an error (a typo, a
// wrong file), or a column to read past (a region, an account manager that
// travels with the customers but is no feature).
enum class ExtraColumns { kError, kIgnore };

struct ColumnSpec {
  std::string name;
  ColumnRole role = ColumnRole::kFeature;
  ColumnType type = ColumnType::kNumeric;
  // Closed vocabulary for categorical columns, in a fixed order (the order
  // defines category codes). Empty for a categorical column means "any value".
  std::vector<std::string> categories;
  // Inclusive range for numeric and integer columns.
  std::optional<double> min;
  std::optional<double> max;
  // Whether a blank cell ("" or only spaces) is an allowed missing value.
  bool nullable = false;
};

class Schema {
 public:
  Schema() = default;
  // Checks the column list: unique names, at most one id and one target
  // column, a target with exactly two categories, ranges with min <= max.
  static Result<Schema> Create(std::string name, std::vector<ColumnSpec> columns,
                               std::string positive_label);

  // The IBM Telco customer churn layout (DESIGN.md), the default.
  static const Schema& Telco();

  // YAML schema file (docs/schema.md documents the format). Errors
  // name the file and the offending key; unknown keys are errors.
  static Result<Schema> FromYamlFile(const std::string& path);
  static Result<Schema> FromYamlString(std::string_view yaml, std::string_view source_name);

  // Round-trips through model.json: FromJson(ToJson()) == *this. FromJson
  // rejects unknown keys and re-runs Create()'s checks.
  nlohmann::json ToJson() const;
  static Result<Schema> FromJson(const nlohmann::json& j);

  const std::string& name() const { return name_; }
  const std::vector<ColumnSpec>& columns() const { return columns_; }
  const ColumnSpec& column(size_t i) const { return columns_[i]; }
  size_t num_columns() const { return columns_.size(); }

  // Index of the column named `name`, or nullopt.
  std::optional<size_t> IndexOf(std::string_view name) const;
  std::optional<size_t> id_index() const { return id_index_; }
  std::optional<size_t> target_index() const { return target_index_; }
  // Indices of the feature columns, in schema order.
  const std::vector<size_t>& feature_indices() const { return feature_indices_; }
  // The target value that means "positive" (churned): "Yes" for Telco.
  const std::string& positive_label() const { return positive_label_; }
  // The other target value ("No" for Telco).
  const std::string& negative_label() const { return negative_label_; }
  ExtraColumns extra_columns() const { return extra_columns_; }
  // A copy with `policy` for columns the schema does not name.
  Schema WithExtraColumns(ExtraColumns policy) const {
    Schema s = *this;
    s.extra_columns_ = policy;
    return s;
  }

  bool operator==(const Schema& other) const;

 private:
  std::string name_;
  std::vector<ColumnSpec> columns_;
  std::optional<size_t> id_index_;
  std::optional<size_t> target_index_;
  std::vector<size_t> feature_indices_;
  std::string positive_label_;
  std::string negative_label_;
  ExtraColumns extra_columns_ = ExtraColumns::kError;
};

}  // namespace churnml
