// Exact path-dependent TreeSHAP (Lundberg et al. 2018, Algorithm 2) over an
// XGBoost 1.7 gbtree model, built once from its JSON model document.
//
// It reproduces XGBoost's own CalculateContributions (prediction type 2):
// the same float arithmetic in the same order (node mean values, path
// extension and unwinding, per-tree accumulation, the base score's margin
// added to the bias last), so the values equal XGBoost's. What XGBoost
// redoes on every call (node mean values, tree depths, a DMatrix of the
// rows, the path buffers) is done here once at build time or kept in
// per-thread buffers. Const after FromJson: concurrent Contributions calls
// are safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "features/feature_matrix.h"

namespace churnml {

class TreeShap {
 public:
  // Deepest tree accepted (XGBoost's max_depth bound in churnml).
  static constexpr int kMaxDepth = 64;

  // From an XGBoost JSON model document that CheckXGBoostModelJson
  // accepted. The structure is checked again here (children in range, every
  // node reached once from the root, depth at most kMaxDepth, split features
  // below num_feature) so a document that skipped the checker cannot make
  // the recursion escape its buffers. InvalidArgument `<where>: <json path>: <what>`.
  static Result<TreeShap> FromJson(const nlohmann::json& doc, const std::string& where);

  size_t num_features() const { return num_features_; }

  // Writes x.rows() x (num_features() + 1) values into `out`, row-major,
  // the bias (base score margin + every tree's mean value) last.
  // InvalidArgument when x.cols() != num_features() or out has another size.
  Status Contributions(const FeatureMatrix& x, std::span<double> out) const;

  // One tree node as the walk reads it.
  struct Node {
    int32_t left = -1;  // -1 for a leaf
    int32_t right = -1;
    int32_t feature = 0;
    int32_t default_child = -1;
    float value = 0;  // split condition, or the leaf value
    float cover = 0;  // sum_hessian
  };

 private:
  struct Tree {
    std::vector<Node> nodes;
    std::vector<float> mean_values;  // XGBoost's FillNodeMeanValues
    std::vector<int32_t> features;   // distinct split features
  };

  size_t num_features_ = 0;
  int max_depth_ = 0;
  float base_margin_ = 0;
  std::vector<Tree> trees_;
};

}  // namespace churnml
