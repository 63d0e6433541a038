#include "models/tree_shap.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string_view>

namespace churnml {

namespace {

using json = nlohmann::json;

// One element of the unique path, as XGBoost's PathElement.
struct PathElement {
  int feature_index;
  float zero_fraction;
  float one_fraction;
  float pweight;
};

// The three path operations below are XGBoost 1.7's (src/tree/tree_model.cc)
// expression for expression: float arithmetic in the same order gives the
// same values.
void ExtendPath(PathElement* unique_path, unsigned unique_depth, float zero_fraction,
                float one_fraction, int feature_index) {
  unique_path[unique_depth].feature_index = feature_index;
  unique_path[unique_depth].zero_fraction = zero_fraction;
  unique_path[unique_depth].one_fraction = one_fraction;
  unique_path[unique_depth].pweight = (unique_depth == 0 ? 1.0f : 0.0f);
  for (int i = static_cast<int>(unique_depth) - 1; i >= 0; i--) {
    unique_path[i + 1].pweight += one_fraction * unique_path[i].pweight *
                                  static_cast<float>(i + 1) / static_cast<float>(unique_depth + 1);
    unique_path[i].pweight = zero_fraction * unique_path[i].pweight *
                             static_cast<float>(unique_depth - static_cast<unsigned>(i)) /
                             static_cast<float>(unique_depth + 1);
  }
}

void UnwindPath(PathElement* unique_path, unsigned unique_depth, unsigned path_index) {
  const float one_fraction = unique_path[path_index].one_fraction;
  const float zero_fraction = unique_path[path_index].zero_fraction;
  float next_one_portion = unique_path[unique_depth].pweight;
  for (int i = static_cast<int>(unique_depth) - 1; i >= 0; --i) {
    if (one_fraction != 0) {
      const float tmp = unique_path[i].pweight;
      unique_path[i].pweight = next_one_portion * static_cast<float>(unique_depth + 1) /
                               static_cast<float>(static_cast<float>(i + 1) * one_fraction);
      next_one_portion = tmp - unique_path[i].pweight * zero_fraction *
                                   static_cast<float>(unique_depth - static_cast<unsigned>(i)) /
                                   static_cast<float>(unique_depth + 1);
    } else {
      unique_path[i].pweight =
          (unique_path[i].pweight * static_cast<float>(unique_depth + 1)) /
          static_cast<float>(zero_fraction *
                             static_cast<float>(unique_depth - static_cast<unsigned>(i)));
    }
  }
  for (auto i = path_index; i < unique_depth; ++i) {
    unique_path[i].feature_index = unique_path[i + 1].feature_index;
    unique_path[i].zero_fraction = unique_path[i + 1].zero_fraction;
    unique_path[i].one_fraction = unique_path[i + 1].one_fraction;
  }
}

float UnwoundPathSum(const PathElement* unique_path, unsigned unique_depth, unsigned path_index) {
  const float one_fraction = unique_path[path_index].one_fraction;
  const float zero_fraction = unique_path[path_index].zero_fraction;
  float next_one_portion = unique_path[unique_depth].pweight;
  float total = 0;
  for (int i = static_cast<int>(unique_depth) - 1; i >= 0; --i) {
    if (one_fraction != 0) {
      const float tmp = next_one_portion * static_cast<float>(unique_depth + 1) /
                        static_cast<float>(static_cast<float>(i + 1) * one_fraction);
      total += tmp;
      next_one_portion = unique_path[i].pweight -
                         tmp * zero_fraction *
                             (static_cast<float>(unique_depth - static_cast<unsigned>(i)) /
                              static_cast<float>(unique_depth + 1));
    } else if (zero_fraction != 0) {
      total += (unique_path[i].pweight / zero_fraction) /
               (static_cast<float>(unique_depth - static_cast<unsigned>(i)) /
                static_cast<float>(unique_depth + 1));
    }
  }
  return total;
}

Status Bad(const std::string& where, const std::string& path, const std::string& what) {
  return InvalidArgumentError(where + ": " + path + ": " + what);
}

Result<float> FloatString(const json& j, const std::string& where, const std::string& path) {
  if (!j.is_string()) return Bad(where, path, "expected a number in a string");
  const std::string& s = j.get_ref<const std::string&>();
  float v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) {
    return Bad(where, path, "expected a finite number, got \"" + s + "\"");
  }
  return v;
}

Result<std::vector<double>> Numbers(const json& j, const std::string& where,
                                    const std::string& path, size_t n) {
  if (!j.is_array() || j.size() != n) {
    return Bad(where, path, "expected an array of " + std::to_string(n) + " numbers");
  }
  std::vector<double> out(n);
  for (size_t i = 0; i < n; ++i) {
    if (!j[i].is_number()) return Bad(where, path + "[" + std::to_string(i) + "]", "not a number");
    out[i] = j[i].get<double>();
    if (!std::isfinite(out[i]) || std::fabs(out[i]) > std::numeric_limits<float>::max()) {
      return Bad(where, path + "[" + std::to_string(i) + "]", "not a finite float");
    }
  }
  return out;
}

}  // namespace

