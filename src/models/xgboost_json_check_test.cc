// Damaged and hostile XGBoost model files: each case here crashed, hung or
// exhausted XGBoost 1.7 when it was handed the file directly. The checker
// must refuse each with the JSON path of the bad value, and
// XGBoostModel::Load must return that error instead of calling XGBoost.
#include "models/xgboost_json_check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "models/model_files.h"
#include "models/test_problem.h"
#include "models/xgboost_model.h"

namespace churnml {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class XGBoostJsonCheckTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    XGBoostOptions o;
    o.n_estimators = 10;
    o.max_depth = 3;
    o.threads = 1;
    const testing::Problem p = testing::XorProblem(500, 1);
    auto m = XGBoostModel::Train(p.x, p.y, o);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    dir_ = new std::filesystem::path(testing::FreshDir("xgboost-json-check"));
    ASSERT_TRUE((*m)->Save(*dir_).ok());
    auto text = ReadBoundedFile(*dir_ / "xgboost_model.json");
    ASSERT_TRUE(text.ok());
    model_ = new json(json::parse(*text));
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
    delete model_;
  }

  static json& Tree(json& doc, size_t t) {
    return doc["learner"]["gradient_booster"]["model"]["trees"][t];
  }
  // The first internal node of tree 0 other than the root.
  static size_t InnerNode(const json& doc) {
    const json& left = doc["learner"]["gradient_booster"]["model"]["trees"][0]["left_children"];
    for (size_t i = 1; i < left.size(); ++i) {
      if (left[i].get<int64_t>() != -1) return i;
    }
    ADD_FAILURE() << "tree 0 has no internal node below the root";
    return 0;
  }

  // Checks `doc` and also loads it through XGBoostModel::Load from a copy of
  // the model directory: both must refuse it, naming `expected`.
  void ExpectRefused(const json& doc, const std::string& expected) {
    Result<XGBoostJsonSummary> checked = CheckXGBoostModelJson(doc, "m.json", 3);
    ASSERT_FALSE(checked.ok()) << "accepted: " << expected;
    EXPECT_EQ(checked.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(checked.status().message(), HasSubstr(expected));
    const auto dir = testing::FreshDir("xgboost-json-damaged");
    std::filesystem::copy_file(*dir_ / "hyperparameters.json", dir / "hyperparameters.json");
    std::ofstream(dir / "xgboost_model.json") << doc.dump();
    auto loaded = XGBoostModel::Load(dir);
    ASSERT_FALSE(loaded.ok());
    EXPECT_THAT(loaded.status().message(), HasSubstr("xgboost_model.json"));
    EXPECT_THAT(loaded.status().message(), HasSubstr(expected));
    std::filesystem::remove_all(dir);
  }

  static std::filesystem::path* dir_;
  static json* model_;
};

std::filesystem::path* XGBoostJsonCheckTest::dir_ = nullptr;
json* XGBoostJsonCheckTest::model_ = nullptr;

TEST_F(XGBoostJsonCheckTest, AcceptsWhatChurnmlTrains) {
  auto summary = CheckXGBoostModelJson(*model_, "m.json", 3);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->num_trees, 10u);
  EXPECT_EQ(summary->num_features, 2u);
  EXPECT_LE(summary->depth, 3);
  EXPECT_GT(summary->num_nodes, 10u);
}

TEST_F(XGBoostJsonCheckTest, RefusesChildIndexOutOfRange) {
  json doc = *model_;
  Tree(doc, 0)["left_children"][0] = 2000000;
  ExpectRefused(doc, "trees[0].left_children[0]: 2000000 is not a node index");
}

TEST_F(XGBoostJsonCheckTest, RefusesNegativeChildOfAnInternalNode) {
  json doc = *model_;
  Tree(doc, 0)["right_children"][0] = -7;
  ExpectRefused(doc, "trees[0].right_children[0]: -7 is not a node index");
}

TEST_F(XGBoostJsonCheckTest, RefusesANodeThatPointsAtItself) {
  json doc = *model_;
  const size_t node = InnerNode(doc);
  Tree(doc, 0)["left_children"][node] = node;
  ExpectRefused(doc, "is reached twice");
}

TEST_F(XGBoostJsonCheckTest, RefusesACycleBackToTheRoot) {
  json doc = *model_;
  Tree(doc, 0)["left_children"][0] = 0;
  ExpectRefused(doc, "trees[0].left_children[0]: 0 is not a node index");
}

