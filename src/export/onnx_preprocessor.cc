// The preprocessing part of the exported graph (see onnx_parts.h).
//
// Why standard operators in double and not ai.onnx.ml's Imputer and Scaler:
// their attributes (imputed_value_floats, offset, scale) are float32, and
// Scaler multiplies by a reciprocal. churnml computes
// ((x or median) - mean) / scale in double and XGBoost rounds that to float;
// XGBoost's hist cut points sit exactly on training values, so a scaled
// value one float32 step away from churnml's lands on the other side of a
// split. IsNaN/Where/Sub/Div on tensor(double) are the same IEEE operations
// in the same order, so the float the model sees is the same float.
#include <algorithm>
#include <string>
#include <vector>

#include "export/onnx_parts.h"

namespace churnml::onnx_export {
namespace {

std::string Internal(const std::string& what) { return std::string(kInternalPrefix) + what; }

}  // namespace

Result<std::string> AddPreprocessing(const Preprocessor& preprocessor, OnnxGraph& graph,
                                     std::vector<GraphInput>* inputs) {
  const std::vector<FeatureColumnTransform>& columns = preprocessor.columns();
  if (columns.empty()) return InvalidArgumentError("the preprocessor has no columns");
  for (const FeatureColumnTransform& c : columns) {
    if (c.name.starts_with(kInternalPrefix) || c.name == "probability" || c.name == "label") {
      return InvalidArgumentError("column \"" + c.name +
                                  "\" cannot be an ONNX input name: it clashes with the names " +
                                  "of the graph's outputs or of its own tensors");
    }
  }
  const bool ignore_unknown =
      preprocessor.options().unknown_category == UnknownCategoryPolicy::kIgnore;

  // Blocks in the order they are concatenated, and where each preprocessor
  // output column lands in that concatenation.
  std::vector<std::string> blocks;
  std::vector<int64_t> position(preprocessor.num_features(), 0);
  int64_t width = 0;

  std::vector<std::string> numeric_inputs;
  std::vector<double> medians, means, scales;
  for (const FeatureColumnTransform& c : columns) {
    if (c.type == ColumnType::kCategorical) continue;
    position[c.offset] = static_cast<int64_t>(numeric_inputs.size());
    numeric_inputs.push_back(c.name);
    medians.push_back(c.median);
    means.push_back(c.mean);
    scales.push_back(c.scale);
  }
  for (const FeatureColumnTransform& c : columns) {
    inputs->push_back(
        {c.name, c.type == ColumnType::kCategorical ? ElementType::kString : ElementType::kDouble});
    graph.AddColumnInput(c.name, inputs->back().type);
  }
  if (!numeric_inputs.empty()) {
    const int64_t n = static_cast<int64_t>(numeric_inputs.size());
    const std::string raw = Internal("numeric.raw");
    graph.AddNode("Concat", kDefaultDomain, numeric_inputs, {raw}, {Attribute::Int("axis", 1)});
    graph.AddNode("IsNaN", kDefaultDomain, {raw}, {Internal("numeric.missing")});
    graph.AddNode("Where", kDefaultDomain,
                  {Internal("numeric.missing"),
                   graph.AddDoubles(Internal("numeric.median"), medians, {1, n}), raw},
                  {Internal("numeric.imputed")});
    graph.AddNode(
        "Sub", kDefaultDomain,
        {Internal("numeric.imputed"), graph.AddDoubles(Internal("numeric.mean"), means, {1, n})},
        {Internal("numeric.centered")});
    graph.AddNode(
        "Div", kDefaultDomain,
        {Internal("numeric.centered"), graph.AddDoubles(Internal("numeric.scale"), scales, {1, n})},
        {Internal("numeric.scaled")});
    graph.AddNode("Cast", kDefaultDomain, {Internal("numeric.scaled")}, {Internal("numeric")},
                  {Attribute::Int("to", static_cast<int64_t>(ElementType::kFloat))});
    blocks.push_back(Internal("numeric"));
    width = n;
  }

  for (const FeatureColumnTransform& c : columns) {
    if (c.type != ColumnType::kCategorical) continue;
    const int64_t k = static_cast<int64_t>(c.categories.size());
    // Category → index; the empty string (a missing cell) → the mode.
    std::vector<std::string> keys = c.categories;
    std::vector<int64_t> values(c.categories.size());
    for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<int64_t>(i);
    keys.emplace_back();
    values.push_back(static_cast<int64_t>(c.mode));
    std::vector<int64_t> cats(values.begin(), values.end() - 1);
    const std::string index = Internal("index." + c.name);
    const std::string onehot = Internal("onehot3d." + c.name);
    const std::string block = Internal("onehot." + c.name);
    graph.AddNode(
        "LabelEncoder", kMlDomain, {c.name}, {index},
        {Attribute::Strings("keys_strings", std::move(keys)),
         Attribute::Ints("values_int64s", std::move(values)), Attribute::Int("default_int64", -1)});
    graph.AddNode("OneHotEncoder", kMlDomain, {index}, {onehot},
                  {Attribute::Ints("cats_int64s", std::move(cats)),
                   Attribute::Int("zeros", ignore_unknown ? 1 : 0)});
    graph.DeclareType(onehot, ElementType::kFloat);
    graph.AddNode("Reshape", kDefaultDomain,
                  {onehot, graph.AddInt64s(Internal("shape." + c.name), {-1, k})}, {block});
    for (int64_t j = 0; j < k; ++j) position[c.offset + static_cast<size_t>(j)] = width + j;
    blocks.push_back(block);
    width += k;
  }

  const std::string concatenated = Internal("features.blocks");
  graph.AddNode("Concat", kDefaultDomain, blocks, {concatenated}, {Attribute::Int("axis", 1)});
  bool identity = true;
  for (size_t j = 0; j < position.size(); ++j) identity &= position[j] == static_cast<int64_t>(j);
  if (identity) return concatenated;
  const std::string features = Internal("features");
  graph.AddNode("Gather", kDefaultDomain,
                {concatenated, graph.AddInt64s(Internal("features.order"), position)}, {features},
                {Attribute::Int("axis", 1)});
  return features;
}

}  // namespace churnml::onnx_export
