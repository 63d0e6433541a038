#include "serving/prediction_routes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "serving/route_test_support.h"

namespace churnml::serving {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

class PredictionRoutesTest : public testing::RouteGroupTest {
 protected:
  // The model's own probability for kCustomerJson, scored directly.
  double DirectProbability() {
    Dataset rows(model_->artifact->schema());
    EXPECT_TRUE(model_->codec->DecodePredict(testing::kCustomerJson, &rows).ok());
    std::vector<double> p;
    EXPECT_TRUE(model_->artifact->PredictProba(rows, &p).ok());
    return p.at(0);
  }
};

TEST_F(PredictionRoutesTest, DeclaresItsRoutesAsProtected) {
  PredictionRoutes group({}, scorer_.get());
  std::vector<std::string> routes;
  for (const RouteSpec& r : group.Routes()) {
    EXPECT_EQ(r.access, RouteAccess::kProtected) << r.pattern;
    routes.push_back(r.method + " " + r.pattern);
  }
  EXPECT_THAT(routes, ::testing::ElementsAre("POST /predict", "POST /predict/batch",
                                             "POST /v2/models/{name}/infer",
                                             "POST /v2/models/{name}/versions/{version}/infer"));
}

TEST_F(PredictionRoutesTest, PredictAnswersWithTheModelsProbability) {
  PredictionRoutes group({}, scorer_.get());
  HttpResponse r = Call(group, "POST", "/predict", testing::kCustomerJson);
  ASSERT_EQ(r.status, 200) << r.body;
  const json body = json::parse(r.body);
  EXPECT_EQ(body["customerID"], "7590-VHVEG");
  EXPECT_EQ(body["model"], "churn");
  EXPECT_EQ(body["version"], "0");
  EXPECT_EQ(body["probability"].get<double>(), DirectProbability());
  EXPECT_EQ(body["prediction"],
            body["probability"].get<double>() >= model_->artifact->threshold() ? 1 : 0);
  const std::string text = registry_->RenderText();
  EXPECT_TRUE(text.find(R"(model="churn",version="0"})") != std::string::npos) << text;
}

TEST_F(PredictionRoutesTest, PredictRejectsABadCustomerWithEveryField) {
  PredictionRoutes group({}, scorer_.get());
  std::string body(testing::kCustomerJson);
  body.replace(body.find(R"("tenure":1)"), 10, R"("tenure":99)");
  body.replace(body.find("Month-to-month"), 14, "Weekly");
  HttpResponse r = Call(group, "POST", "/predict", body);
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(r.body, HasSubstr(R"("field":"tenure")"));
  EXPECT_THAT(r.body, HasSubstr(R"("field":"Contract")"));
  EXPECT_EQ(Call(group, "POST", "/predict", "{").status, 400);
}

TEST_F(PredictionRoutesTest, BatchScoresValidRowsAndReportsBadOnesInPlace) {
  PredictionRoutes group({.max_batch = 3}, scorer_.get());
  const std::string body = R"({"customers":[)" + std::string(testing::kCustomerJson) +
                           R"(,{"gender":"x"},)" + std::string(testing::kCustomerJson) + "]}";
  HttpResponse r = Call(group, "POST", "/predict/batch", body);
  ASSERT_EQ(r.status, 200) << r.body;
  const json out = json::parse(r.body);
  ASSERT_EQ(out["results"].size(), 3u);
  EXPECT_EQ(out["results"][0]["probability"].get<double>(), DirectProbability());
  EXPECT_EQ(out["results"][1]["index"], 1);
  EXPECT_EQ(out["results"][2]["probability"], out["results"][0]["probability"]);

  const std::string too_big = R"({"customers":[{},{},{},{}]})";
  EXPECT_EQ(Call(group, "POST", "/predict/batch", too_big).status, 413);
}

TEST_F(PredictionRoutesTest, InferScoresTypedTensorsAndChecksTheModelName) {
  PredictionRoutes group({}, scorer_.get());
  json inputs = json::array();
  const Schema& schema = model_->artifact->schema();
  const json customer = json::parse(testing::kCustomerJson);
  for (size_t c : schema.feature_indices()) {
    const ColumnSpec& spec = schema.column(c);
    const bool bytes = spec.type == ColumnType::kCategorical;
    json value = customer[spec.name];
    if (spec.name == "TotalCharges") value = 29.85;
    inputs.push_back({{"name", spec.name},
                      {"shape", {1}},
                      {"datatype", bytes ? "BYTES" : "FP64"},
                      {"data", {value}}});
  }
  const std::string body = json{{"id", "r1"}, {"inputs", inputs}}.dump();
  HttpResponse r = Call(group, "POST", "/v2/models/churn/infer", body);
  ASSERT_EQ(r.status, 200) << r.body;
  const json out = json::parse(r.body);
  EXPECT_EQ(out["id"], "r1");
  EXPECT_EQ(out["outputs"][0]["data"][0].get<double>(), DirectProbability());

  EXPECT_EQ(Call(group, "POST", "/v2/models/other/infer", body).status, 404);
  EXPECT_EQ(Call(group, "POST", "/v2/models/churn/versions/7/infer", body).status, 404);
  EXPECT_EQ(Call(group, "POST", "/v2/models/churn/versions/0/infer", body).status, 200);
}

TEST_F(PredictionRoutesTest, NoModelIs503) {
  ModelSlot empty;
  Scorer scorer({}, ScorerDeps{.slot = &empty, .metrics = metrics_});
  PredictionRoutes group({}, &scorer);
  HttpResponse r = Call(group, "POST", "/predict", testing::kCustomerJson);
  EXPECT_EQ(r.status, 503);
  EXPECT_THAT(r.body, HasSubstr("no model is loaded"));
}

TEST_F(PredictionRoutesTest, AFailingModelIsAnsweredByThePriorWithTheFallbackHeader) {
  FaultInjector faults;
  faults.Set(FaultSettings{.delay = {}, .error_rate = 1.0});
  Scorer scorer({}, ScorerDeps{.slot = &slot_, .metrics = metrics_, .faults = &faults});
  PredictionRoutes group({}, &scorer);
  HttpResponse r = Call(group, "POST", "/predict", testing::kCustomerJson);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["fallback"], "prior");
  EXPECT_EQ(json::parse(r.body)["probability"].get<double>(), model_->artifact->positive_rate());
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].second, "prior");

  Scorer strict({.model_deadline = {}, .fallback = false},
                ScorerDeps{.slot = &slot_, .metrics = metrics_, .faults = &faults});
  PredictionRoutes no_fallback({}, &strict);
  EXPECT_EQ(Call(no_fallback, "POST", "/predict", testing::kCustomerJson).status, 503);
}

}  // namespace
}  // namespace churnml::serving