Result<TreeShap> TreeShap::FromJson(const json& doc, const std::string& where) {
  const std::string mparam_path = "learner.learner_model_param";
  if (!doc.is_object() || !doc.contains("learner") || !doc["learner"].is_object() ||
      !doc["learner"].contains("learner_model_param") ||
      !doc["learner"].contains("gradient_booster")) {
    return Bad(where, "learner", "expected learner_model_param and gradient_booster");
  }
  const json& learner = doc["learner"];
  const json& mparam = learner["learner_model_param"];
  if (!mparam.is_object() || !mparam.contains("base_score") || !mparam.contains("num_feature")) {
    return Bad(where, mparam_path, "expected base_score and num_feature");
  }
  TreeShap shap;
  CHURNML_ASSIGN_OR_RETURN(float base_score,
                           FloatString(mparam["base_score"], where, mparam_path + ".base_score"));
  if (!(base_score > 0 && base_score < 1)) {
    return Bad(where, mparam_path + ".base_score", "must be a probability in (0, 1)");
  }
  // XGBoost's RegLossObj<LogisticRegression>::ProbToMargin, in float.
  shap.base_margin_ = -std::log(1.0f / base_score - 1.0f);
  CHURNML_ASSIGN_OR_RETURN(float features,
                           FloatString(mparam["num_feature"], where, mparam_path + ".num_feature"));
  if (!(features >= 1 && features <= 1e6f) || features != std::floor(features)) {
    return Bad(where, mparam_path + ".num_feature", "expected an integer in [1, 1000000]");
  }
  shap.num_features_ = static_cast<size_t>(features);

  const std::string mpath = "learner.gradient_booster.model.trees";
  const json& booster = learner["gradient_booster"];
  if (!booster.is_object() || !booster.contains("model") || !booster["model"].is_object() ||
      !booster["model"].contains("trees") || !booster["model"]["trees"].is_array()) {
    return Bad(where, mpath, "expected an array of trees");
  }
  const json& trees = booster["model"]["trees"];
  shap.trees_.reserve(trees.size());
  for (size_t t = 0; t < trees.size(); ++t) {
    const json& tj = trees[t];
    const std::string path = mpath + "[" + std::to_string(t) + "]";
    for (const char* key : {"left_children", "right_children", "split_indices", "split_conditions",
                            "default_left", "sum_hessian"}) {
      if (!tj.is_object() || !tj.contains(key) || !tj[key].is_array()) {
        return Bad(where, path + "." + key, "expected an array");
      }
    }
    const size_t n = tj["left_children"].size();
    if (n == 0 || n > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
      return Bad(where, path + ".left_children", "expected 1 to 2^31-1 nodes");
    }
    CHURNML_ASSIGN_OR_RETURN(std::vector<double> left,
                             Numbers(tj["left_children"], where, path + ".left_children", n));
    CHURNML_ASSIGN_OR_RETURN(std::vector<double> right,
                             Numbers(tj["right_children"], where, path + ".right_children", n));
    CHURNML_ASSIGN_OR_RETURN(std::vector<double> split,
                             Numbers(tj["split_indices"], where, path + ".split_indices", n));
    CHURNML_ASSIGN_OR_RETURN(std::vector<double> cond,
                             Numbers(tj["split_conditions"], where, path + ".split_conditions", n));
    CHURNML_ASSIGN_OR_RETURN(std::vector<double> dleft,
                             Numbers(tj["default_left"], where, path + ".default_left", n));
    CHURNML_ASSIGN_OR_RETURN(std::vector<double> hess,
                             Numbers(tj["sum_hessian"], where, path + ".sum_hessian", n));
    Tree tree;
    tree.nodes.resize(n);
    // Walk from the root: every child must be in range and reached once
    // (a tree: no cycles, no shared nodes), and no deeper than kMaxDepth.
    std::vector<int> depth(n, -1);
    std::vector<size_t> stack = {0};
    depth[0] = 0;
    size_t reached = 1;
    std::vector<size_t> order;  // parents before children
    order.reserve(n);
    while (!stack.empty()) {
      const size_t i = stack.back();
      stack.pop_back();
      order.push_back(i);
      Node& node = tree.nodes[i];
      node.value = static_cast<float>(cond[i]);
      node.cover = static_cast<float>(hess[i]);
      if (left[i] == -1 && right[i] == -1) continue;
      const std::string at = path + " node " + std::to_string(i);
      if (split[i] < 0 || split[i] >= static_cast<double>(shap.num_features_) ||
          split[i] != std::floor(split[i])) {
        return Bad(where, at, "split index is not a feature below num_feature");
      }
      if (dleft[i] != 0 && dleft[i] != 1) return Bad(where, at, "default_left must be 0 or 1");
      for (double child : {left[i], right[i]}) {
        if (child < 1 || child >= static_cast<double>(n) || child != std::floor(child)) {
          return Bad(where, at, "child is not a node index in [1, " + std::to_string(n) + ")");
        }
        const auto c = static_cast<size_t>(child);
        if (depth[c] != -1) return Bad(where, at, "a child is reached twice (not a tree)");
        depth[c] = depth[i] + 1;
        if (depth[c] > kMaxDepth) {
          return Bad(where, at, "deeper than " + std::to_string(kMaxDepth));
        }
        shap.max_depth_ = std::max(shap.max_depth_, depth[c]);
        ++reached;
        stack.push_back(c);
      }
      node.left = static_cast<int32_t>(left[i]);
      node.right = static_cast<int32_t>(right[i]);
      node.feature = static_cast<int32_t>(split[i]);
      node.default_child = dleft[i] == 1 ? node.left : node.right;
      tree.features.push_back(node.feature);
    }
    if (reached != n) return Bad(where, path, "some nodes are not reachable from the root");
    std::sort(tree.features.begin(), tree.features.end());
    tree.features.erase(std::unique(tree.features.begin(), tree.features.end()),
                        tree.features.end());
    // XGBoost's FillNodeMeanValues, children before parents (reverse of a
    // pre-order walk), in float.
    tree.mean_values.assign(n, 0.0f);
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      const Node& node = tree.nodes[*it];
      float result;
      if (node.left == -1) {
        result = node.value;
      } else {
        result = tree.mean_values[static_cast<size_t>(node.left)] *
                 tree.nodes[static_cast<size_t>(node.left)].cover;
        result += tree.mean_values[static_cast<size_t>(node.right)] *
                  tree.nodes[static_cast<size_t>(node.right)].cover;
        result /= node.cover;
      }
      tree.mean_values[*it] = result;
    }
    shap.trees_.push_back(std::move(tree));
  }
  return shap;
}

