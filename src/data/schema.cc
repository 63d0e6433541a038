#include "data/schema.h"

#include <set>
#include <utility>

namespace churnml {

std::string_view ColumnRoleName(ColumnRole role) {
  switch (role) {
    case ColumnRole::kId:
      return "id";
    case ColumnRole::kFeature:
      return "feature";
    case ColumnRole::kTarget:
      return "target";
  }
  return "feature";
}

std::string_view ColumnTypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kNumeric:
      return "numeric";
    case ColumnType::kInteger:
      return "integer";
    case ColumnType::kCategorical:
      return "categorical";
  }
  return "numeric";
}

namespace {

Status CheckColumn(const ColumnSpec& c) {
  const std::string where = "column \"" + c.name + "\"";
  if (c.type != ColumnType::kCategorical && !c.categories.empty()) {
    return InvalidArgumentError(where + ": categories are only allowed for categorical columns");
  }
  if (c.type == ColumnType::kCategorical && (c.min || c.max)) {
    return InvalidArgumentError(where +
                                ": min/max are only allowed for numeric and integer columns");
  }
  if (c.min && c.max && *c.min > *c.max) {
    return InvalidArgumentError(where + ": min is greater than max");
  }
  std::set<std::string_view> seen;
  for (const std::string& v : c.categories) {
    if (!seen.insert(v).second) {
      return InvalidArgumentError(where + ": category \"" + v + "\" is listed twice");
    }
  }
  if (c.role == ColumnRole::kId && c.type != ColumnType::kCategorical) {
    return InvalidArgumentError(where + ": an id column must have type categorical");
  }
  if (c.role == ColumnRole::kTarget &&
      (c.type != ColumnType::kCategorical || c.categories.size() != 2)) {
    return InvalidArgumentError(
        where + ": a target column must be categorical with exactly two categories");
  }
  return Status::Ok();
}

}  // namespace

Result<Schema> Schema::Create(std::string name, std::vector<ColumnSpec> columns,
                              std::string positive_label) {
  Schema s;
  s.name_ = std::move(name);
  std::set<std::string_view> names;
  for (size_t i = 0; i < columns.size(); ++i) {
    const ColumnSpec& c = columns[i];
    if (c.name.empty()) {
      return InvalidArgumentError("column " + std::to_string(i + 1) + " has an empty name");
    }
    if (!names.insert(c.name).second) {
      return InvalidArgumentError("column \"" + c.name + "\" is listed twice");
    }
    CHURNML_RETURN_IF_ERROR(CheckColumn(c));
    switch (c.role) {
      case ColumnRole::kId:
        if (s.id_index_) {
          return InvalidArgumentError("columns \"" + columns[*s.id_index_].name + "\" and \"" +
                                      c.name + "\" are both ids; at most one id column is allowed");
        }
        s.id_index_ = i;
        break;
      case ColumnRole::kTarget:
        if (s.target_index_) {
          return InvalidArgumentError("columns \"" + columns[*s.target_index_].name + "\" and \"" +
                                      c.name +
                                      "\" are both targets; at most one target column is allowed");
        }
        s.target_index_ = i;
        break;
      case ColumnRole::kFeature:
        s.feature_indices_.push_back(i);
        break;
    }
  }
  if (s.target_index_) {
    const ColumnSpec& t = columns[*s.target_index_];
    if (positive_label == t.categories[0]) {
      s.negative_label_ = t.categories[1];
    } else if (positive_label == t.categories[1]) {
      s.negative_label_ = t.categories[0];
    } else {
      return InvalidArgumentError(
          "positive label \"" + positive_label + "\" is not a category of target column \"" +
          t.name + "\" (expected \"" + t.categories[0] + "\" or \"" + t.categories[1] + "\")");
    }
  } else if (!positive_label.empty()) {
    return InvalidArgumentError("positive label \"" + positive_label +
                                "\" given but the schema has no target column");
  }
  s.positive_label_ = std::move(positive_label);
  s.columns_ = std::move(columns);
  return s;
}

namespace {

ColumnSpec Categorical(std::string name, std::vector<std::string> values) {
  ColumnSpec c;
  c.name = std::move(name);
  c.type = ColumnType::kCategorical;
  c.categories = std::move(values);
  return c;
}

ColumnSpec Number(std::string name, ColumnType type, double min, double max, bool nullable) {
  ColumnSpec c;
  c.name = std::move(name);
  c.type = type;
  c.min = min;
  c.max = max;
  c.nullable = nullable;
  return c;
}

Schema BuildTelco() {
  const std::vector<std::string> yes_no = {"Yes", "No"};
  const std::vector<std::string> internet_dependent = {"Yes", "No", "No internet service"};
  std::vector<ColumnSpec> cols;
  ColumnSpec id = Categorical("customerID", {});
  id.role = ColumnRole::kId;
  cols.push_back(id);
  cols.push_back(Categorical("gender", {"Female", "Male"}));
  cols.push_back(Number("SeniorCitizen", ColumnType::kInteger, 0, 1, false));
  cols.push_back(Categorical("Partner", yes_no));
  cols.push_back(Categorical("Dependents", yes_no));
  cols.push_back(Number("tenure", ColumnType::kInteger, 0, 72, false));
  cols.push_back(Categorical("PhoneService", yes_no));
  cols.push_back(Categorical("MultipleLines", {"Yes", "No", "No phone service"}));
  cols.push_back(Categorical("InternetService", {"DSL", "Fiber optic", "No"}));
  for (const char* name : {"OnlineSecurity", "OnlineBackup", "DeviceProtection", "TechSupport",
                           "StreamingTV", "StreamingMovies"}) {
    cols.push_back(Categorical(name, internet_dependent));
  }
  cols.push_back(Categorical("Contract", {"Month-to-month", "One year", "Two year"}));
  cols.push_back(Categorical("PaperlessBilling", yes_no));
  cols.push_back(
      Categorical("PaymentMethod", {"Electronic check", "Mailed check", "Bank transfer (automatic)",
                                    "Credit card (automatic)"}));
  cols.push_back(Number("MonthlyCharges", ColumnType::kNumeric, 0, 1000, false));
  cols.push_back(Number("TotalCharges", ColumnType::kNumeric, 0, 1000000, true));
  ColumnSpec churn = Categorical("Churn", {"No", "Yes"});
  churn.role = ColumnRole::kTarget;
  cols.push_back(churn);
  Result<Schema> s = Schema::Create("telco", std::move(cols), "Yes");
  return std::move(s).value();  // The built-in layout is valid by construction (tested).
}

}  // namespace

const Schema& Schema::Telco() {
  static const Schema* const telco = new Schema(BuildTelco());
  return *telco;
}

std::optional<size_t> Schema::IndexOf(std::string_view name) const {
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i].name == name) return i;
  }
  return std::nullopt;
}

bool Schema::operator==(const Schema& other) const {
  if (name_ != other.name_ || positive_label_ != other.positive_label_ ||
      extra_columns_ != other.extra_columns_ ||
      columns_.size() != other.columns_.size()) {
    return false;
  }
  for (size_t i = 0; i < columns_.size(); ++i) {
    const ColumnSpec& a = columns_[i];
    const ColumnSpec& b = other.columns_[i];
    if (a.name != b.name || a.role != b.role || a.type != b.type || a.categories != b.categories ||
        a.min != b.min || a.max != b.max || a.nullable != b.nullable) {
      return false;
    }
  }
  return true;
}

}  // namespace churnml
