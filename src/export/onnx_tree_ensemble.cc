// TreeEnsembleClassifier from XGBoost 1.7's JSON model (see onnx_parts.h).
//
// The JSON layout (learner.gradient_booster.model.trees[t]): per-node arrays
// left_children / right_children (-1 at a leaf), split_indices,
// split_conditions (the threshold, or the leaf value at a leaf) and
// default_left. XGBoost compares the float feature with the float threshold:
// `x < split_condition` goes left. The classifier gets the same float features
// (onnx_preprocessor.cc) and the same float thresholds, so every row takes
// the same path through every tree.
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "export/onnx_parts.h"

namespace churnml::onnx_export {

namespace {

Result<float> ToFloat(const nlohmann::json& v, const std::string& where) {
  if (!v.is_number()) return InvalidArgumentError(where + " is not a number");
  const double d = v.get<double>();
  if (!std::isfinite(d) || std::fabs(d) > std::numeric_limits<float>::max()) {
    return InvalidArgumentError(where + " is outside the float32 range");
  }
  return static_cast<float>(d);
}

// XGBoost stores base_score as text ("5E-1"); binary:logistic turns it into
// a margin in float: -log(1 / base_score - 1) (ProbToMargin).
Result<float> BaseMargin(const nlohmann::json& learner) {
  const nlohmann::json& text = learner["learner_model_param"]["base_score"];
  if (!text.is_string()) return InvalidArgumentError("base_score is not a string");
  char* end = nullptr;
  const std::string s = text.get<std::string>();
  const float base_score = std::strtof(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0' || !(base_score > 0.0f && base_score < 1.0f)) {
    return InvalidArgumentError("base_score \"" + s + "\" is not a probability");
  }
  return -std::log(1.0f / base_score - 1.0f);
}

struct TreeAttributes {
  std::vector<int64_t> treeids, nodeids, featureids, truenodeids, falsenodeids, missing_true;
  std::vector<std::string> modes;
  std::vector<float> values;
  std::vector<int64_t> class_treeids, class_nodeids, class_ids;
  std::vector<float> class_weights;
};

Status AddTree(const nlohmann::json& tree, int64_t t, size_t num_features, TreeAttributes* a) {
  const std::string where = "tree " + std::to_string(t);
  const nlohmann::json& left = tree["left_children"];
  const nlohmann::json& right = tree["right_children"];
  const nlohmann::json& split = tree["split_indices"];
  const nlohmann::json& cond = tree["split_conditions"];
  const nlohmann::json& default_left = tree["default_left"];
  const size_t n = left.size();
  if (right.size() != n || split.size() != n || cond.size() != n || default_left.size() != n) {
    return InvalidArgumentError(where + ": node arrays of different lengths");
  }
  for (size_t i = 0; i < n; ++i) {
    const std::string node = where + ", node " + std::to_string(i);
    const int64_t l = left[i].get<int64_t>();
    a->treeids.push_back(t);
    a->nodeids.push_back(static_cast<int64_t>(i));
    CHURNML_ASSIGN_OR_RETURN(float value, ToFloat(cond[i], node + ": split condition"));
    if (l < 0) {
      a->featureids.push_back(0);
      a->modes.emplace_back("LEAF");
      a->values.push_back(0.0f);
      a->truenodeids.push_back(0);
      a->falsenodeids.push_back(0);
      a->missing_true.push_back(0);
      a->class_treeids.push_back(t);
      a->class_nodeids.push_back(static_cast<int64_t>(i));
      a->class_ids.push_back(0);
      a->class_weights.push_back(value);
      continue;
    }
    const int64_t feature = split[i].get<int64_t>();
    if (feature < 0 || static_cast<size_t>(feature) >= num_features) {
      return InvalidArgumentError(node + ": split on feature " + std::to_string(feature) + " of " +
                                  std::to_string(num_features));
    }
    a->featureids.push_back(feature);
    a->modes.emplace_back("BRANCH_LT");
    a->values.push_back(value);
    a->truenodeids.push_back(l);
    a->falsenodeids.push_back(right[i].get<int64_t>());
    const nlohmann::json& d = default_left[i];
    a->missing_true.push_back((d.is_boolean() ? d.get<bool>() : d.get<int64_t>() != 0) ? 1 : 0);
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> AddTreeEnsembleClassifier(const nlohmann::json& doc, size_t num_features,
                                              const std::string& features, OnnxGraph& graph) {
  const nlohmann::json& learner = doc["learner"];
  CHURNML_ASSIGN_OR_RETURN(float base_margin, BaseMargin(learner));
  const nlohmann::json& trees = learner["gradient_booster"]["model"]["trees"];
  if (!trees.is_array() || trees.empty()) {
    return InvalidArgumentError("the XGBoost model has no trees");
  }
  TreeAttributes a;
  for (size_t t = 0; t < trees.size(); ++t) {
    CHURNML_RETURN_IF_ERROR(AddTree(trees[t], static_cast<int64_t>(t), num_features, &a));
  }
  // ONNX Runtime reads a binary ensemble whose leaf values are all
  // non-negative as probabilities (it writes [1 - s, s] without the logistic
  // transform), not as margins; XGBoost's leaves are margins of either sign.
  bool any_negative = false;
  for (float w : a.class_weights) any_negative |= w < 0.0f;
  if (!any_negative) {
    return FailedPreconditionError(
        "cannot export to ONNX: an XGBoost model whose leaf values are all non-negative (ONNX "
        "Runtime's TreeEnsembleClassifier reads such an ensemble as probabilities, not margins)");
  }
  const std::string probabilities = std::string(kInternalPrefix) + "probabilities";
  graph.AddNode("TreeEnsembleClassifier", kMlDomain, {features},
                {std::string(kInternalPrefix) + "classifier.label", probabilities},
                {Attribute::Floats("base_values", {base_margin}),
                 Attribute::Ints("class_ids", std::move(a.class_ids)),
                 Attribute::Ints("class_nodeids", std::move(a.class_nodeids)),
                 Attribute::Ints("class_treeids", std::move(a.class_treeids)),
                 Attribute::Floats("class_weights", std::move(a.class_weights)),
                 Attribute::Ints("classlabels_int64s", {0, 1}),
                 Attribute::Ints("nodes_falsenodeids", std::move(a.falsenodeids)),
                 Attribute::Ints("nodes_featureids", std::move(a.featureids)),
                 Attribute::Ints("nodes_missing_value_tracks_true", std::move(a.missing_true)),
                 Attribute::Strings("nodes_modes", std::move(a.modes)),
                 Attribute::Ints("nodes_nodeids", std::move(a.nodeids)),
                 Attribute::Ints("nodes_treeids", std::move(a.treeids)),
                 Attribute::Ints("nodes_truenodeids", std::move(a.truenodeids)),
                 Attribute::Floats("nodes_values", std::move(a.values)),
                 Attribute::String("post_transform", "LOGISTIC")});
  return probabilities;
}

}  // namespace churnml::onnx_export
