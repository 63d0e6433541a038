#include "models/xgboost_json_check.h"

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "common/strings.h"

namespace churnml {

namespace {

using nlohmann::json;

// XGBoost writes the root's parent as kInvalidNodeId (-1) masked to 31 bits.
constexpr int64_t kRootParent = 2147483647;
// Upper bound on num_feature: far above any one-hot encoded schema.
constexpr int64_t kMaxFeatures = 1 << 20;

class Checker {
 public:
  explicit Checker(std::string where) : where_(std::move(where)) {}

  Status Error(const std::string& path, const std::string& what) const {
    return InvalidArgumentError(where_ + ": " + path + ": " + what);
  }

  // `j` is an object with exactly `keys`.
  Status ExactKeys(const json& j, const std::string& path,
                   std::initializer_list<std::string_view> keys) const {
    if (!j.is_object()) return Error(path, "expected an object");
    for (std::string_view key : keys) {
      if (!j.contains(key)) return Error(path, "missing key \"" + std::string(key) + "\"");
    }
    if (j.size() != keys.size()) {
      for (const auto& [key, value] : j.items()) {
        bool known = false;
        for (std::string_view k : keys) known = known || key == k;
        if (!known) return Error(path, "unexpected key \"" + key + "\"");
      }
    }
    return Status::Ok();
  }

  // XGBoost writes scalar parameters as strings: "100", "5E-1".
  Result<int64_t> IntString(const json& j, const std::string& path) const {
    if (!j.is_string()) return Error(path, "expected an integer in a string");
    std::optional<int64_t> v = ParseInt(j.get_ref<const std::string&>());
    if (!v) return Error(path, "\"" + j.get<std::string>() + "\" is not an integer");
    return *v;
  }

  Result<double> NumberString(const json& j, const std::string& path) const {
    if (!j.is_string()) return Error(path, "expected a number in a string");
    std::optional<double> v = ParseDouble(j.get_ref<const std::string&>());
    if (!v) return Error(path, "\"" + j.get<std::string>() + "\" is not a finite number");
    return *v;
  }

  Status IntStringEquals(const json& j, const std::string& path, int64_t expected) const {
    CHURNML_ASSIGN_OR_RETURN(int64_t v, IntString(j, path));
    if (v != expected) {
      return Error(path,
                   "is " + std::to_string(v) + ", churnml models have " + std::to_string(expected));
    }
    return Status::Ok();
  }

  Status EmptyArray(const json& j, const std::string& path) const {
    if (!j.is_array()) return Error(path, "expected an array");
    if (!j.empty()) return Error(path, "must be empty (churnml models have none)");
    return Status::Ok();
  }

  // An array of exactly `n` integers, copied out.
  Result<std::vector<int64_t>> Ints(const json& j, const std::string& path, size_t n) const {
    if (!j.is_array()) return Error(path, "expected an array");
    if (j.size() != n) {
      return Error(
          path, "has " + std::to_string(j.size()) + " entries, num_nodes is " + std::to_string(n));
    }
    std::vector<int64_t> out;
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      const json& v = j[i];
      if (!v.is_number_integer()) {
        return Error(path + "[" + std::to_string(i) + "]", "expected an integer");
      }
      out.push_back(v.is_number_unsigned() && v.get<uint64_t>() > INT64_MAX ? INT64_MAX
                                                                            : v.get<int64_t>());
    }
    return out;
  }

  // An array of exactly `n` finite numbers.
  Result<std::vector<double>> Finite(const json& j, const std::string& path, size_t n) const {
    if (!j.is_array()) return Error(path, "expected an array");
    if (j.size() != n) {
      return Error(
          path, "has " + std::to_string(j.size()) + " entries, num_nodes is " + std::to_string(n));
    }
    std::vector<double> out;
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      const json& v = j[i];
      if (!v.is_number() || !std::isfinite(v.get<double>())) {
        return Error(path + "[" + std::to_string(i) + "]", "expected a finite number");
      }
      // XGBoost keeps these as float: a double beyond float's range would
      // become infinity inside XGBoost.
      if (std::fabs(v.get<double>()) > 3.4e38) {
        return Error(path + "[" + std::to_string(i) + "]", "is outside the range of a float");
      }
      out.push_back(v.get<double>());
    }
    return out;
  }

  Result<int> CheckTree(const json& tree, const std::string& path, size_t index,
                        int64_t num_feature, int max_depth) const;