TEST_F(XGBoostJsonCheckTest, RefusesAHugeDeclaredTreeCount) {
  json doc = *model_;
  doc["learner"]["gradient_booster"]["model"]["gbtree_model_param"]["num_trees"] = "1000000000";
  ExpectRefused(doc, "num_trees: is 1000000000 but the file holds 10 trees");
}

TEST_F(XGBoostJsonCheckTest, RefusesAHugeDeclaredNodeCount) {
  json doc = *model_;
  Tree(doc, 3)["tree_param"]["num_nodes"] = "2000000000";
  ExpectRefused(doc, "trees[3].tree_param.num_nodes: is 2000000000 but the tree has");
}

TEST_F(XGBoostJsonCheckTest, RefusesAnotherObjective) {
  json doc = *model_;
  doc["learner"]["objective"]["name"] = "reg:squarederror";
  ExpectRefused(doc, "\"reg:squarederror\" is not \"binary:logistic\"");
}

TEST_F(XGBoostJsonCheckTest, RefusesAFeatureIndexPastTheFeatureCount) {
  json doc = *model_;
  Tree(doc, 0)["split_indices"][0] = 2;
  ExpectRefused(doc, "trees[0].split_indices[0]: 2 is not a feature index in [0, 2)");
}

TEST_F(XGBoostJsonCheckTest, RefusesASplitConditionOutsideFloatRange) {
  json doc = *model_;
  Tree(doc, 1)["split_conditions"][0] = 1e300;
  ExpectRefused(doc, "trees[1].split_conditions[0]: is outside the range of a float");
}

TEST_F(XGBoostJsonCheckTest, RefusesALeafValueThatIsNotANumber) {
  json doc = *model_;
  json& tree = Tree(doc, 2);
  tree["split_conditions"][tree["split_conditions"].size() - 1] = "NaN";
  ExpectRefused(doc, "expected a finite number");
}

TEST_F(XGBoostJsonCheckTest, RefusesATreeDeeperThanMaxDepth) {
  Result<XGBoostJsonSummary> checked = CheckXGBoostModelJson(*model_, "m.json", 1);
  ASSERT_FALSE(checked.ok());
  EXPECT_THAT(checked.status().message(), HasSubstr("deeper than max_depth 1"));
}

TEST_F(XGBoostJsonCheckTest, RefusesABaseScoreOutsideZeroOne) {
  json doc = *model_;
  doc["learner"]["learner_model_param"]["base_score"] = "5";
  ExpectRefused(doc, "base_score: must be a probability in (0, 1)");
}

TEST_F(XGBoostJsonCheckTest, RefusesParentsThatDisagreeWithChildren) {
  json doc = *model_;
  const size_t node = InnerNode(doc);
  Tree(doc, 0)["parents"][node] = 5;
  ExpectRefused(doc, "trees[0].parents[" + std::to_string(node) + "]: is 5");
}

TEST_F(XGBoostJsonCheckTest, RefusesUnknownKeysAndOtherBoosters) {
  json doc = *model_;
  doc["learner"]["gradient_booster"]["model"]["extra"] = 1;
  ExpectRefused(doc, "unexpected key \"extra\"");
  json dart = *model_;
  dart["learner"]["gradient_booster"]["name"] = "dart";
  ExpectRefused(dart, "is not \"gbtree\"");
}

TEST_F(XGBoostJsonCheckTest, RefusesCategoricalSplits) {
  json doc = *model_;
  Tree(doc, 0)["split_type"][0] = 1;
  ExpectRefused(doc, "only numerical splits");
}

TEST_F(XGBoostJsonCheckTest, RefusesArraysShorterThanTheNodeCount) {
  json doc = *model_;
  Tree(doc, 0)["split_conditions"].erase(0);
  ExpectRefused(doc, "trees[0].split_conditions: has");
}

TEST_F(XGBoostJsonCheckTest, LoadRefusesUbjsonAndBinaryModels) {
  const auto dir = testing::FreshDir("xgboost-ubj");
  std::filesystem::copy_file(*dir_ / "hyperparameters.json", dir / "hyperparameters.json");
  // UBJSON starts "{L" / "{i" … ; the old binary format with raw bytes.
  for (const std::string& bytes : {std::string("{L\x00\x00\x00\x00\x00\x00\x00\x07learner", 17),
                                   std::string("binf\x01\x02", 6)}) {
    std::ofstream(dir / "xgboost_model.json", std::ios::binary | std::ios::trunc) << bytes;
    auto loaded = XGBoostModel::Load(dir);
    ASSERT_FALSE(loaded.ok());
    EXPECT_THAT(loaded.status().message(), HasSubstr("not an XGBoost JSON model"));
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace churnml
