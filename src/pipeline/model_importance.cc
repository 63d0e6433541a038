#include "pipeline/model_importance.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>

#include "features/feature_names.h"
#include "models/logistic_regression.h"
#include "models/xgboost_model.h"

namespace churnml {

namespace {

// Indices 0..n-1 ordered by `key` descending, ties in index order.
template <typename Key>
std::vector<size_t> OrderByDescending(size_t n, Key key) {
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&key](size_t a, size_t b) { return key(a) > key(b); });
  return order;
}

}  // namespace

Result<ModelImportance> ComputeModelImportance(const ModelArtifact& artifact) {
  if (artifact.is_ensemble()) {
    return FailedPreconditionError(
        "an ensemble has no built-in feature importance; look at its members' (or use "
        "`churnml explain`, which adds up the members' contributions)");
  }
  const Model& model = artifact.model();
  CHURNML_ASSIGN_OR_RETURN(RawFeatureMap map, MapColumnsToRawFeatures(artifact.preprocessor()));
  const size_t n = map.column_names.size();
  if (model.num_features() != n) {
    return InternalError("the model has " + std::to_string(model.num_features()) +
                         " features, the preprocessor " + std::to_string(n));
  }
  ModelImportance out;
  out.kind = std::string(model.kind());
  std::vector<double> values;
  std::vector<double> average_gain;
  if (const auto* logistic = dynamic_cast<const LogisticRegression*>(&model)) {
    out.method = "coefficient";
    values.assign(logistic->coefficients().begin(), logistic->coefficients().end());
    out.intercept = logistic->intercept();
  } else if (const auto* xgb = dynamic_cast<const XGBoostModel*>(&model)) {
    out.method = "total_gain";
    CHURNML_ASSIGN_OR_RETURN(values, xgb->FeatureScores("total_gain"));
    CHURNML_ASSIGN_OR_RETURN(average_gain, xgb->FeatureScores("gain"));
  } else {
    return FailedPreconditionError("models of kind \"" + out.kind +
                                   "\" have no built-in feature importance");
  }
  std::vector<double> raw(map.raw_names.size(), 0.0);
  double total = 0;
  for (size_t c = 0; c < n; ++c) {
    raw[map.raw_of_column[c]] += std::fabs(values[c]);
    total += std::fabs(values[c]);
  }
  for (size_t f : OrderByDescending(raw.size(), [&raw](size_t i) { return raw[i]; })) {
    out.features.push_back({map.raw_names[f], raw[f], total > 0 ? raw[f] / total : 0.0});
  }
  for (size_t c : OrderByDescending(n, [&values](size_t i) { return std::fabs(values[i]); })) {
    ColumnImportance column{map.column_names[c], map.raw_names[map.raw_of_column[c]], values[c],
                            std::nullopt};
    if (!average_gain.empty()) column.average_gain = average_gain[c];
    out.columns.push_back(std::move(column));
  }
  return out;
}

nlohmann::json ModelImportance::ToJson() const {
  nlohmann::json j = {{"kind", kind}, {"method", method}};
  j["features"] = nlohmann::json::array();
  for (const RawFeatureImportance& f : features) {
    j["features"].push_back({{"name", f.name}, {"importance", f.importance}, {"share", f.share}});
  }
  j["columns"] = nlohmann::json::array();
  for (const ColumnImportance& c : columns) {
    nlohmann::json e = {{"name", c.name}, {"feature", c.feature}, {"value", c.value}};
    if (c.average_gain) e["average_gain"] = *c.average_gain;
    j["columns"].push_back(std::move(e));
  }
  if (intercept) j["intercept"] = *intercept;
  return j;
}

}  // namespace churnml