 private:
  std::string where_;
};

Result<int> Checker::CheckTree(const json& tree, const std::string& path, size_t index,
                               int64_t num_feature, int max_depth) const {
  CHURNML_RETURN_IF_ERROR(ExactKeys(
      tree, path,
      {"base_weights", "categories", "categories_nodes", "categories_segments", "categories_sizes",
       "default_left", "id", "left_children", "loss_changes", "parents", "right_children",
       "split_conditions", "split_indices", "split_type", "sum_hessian", "tree_param"}));
  if (!tree["id"].is_number_integer() || tree["id"].get<int64_t>() != static_cast<int64_t>(index)) {
    return Error(path + ".id", "expected " + std::to_string(index) + " (trees in order)");
  }
  const json& param = tree["tree_param"];
  CHURNML_RETURN_IF_ERROR(
      ExactKeys(param, path + ".tree_param",
                {"num_deleted", "num_feature", "num_nodes", "size_leaf_vector"}));
  CHURNML_RETURN_IF_ERROR(
      IntStringEquals(param["num_deleted"], path + ".tree_param.num_deleted", 0));
  CHURNML_RETURN_IF_ERROR(
      IntStringEquals(param["size_leaf_vector"], path + ".tree_param.size_leaf_vector", 0));
  CHURNML_RETURN_IF_ERROR(
      IntStringEquals(param["num_feature"], path + ".tree_param.num_feature", num_feature));
  CHURNML_ASSIGN_OR_RETURN(int64_t declared,
                           IntString(param["num_nodes"], path + ".tree_param.num_nodes"));
  // The arrays were parsed already: their length, not the declared count,
  // bounds every allocation below.
  const json& lefts_json = tree["left_children"];
  if (!lefts_json.is_array()) return Error(path + ".left_children", "expected an array");
  const size_t n = lefts_json.size();
  if (n == 0) return Error(path + ".left_children", "a tree needs at least one node");
  if (declared != static_cast<int64_t>(n)) {
    return Error(
        path + ".tree_param.num_nodes",
        "is " + std::to_string(declared) + " but the tree has " + std::to_string(n) + " nodes");
  }
  for (const char* key :
       {"categories", "categories_nodes", "categories_segments", "categories_sizes"}) {
    CHURNML_RETURN_IF_ERROR(EmptyArray(tree[key], path + "." + key));
  }
  CHURNML_ASSIGN_OR_RETURN(std::vector<int64_t> left, Ints(lefts_json, path + ".left_children", n));
  CHURNML_ASSIGN_OR_RETURN(std::vector<int64_t> right,
                           Ints(tree["right_children"], path + ".right_children", n));
  CHURNML_ASSIGN_OR_RETURN(std::vector<int64_t> parents,
                           Ints(tree["parents"], path + ".parents", n));
  CHURNML_ASSIGN_OR_RETURN(std::vector<int64_t> split_index,
                           Ints(tree["split_indices"], path + ".split_indices", n));
  CHURNML_ASSIGN_OR_RETURN(std::vector<int64_t> split_type,
                           Ints(tree["split_type"], path + ".split_type", n));
  CHURNML_ASSIGN_OR_RETURN(std::vector<int64_t> default_left,
                           Ints(tree["default_left"], path + ".default_left", n));
  for (const char* key : {"split_conditions", "base_weights", "loss_changes", "sum_hessian"}) {
    CHURNML_RETURN_IF_ERROR(Finite(tree[key], path + "." + key, n).status());
  }
  auto at = [&](const char* array, size_t i) {
    return path + "." + array + "[" + std::to_string(i) + "]";
  };
  for (size_t i = 0; i < n; ++i) {
    if (split_type[i] != 0)
      return Error(at("split_type", i), "only numerical splits (0) are supported");
    if (default_left[i] != 0 && default_left[i] != 1)
      return Error(at("default_left", i), "expected 0 or 1");
    if (split_index[i] < 0 || split_index[i] >= num_feature) {
      return Error(at("split_indices", i), std::to_string(split_index[i]) +
                                               " is not a feature index in [0, " +
                                               std::to_string(num_feature) + ")");
    }
  }
  if (parents[0] != kRootParent) {
    return Error(at("parents", 0), "the root's parent must be " + std::to_string(kRootParent));
  }
  // Walk from the root: every child must be a node not seen before, which
  // rules out cycles, self-loops and shared subtrees in one pass.
  std::vector<int> depth(n, -1);
  std::vector<size_t> stack = {0};
  depth[0] = 0;
  size_t reached = 1;
  int deepest = 0;
  while (!stack.empty()) {
    const size_t node = stack.back();
    stack.pop_back();
    const bool leaf = left[node] == -1;
    if (leaf) {
      if (right[node] != -1) {
        return Error(at("right_children", node), "a leaf (left child -1) must have right child -1");
      }
      continue;
    }
    for (const auto& [name, child] :
         {std::pair{"left_children", left[node]}, std::pair{"right_children", right[node]}}) {
      if (child < 1 || child >= static_cast<int64_t>(n)) {
        return Error(at(name, node), std::to_string(child) + " is not a node index in [1, " +
                                         std::to_string(n) + ")");
      }
      const size_t c = static_cast<size_t>(child);
      if (depth[c] != -1) {
        return Error(at(name, node), "node " + std::to_string(c) +
                                         " is reached twice (the nodes do not form a tree)");
      }
      if (parents[c] != static_cast<int64_t>(node)) {
        return Error(at("parents", c), "is " + std::to_string(parents[c]) + ", node " +
                                           std::to_string(node) + " has it as a child");
      }
      depth[c] = depth[node] + 1;
      if (depth[c] > max_depth) {
        return Error(at(name, node),
                     "the tree is deeper than max_depth " + std::to_string(max_depth));
      }
      if (depth[c] > deepest) deepest = depth[c];
      ++reached;
      stack.push_back(c);
    }
  }
  if (reached != n) {
    return Error(path, std::to_string(n - reached) + " of its " + std::to_string(n) +
                           " nodes are not reachable from the root");
  }
  return deepest;
}

}  // namespace