namespace {

struct Walk {
  const float* row;
  const uint8_t* missing;
  float* phi;
};

// XGBoost's RegTree::TreeShap with condition 0 (no conditioning).
void Recurse(const std::vector<TreeShap::Node>& nodes, const Walk& w, int32_t node_index,
             unsigned unique_depth, PathElement* parent_unique_path, float parent_zero_fraction,
             float parent_one_fraction, int parent_feature_index) {
  const TreeShap::Node& node = nodes[static_cast<size_t>(node_index)];
  PathElement* unique_path = parent_unique_path + unique_depth + 1;
  std::copy(parent_unique_path, parent_unique_path + unique_depth + 1, unique_path);
  ExtendPath(unique_path, unique_depth, parent_zero_fraction, parent_one_fraction,
             parent_feature_index);
  if (node.left == -1) {
    for (unsigned i = 1; i <= unique_depth; ++i) {
      const float weight = UnwoundPathSum(unique_path, unique_depth, i);
      const PathElement& el = unique_path[i];
      // condition_fraction is 1 without conditioning.
      w.phi[el.feature_index] += weight * (el.one_fraction - el.zero_fraction) * node.value * 1.0f;
    }
    return;
  }
  const auto split_index = static_cast<unsigned>(node.feature);
  int32_t hot_index;
  if (w.missing[split_index] != 0) {
    hot_index = node.default_child;
  } else if (w.row[split_index] < node.value) {
    hot_index = node.left;
  } else {
    hot_index = node.right;
  }
  const int32_t cold_index = hot_index == node.left ? node.right : node.left;
  const float cover = node.cover;
  const float hot_zero_fraction = nodes[static_cast<size_t>(hot_index)].cover / cover;
  const float cold_zero_fraction = nodes[static_cast<size_t>(cold_index)].cover / cover;
  float incoming_zero_fraction = 1;
  float incoming_one_fraction = 1;
  unsigned path_index = 0;
  for (; path_index <= unique_depth; ++path_index) {
    if (static_cast<unsigned>(unique_path[path_index].feature_index) == split_index) break;
  }
  if (path_index != unique_depth + 1) {
    incoming_zero_fraction = unique_path[path_index].zero_fraction;
    incoming_one_fraction = unique_path[path_index].one_fraction;
    UnwindPath(unique_path, unique_depth, path_index);
    unique_depth -= 1;
  }
  Recurse(nodes, w, hot_index, unique_depth + 1, unique_path,
          hot_zero_fraction * incoming_zero_fraction, incoming_one_fraction, node.feature);
  Recurse(nodes, w, cold_index, unique_depth + 1, unique_path,
          cold_zero_fraction * incoming_zero_fraction, 0, node.feature);
}

}  // namespace

