#include "serving/explain_routes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "serving/route_test_support.h"

namespace churnml::serving {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

class ExplainRoutesTest : public testing::RouteGroupTest {};

double Logit(double p) { return std::log(p / (1 - p)); }

// base + sum of contributions == logit(probability), relative to the terms.
void ExpectAdditive(const json& base, const json& contributions, double probability) {
  double sum = base.get<double>(), terms = std::abs(base.get<double>());
  for (const auto& [name, value] : contributions.items()) {
    sum += value.get<double>();
    terms += std::abs(value.get<double>());
  }
  EXPECT_NEAR(sum, Logit(probability), 1e-9 * terms);
}

TEST_F(ExplainRoutesTest, DeclaresItsRoutesAsProtected) {
  ExplainRoutes group({}, scorer_.get());
  std::vector<std::string> routes;
  for (const RouteSpec& r : group.Routes()) {
    EXPECT_EQ(r.access, RouteAccess::kProtected) << r.pattern;
    routes.push_back(r.method + " " + r.pattern);
  }
  EXPECT_THAT(routes, ::testing::ElementsAre("POST /explain", "POST /explain/batch"));
}

TEST_F(ExplainRoutesTest, ExplainAddsLogOddsContributionsPerRawFeatureToThePrediction) {
  ExplainRoutes group({}, scorer_.get());
  HttpResponse r = Call(group, "POST", "/explain", testing::kCustomerJson);
  ASSERT_EQ(r.status, 200) << r.body;
  const json body = json::parse(r.body);
  EXPECT_EQ(body["customerID"], "7590-VHVEG");
  EXPECT_EQ(body["model"], "churn");
  EXPECT_EQ(body["unit"], "log-odds");
  const json& c = body["contributions"];
  ASSERT_TRUE(c.is_object());
  EXPECT_EQ(c.size(), 19u);  // raw features, not one-hot columns
  EXPECT_TRUE(c.contains("Contract"));
  EXPECT_FALSE(c.contains("Contract=Month-to-month"));
  // A month-to-month contract raises churn against the training mix.
  EXPECT_GT(c["Contract"].get<double>(), 0.0);
  ExpectAdditive(body["base_value"], c, body["probability"].get<double>());
}

TEST_F(ExplainRoutesTest, BatchKeepsPredictResultsAndExplainsEachScoredCustomer) {
  ExplainRoutes group({}, scorer_.get());
  std::string bad(testing::kCustomerJson);
  bad.replace(bad.find(R"("tenure":1)"), 10, R"("tenure":99)");
  const std::string body = "{\"customers\":[" + std::string(testing::kCustomerJson) + "," + bad +
                           "," + std::string(testing::kCustomerJson) + "]}";
  HttpResponse r = Call(group, "POST", "/explain/batch", body);
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = json::parse(r.body);
  ASSERT_EQ(j["results"].size(), 3u);
  EXPECT_TRUE(j["results"][1].contains("error"));
  ASSERT_EQ(j["explanations"].size(), 2u);
  EXPECT_EQ(j["explanations"][0]["index"], 0);
  EXPECT_EQ(j["explanations"][1]["index"], 2);
  EXPECT_EQ(j["explanations"][1]["customerID"], "7590-VHVEG");
  EXPECT_EQ(j["unit"], "log-odds");
  ExpectAdditive(j["explanations"][1]["base_value"], j["explanations"][1]["contributions"],
                 j["results"][2]["probability"].get<double>());
}

TEST_F(ExplainRoutesTest, BadCustomerIs422AsForPredict) {
  ExplainRoutes group({}, scorer_.get());
  std::string body(testing::kCustomerJson);
  body.replace(body.find(R"("tenure":1)"), 10, R"("tenure":99)");
  HttpResponse r = Call(group, "POST", "/explain", body);
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(r.body, HasSubstr("tenure"));
}

TEST_F(ExplainRoutesTest, AFallbackAnswerCarriesNoExplanation) {
  FaultInjector faults;
  faults.Set(FaultSettings{.delay = {}, .error_rate = 1.0});
  Scorer scorer({}, ScorerDeps{.slot = &slot_, .metrics = metrics_, .faults = &faults});
  ExplainRoutes group({}, &scorer);
  HttpResponse r = Call(group, "POST", "/explain", testing::kCustomerJson);
  ASSERT_EQ(r.status, 200) << r.body;
  const json body = json::parse(r.body);
  EXPECT_EQ(body["fallback"], "prior");
  EXPECT_TRUE(body["contributions"].is_null());
}

TEST_F(ExplainRoutesTest, AModelThatCannotExplainIs409WithTheReason) {
  auto copy = std::make_shared<ServedModel>(*model_);
  copy->explainer = nullptr;
  copy->explain_error = FailedPreconditionError("no reference profile");
  ModelSlot slot;
  slot.Swap(copy);
  Scorer scorer({}, ScorerDeps{.slot = &slot, .metrics = metrics_});
  ExplainRoutes group({}, &scorer);
  HttpResponse r = Call(group, "POST", "/explain", testing::kCustomerJson);
  EXPECT_EQ(r.status, 409);
  EXPECT_THAT(r.body, HasSubstr("cannot explain its answers: no reference profile"));
}

// A plan whose split sends every customer to the variant "challenger",
// served from its own slot.
class ExplainVariantTest : public ExplainRoutesTest {
 protected:
  void Serve(std::shared_ptr<const ServedModel> challenger) {
    challenger_slot_.Swap(std::move(challenger));
    challenger_scorer_ = std::make_unique<Scorer>(
        ScorerOptions{}, ScorerDeps{.slot = &challenger_slot_, .metrics = metrics_});
    Result<VariantSplit> split = VariantSplit::Create({0, 100});
    ASSERT_TRUE(split.ok());
    split_.Set(std::move(split).value());
    plan_.lanes = {{"primary", scorer_.get(), {}}, {"challenger", challenger_scorer_.get(), {}}};
    plan_.split = &split_;
  }
  ModelSlot challenger_slot_;
  std::unique_ptr<Scorer> challenger_scorer_;
  SplitSlot split_;
  ScoringPlan plan_;
};

TEST_F(ExplainVariantTest, AVariantCustomerIsExplainedByTheVariantsModelAndNamesIt) {
  auto challenger = std::make_shared<ServedModel>(*model_);
  challenger->version = "challenger-7";
  Serve(challenger);
  ExplainRoutes group({}, plan_);
  HttpResponse r = Call(group, "POST", "/explain", testing::kCustomerJson);
  ASSERT_EQ(r.status, 200) << r.body;
  const json body = json::parse(r.body);
  EXPECT_EQ(body["variant"], "challenger");
  EXPECT_EQ(body["version"], "challenger-7");
  EXPECT_THAT(r.headers, ::testing::Contains(std::pair<std::string, std::string>(
                             "X-Churnml-Variant", "challenger")));
  ExpectAdditive(body["base_value"], body["contributions"], body["probability"].get<double>());

  const std::string batch = "{\"customers\":[" + std::string(testing::kCustomerJson) + "]}";
  HttpResponse b = Call(group, "POST", "/explain/batch", batch);
  ASSERT_EQ(b.status, 200) << b.body;
  EXPECT_EQ(json::parse(b.body)["variant"], "challenger");
  EXPECT_EQ(json::parse(b.body)["version"], "challenger-7");
}

// The primary can explain, the variant cannot: the variant's customers get
// the variant's 409, not the primary's explanation.
TEST_F(ExplainVariantTest, AVariantThatCannotExplainIs409NamingTheVariant) {
  auto challenger = std::make_shared<ServedModel>(*model_);
  challenger->version = "challenger-8";
  challenger->explainer = nullptr;
  challenger->explain_error = FailedPreconditionError("no reference profile");
  Serve(challenger);
  ExplainRoutes group({}, plan_);
  HttpResponse r = Call(group, "POST", "/explain", testing::kCustomerJson);
  EXPECT_EQ(r.status, 409);
  EXPECT_THAT(r.body, HasSubstr("variant challenger"));
  EXPECT_THAT(r.body, HasSubstr("version challenger-8"));
}

}  // namespace
}  // namespace churnml::serving
