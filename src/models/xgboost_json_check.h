// Structural validation of an XGBoost 1.7 JSON model before XGBoost sees it.
//
// XGBoost trusts its model file: a child index out of range crashes its
// predictor, a node that points at itself makes it loop forever, and a
// declared tree count ("num_trees": "1000000000") is allocated before
// anything is checked. This checker accepts exactly the shape churnml trains
// (gbtree, binary:logistic, numerical splits, one tree per round) and checks
// every value the predictor will use; anything else is refused with the
// JSON path of the first bad value.
#pragma once

#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "common/status.h"

namespace churnml {

struct XGBoostJsonSummary {
  size_t num_features = 0;
  size_t num_trees = 0;
  size_t num_nodes = 0;  // over all trees
  int depth = 0;         // deepest leaf (root = 0)
};

// Checks `doc` (the parsed xgboost_model.json). `max_depth` bounds every
// tree's depth (the model's max_depth hyperparameter, at most 64).
// InvalidArgument `<where>: <json path>: <what>` on the first problem:
//  - keys: exactly those XGBoost 1.7 writes for churnml's models; an
//    unknown or missing key is refused;
//  - learner: objective "binary:logistic", booster "gbtree", num_class 0,
//    num_target 1, base_score a finite number in (0, 1), no attributes,
//    feature names or types, scale_pos_weight finite and positive;
//  - trees: num_trees equals the number of trees and of tree_info entries
//    (so no count is trusted before the data it describes was parsed),
//    num_parallel_tree 1, tree_info all 0, ids 0..n-1 in order;
//  - each tree: num_nodes equals every per-node array's length, no deleted
//    nodes, no categorical splits; node 0 is the root, every internal node
//    has two children in range that no other node claims (so the nodes form
//    one tree: acyclic, every node reachable), parents agree, depth at most
//    `max_depth`, split features below num_feature, split conditions, leaf
//    values, weights, gains and hessians finite.
Result<XGBoostJsonSummary> CheckXGBoostModelJson(const nlohmann::json& doc,
                                                 const std::string& where, int max_depth);

}  // namespace churnml