Result<XGBoostJsonSummary> CheckXGBoostModelJson(const json& doc, const std::string& where,
                                                 int max_depth) {
  Checker c(where);
  CHURNML_RETURN_IF_ERROR(c.ExactKeys(doc, "(top level)", {"learner", "version"}));
  const json& version = doc["version"];
  if (!version.is_array() || version.size() != 3 || !version[0].is_number_integer() ||
      !version[1].is_number_integer() || !version[2].is_number_integer() ||
      version[0].get<int64_t>() != 1) {
    return c.Error("version", "expected [1, minor, patch] (an XGBoost 1.x model)");
  }
  const json& learner = doc["learner"];
  CHURNML_RETURN_IF_ERROR(c.ExactKeys(learner, "learner",
                                      {"attributes", "feature_names", "feature_types",
                                       "gradient_booster", "learner_model_param", "objective"}));
  if (!learner["attributes"].is_object() || !learner["attributes"].empty()) {
    return c.Error("learner.attributes", "must be an empty object (churnml models have none)");
  }
  CHURNML_RETURN_IF_ERROR(c.EmptyArray(learner["feature_names"], "learner.feature_names"));
  CHURNML_RETURN_IF_ERROR(c.EmptyArray(learner["feature_types"], "learner.feature_types"));

  const json& objective = learner["objective"];
  CHURNML_RETURN_IF_ERROR(c.ExactKeys(objective, "learner.objective", {"name", "reg_loss_param"}));
  if (objective["name"] != "binary:logistic") {
    return c.Error("learner.objective.name",
                   objective["name"].dump() +
                       " is not \"binary:logistic\", the objective churnml "
                       "trains (other objectives do not give probabilities)");
  }
  CHURNML_RETURN_IF_ERROR(c.ExactKeys(objective["reg_loss_param"],
                                      "learner.objective.reg_loss_param", {"scale_pos_weight"}));
  CHURNML_ASSIGN_OR_RETURN(double scale_pos_weight,
                           c.NumberString(objective["reg_loss_param"]["scale_pos_weight"],
                                          "learner.objective.reg_loss_param.scale_pos_weight"));
  if (!(scale_pos_weight > 0)) {
    return c.Error("learner.objective.reg_loss_param.scale_pos_weight", "must be positive");
  }

  const json& mparam = learner["learner_model_param"];
  CHURNML_RETURN_IF_ERROR(
      c.ExactKeys(mparam, "learner.learner_model_param",
                  {"base_score", "boost_from_average", "num_class", "num_feature", "num_target"}));
  CHURNML_ASSIGN_OR_RETURN(
      double base_score,
      c.NumberString(mparam["base_score"], "learner.learner_model_param.base_score"));
  if (!(base_score > 0 && base_score < 1)) {
    return c.Error("learner.learner_model_param.base_score",
                   "must be a probability in (0, 1) for binary:logistic");
  }
  CHURNML_ASSIGN_OR_RETURN(
      int64_t boost_from_average,
      c.IntString(mparam["boost_from_average"], "learner.learner_model_param.boost_from_average"));
  if (boost_from_average != 0 && boost_from_average != 1) {
    return c.Error("learner.learner_model_param.boost_from_average", "expected 0 or 1");
  }
  CHURNML_RETURN_IF_ERROR(
      c.IntStringEquals(mparam["num_class"], "learner.learner_model_param.num_class", 0));
  CHURNML_RETURN_IF_ERROR(
      c.IntStringEquals(mparam["num_target"], "learner.learner_model_param.num_target", 1));
  CHURNML_ASSIGN_OR_RETURN(
      int64_t num_feature,
      c.IntString(mparam["num_feature"], "learner.learner_model_param.num_feature"));
  if (num_feature < 1 || num_feature > kMaxFeatures) {
    return c.Error("learner.learner_model_param.num_feature",
                   "must be in [1, " + std::to_string(kMaxFeatures) + "]");
  }

  const json& booster = learner["gradient_booster"];
  CHURNML_RETURN_IF_ERROR(c.ExactKeys(booster, "learner.gradient_booster", {"model", "name"}));
  if (booster["name"] != "gbtree") {
    return c.Error("learner.gradient_booster.name",
                   booster["name"].dump() + " is not \"gbtree\", the booster churnml trains");
  }
  const json& model = booster["model"];
  const std::string mpath = "learner.gradient_booster.model";
  CHURNML_RETURN_IF_ERROR(c.ExactKeys(model, mpath, {"gbtree_model_param", "tree_info", "trees"}));
  CHURNML_RETURN_IF_ERROR(c.ExactKeys(model["gbtree_model_param"], mpath + ".gbtree_model_param",
                                      {"num_parallel_tree", "num_trees", "size_leaf_vector"}));
  CHURNML_RETURN_IF_ERROR(c.IntStringEquals(model["gbtree_model_param"]["size_leaf_vector"],
                                            mpath + ".gbtree_model_param.size_leaf_vector", 0));
  CHURNML_RETURN_IF_ERROR(c.IntStringEquals(model["gbtree_model_param"]["num_parallel_tree"],
                                            mpath + ".gbtree_model_param.num_parallel_tree", 1));
  const json& trees = model["trees"];
  if (!trees.is_array()) return c.Error(mpath + ".trees", "expected an array");
  if (trees.empty()) return c.Error(mpath + ".trees", "a model needs at least one tree");
  CHURNML_ASSIGN_OR_RETURN(int64_t num_trees, c.IntString(model["gbtree_model_param"]["num_trees"],
                                                          mpath + ".gbtree_model_param.num_trees"));
  if (num_trees != static_cast<int64_t>(trees.size())) {
    return c.Error(mpath + ".gbtree_model_param.num_trees",
                   "is " + std::to_string(num_trees) + " but the file holds " +
                       std::to_string(trees.size()) + " trees");
  }
  const json& tree_info = model["tree_info"];
  if (!tree_info.is_array() || tree_info.size() != trees.size()) {
    return c.Error(mpath + ".tree_info", "expected one entry per tree");
  }
  for (size_t i = 0; i < tree_info.size(); ++i) {
    if (!tree_info[i].is_number_integer() || tree_info[i].get<int64_t>() != 0) {
      return c.Error(mpath + ".tree_info[" + std::to_string(i) + "]",
                     "expected 0 (one output group)");
    }
  }
  XGBoostJsonSummary summary;
  summary.num_features = static_cast<size_t>(num_feature);
  summary.num_trees = trees.size();
  for (size_t t = 0; t < trees.size(); ++t) {
    CHURNML_ASSIGN_OR_RETURN(int depth,
                             c.CheckTree(trees[t], mpath + ".trees[" + std::to_string(t) + "]", t,
                                         num_feature, max_depth));
    summary.num_nodes += trees[t]["left_children"].size();
    if (depth > summary.depth) summary.depth = depth;
  }
  return summary;
}

}  // namespace churnml