Status TreeShap::Contributions(const FeatureMatrix& x, std::span<double> out) const {
  const size_t cols = num_features_;
  if (x.cols() != cols) {
    return InvalidArgumentError("tree shap: the model has " + std::to_string(cols) +
                                " features, the rows have " + std::to_string(x.cols()));
  }
  if (out.size() != x.rows() * (cols + 1)) {
    return InvalidArgumentError("tree shap: " + std::to_string(x.rows()) + " rows need " +
                                std::to_string(x.rows() * (cols + 1)) + " values, got " +
                                std::to_string(out.size()));
  }
  // Per-thread buffers, grown to the largest model seen by this thread.
  thread_local std::vector<float> row;
  thread_local std::vector<uint8_t> missing;
  thread_local std::vector<float> total;
  thread_local std::vector<float> tree_phi;
  thread_local std::vector<PathElement> path;
  row.resize(cols);
  missing.resize(cols);
  total.resize(cols + 1);
  tree_phi.assign(cols + 1, 0.0f);
  const size_t maxd = static_cast<size_t>(max_depth_) + 2;
  path.resize(maxd * (maxd + 1) / 2);
  for (size_t r = 0; r < x.rows(); ++r) {
    const std::span<const double> in = x.row(r);
    for (size_t j = 0; j < cols; ++j) {
      missing[j] = std::isnan(in[j]) ? 1 : 0;
      row[j] = static_cast<float>(in[j]);
    }
    std::fill(total.begin(), total.end(), 0.0f);
    for (const Tree& tree : trees_) {
      // CalculateContributions: the tree's mean value into the bias, then
      // the path walk; the tree's values are added to the row's after.
      tree_phi[cols] += tree.mean_values[0];
      Recurse(tree.nodes, Walk{row.data(), missing.data(), tree_phi.data()}, 0, 0, path.data(), 1,
              1, -1);
      for (int32_t f : tree.features) {
        total[static_cast<size_t>(f)] += tree_phi[static_cast<size_t>(f)];
        tree_phi[static_cast<size_t>(f)] = 0.0f;
      }
      total[cols] += tree_phi[cols];
      tree_phi[cols] = 0.0f;
    }
    total[cols] += base_margin_;
    double* dst = out.data() + r * (cols + 1);
    for (size_t j = 0; j <= cols; ++j) dst[j] = static_cast<double>(total[j]);
  }
  return Status::Ok();
}

}  // namespace churnml
