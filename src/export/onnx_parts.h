// The pieces of the exported graph, one function per part of churnml's
// pipeline (internal to the export layer; onnx_export.h is the public face).
#pragma once

#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "export/onnx_graph.h"
#include "features/preprocessor.h"
#include "models/logistic_regression.h"

namespace churnml::onnx_export {

// Every tensor the export creates itself is named with this prefix, so no
// input column (named after the schema) can collide with one.
inline constexpr std::string_view kInternalPrefix = "churnml.";

struct GraphInput {
  std::string name;  // the schema column
  ElementType type = ElementType::kDouble;
};

// Adds one [N, 1] input per preprocessor column (tensor(double) for numeric
// and integer columns, NaN = missing; tensor(string) for categorical columns,
// "" = missing) and the nodes that reproduce Preprocessor::Transform:
//  numeric:     Concat → Where(IsNaN, median) → Sub(mean) → Div(scale), in
//               double, then Cast to float (what the model receives);
//  categorical: LabelEncoder (category → its index, "" → the mode's index,
//               anything else → -1) → OneHotEncoder (zeros=1 for the
//               "ignore" policy: an unknown category is an all-zero block;
//               zeros=0 for "error": the runtime fails the request);
// then Concat and a Gather into the preprocessor's column order. Returns the
// name of the float [N, num_features] tensor; appends the inputs to `inputs`.
// InvalidArgument when a column name starts with kInternalPrefix or is
// "probability" or "label".
Result<std::string> AddPreprocessing(const Preprocessor& preprocessor, OnnxGraph& graph,
                                     std::vector<GraphInput>* inputs);

// LinearClassifier (post_transform LOGISTIC, coefficients and intercept as
// float, two classes [-w, w] so the positive column is sigmoid(w.x + b)
// itself). Returns the float [N, 2] probability tensor. InvalidArgument
// when a weight is outside the float range.
Result<std::string> AddLinearClassifier(const LogisticRegression& model,
                                        const std::string& features, OnnxGraph& graph);

// TreeEnsembleClassifier from XGBoost's JSON model (`doc`, already checked by
// CheckXGBoostModelJson): BRANCH_LT nodes (`x < split_condition` goes left,
// as XGBoost), missing values follow default_left, leaf values as class
// weights of class 0 with the two labels [0, 1], base_values the base
// score's margin, post_transform LOGISTIC. Returns the float [N, 2]
// probability tensor. InvalidArgument for a split on a feature index at or
// above `num_features` or a value outside the float range; FailedPrecondition
// when no leaf value is negative (ONNX Runtime then skips the logistic).
Result<std::string> AddTreeEnsembleClassifier(const nlohmann::json& doc, size_t num_features,
                                              const std::string& features, OnnxGraph& graph);

}  // namespace churnml::onnx_export
