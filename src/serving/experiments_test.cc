#include "serving/experiments.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "serving/experiments_routes.h"
#include "serving/route_test_support.h"

namespace churnml::serving {
namespace {

class ExperimentsTest : public testing::RouteGroupTest {
 protected:
  void SetUp() override {
    RouteGroupTest::SetUp();
    variant_slot_.Swap(model_);
    Result<std::unique_ptr<Shadow>> shadow =
        Shadow::Create({}, nullptr, reliability::CircuitBreakerConfig{});
    ASSERT_TRUE(shadow.ok()) << shadow.status().ToString();
    shadow_ = std::move(*shadow);
    std::vector<ExperimentLane> lanes{
        {"primary", "churn@champion", 90, &slot_, nullptr},
        {"challenger", "churn@challenger", 10, &variant_slot_, nullptr}};
    Result<std::unique_ptr<Experiments>> created = Experiments::Create(
        std::move(lanes), shadow_.get(), [this](const std::string& ref) { return Factory(ref); });
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    experiments_ = std::move(*created);
  }

  Result<std::shared_ptr<ShadowModel>> Factory(const std::string& ref) {
    if (ref == "churn@broken") return NotFoundError("no alias broken");
    auto m = std::make_shared<ShadowModel>();
    m->ref = ref;
    m->slot.Swap(model_);
    m->scorer = std::make_unique<Scorer>(
        ScorerOptions{.model_deadline = std::chrono::microseconds(0), .fallback = false},
        ScorerDeps{.slot = &m->slot, .metrics = metrics_, .model_breaker = shadow_->breaker()});
    return m;
  }

  // Share of 20,000 customer ids the split sends to lane 1.
  double ChallengerShare() {
    SplitSlot::Reader reader;
    const VariantSplit* split = experiments_->split().Read(reader);
    int hits = 0;
    for (int i = 0; i < 20000; ++i) hits += split->Pick("cust-" + std::to_string(i)) == 1;
    return hits / 20000.0;
  }

  ModelSlot variant_slot_;
  std::unique_ptr<Shadow> shadow_;
  std::unique_ptr<Experiments> experiments_;
};

VariantSpec Spec(const std::string& name, const std::string& ref, double weight) {
  return VariantSpec{name, ref, weight};
}

TEST_F(ExperimentsTest, ReloadChangesTheWeightsTheSplitUses) {
  EXPECT_NEAR(ChallengerShare(), 0.10, 0.02);
  ExperimentConfig config;
  config.variants = std::vector<VariantSpec>{Spec("challenger", "churn@challenger", 40)};
  EXPECT_EQ(experiments_->Describe(config), "challenger 10% -> 40%");
  ASSERT_TRUE(experiments_->Apply(config).ok());
  EXPECT_NEAR(ChallengerShare(), 0.40, 0.02);
  ExperimentsSnapshot snapshot = experiments_->Snapshot();
  ASSERT_EQ(snapshot.variants.size(), 2u);
  EXPECT_DOUBLE_EQ(snapshot.variants[0].weight, 60);
  EXPECT_DOUBLE_EQ(snapshot.variants[1].weight, 40);
  EXPECT_EQ(snapshot.reloads_applied, 1u);
  // Left out of the list: no traffic, still loaded.
  config.variants = std::vector<VariantSpec>{};
  ASSERT_TRUE(experiments_->Apply(config).ok());
  EXPECT_EQ(ChallengerShare(), 0.0);
}

TEST_F(ExperimentsTest, RejectsUnknownVariantsMovedModelsAndFullWeightsChangingNothing) {
  ExperimentConfig config;
  config.variants = std::vector<VariantSpec>{Spec("new", "churn@new", 10)};
  Status unknown = experiments_->Apply(config);
  EXPECT_EQ(unknown.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(unknown.message().find("variant new was not started"), std::string::npos)
      << unknown.message();
  config.variants = std::vector<VariantSpec>{Spec("challenger", "churn/7", 10)};
  EXPECT_EQ(experiments_->Apply(config).code(), StatusCode::kFailedPrecondition);
  config.variants = std::vector<VariantSpec>{Spec("challenger", "churn@challenger", 100)};
  EXPECT_EQ(experiments_->Apply(config).code(), StatusCode::kInvalidArgument);
  // A broken shadow fails the whole reload: the weights stay too.
  config.variants = std::vector<VariantSpec>{Spec("challenger", "churn@challenger", 50)};
  config.shadow = "churn@broken";
  Status broken = experiments_->Apply(config);
  EXPECT_EQ(broken.code(), StatusCode::kNotFound);
  ExperimentsSnapshot snapshot = experiments_->Snapshot();
  EXPECT_DOUBLE_EQ(snapshot.variants[1].weight, 10);
  EXPECT_FALSE(snapshot.shadow.enabled);
  EXPECT_EQ(snapshot.reloads_failed, 4u);
  EXPECT_NE(snapshot.last_reload_error.find("shadow churn@broken"), std::string::npos);
}

TEST_F(ExperimentsTest, ReloadTurnsTheShadowOnAndOff) {
  ExperimentConfig on;
  on.shadow = "churn@candidate";
  EXPECT_EQ(experiments_->Describe(on), "shadow off -> churn@candidate");
  ASSERT_TRUE(experiments_->Apply(on).ok());
  EXPECT_TRUE(experiments_->Snapshot().shadow.enabled);
  EXPECT_EQ(experiments_->Snapshot().shadow.ref, "churn@candidate");
  EXPECT_EQ(experiments_->Describe(on), "");  // already running
  ExperimentConfig off;
  off.shadow = "";
  ASSERT_TRUE(experiments_->Apply(off).ok());
  EXPECT_FALSE(experiments_->Snapshot().shadow.enabled);
}

TEST_F(ExperimentsTest, GetExperimentsServesTheSnapshot) {
  ExperimentsRoutes routes(experiments_.get());
  HttpResponse response = Call(routes, "GET", "/experiments");
  ASSERT_EQ(response.status, 200) << response.body;
  nlohmann::json body = nlohmann::json::parse(response.body);
  ASSERT_EQ(body["variants"].size(), 2u);
  EXPECT_EQ(body["variants"][1]["name"], "challenger");
  EXPECT_EQ(body["variants"][1]["weight"], 10.0);
  EXPECT_EQ(body["variants"][1]["version"], model_->version);
  EXPECT_TRUE(body["variants"][0]["requests"].is_null());
  EXPECT_EQ(body["shadow"]["enabled"], false);
  EXPECT_TRUE(body["shadow"]["window"]["agreement"].is_null());  // empty window
  EXPECT_EQ(body["reloads"]["applied"], 0);
}

}  // namespace
}  // namespace churnml::serving
