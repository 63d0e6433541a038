// Test fixture for the route groups (test binary only): a logistic model
// trained once per test process on generated data, loaded as a ServedModel
// into a ModelSlot, with real metrics and a scorer; plus socket-free
// request helpers (HttpRequest/HttpResponse are plain structs).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "data/synthetic_generator.h"
#include "models/model_registry.h"
#include "monitoring/metrics_registry.h"
#include "pipeline/train.h"
#include "serving/http/http_message.h"
#include "serving/model_slot.h"
#include "serving/route_group.h"
#include "serving/scorer.h"
#include "serving/served_model.h"
#include "serving/serving_metrics.h"

namespace churnml::serving::testing {

// One customer of the Telco schema as a JSON object.
inline constexpr std::string_view kCustomerJson =
    R"({"customerID":"7590-VHVEG","gender":"Female","SeniorCitizen":0,"Partner":"Yes",)"
    R"("Dependents":"No","tenure":1,"PhoneService":"No","MultipleLines":"No phone service",)"
    R"("InternetService":"DSL","OnlineSecurity":"No","OnlineBackup":"Yes",)"
    R"("DeviceProtection":"No","TechSupport":"No","StreamingTV":"No","StreamingMovies":"No",)"
    R"("Contract":"Month-to-month","PaperlessBilling":"Yes","PaymentMethod":"Electronic check",)"
    R"("MonthlyCharges":29.85,"TotalCharges":"29.85"})";

// A trained, loaded model shared by the tests of one process.
inline std::shared_ptr<const ServedModel> SharedModel() {
  static std::shared_ptr<const ServedModel> model = [] {
    const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                      ("churnml-route-groups-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    static ModelRegistry registry;
    EXPECT_TRUE(RegisterBuiltinModels(registry).ok());
    const std::string data = (dir / "train.csv").string();
    EXPECT_TRUE(GenerateCsv(data, {.rows = 800, .seed = 11}).ok());
    TrainOptions options;
    options.data_path = data;
    options.model_kind = "logistic";
    options.out_dir = dir / "model";
    TrainReport report;
    Status trained = Train(options, registry, &report);
    EXPECT_TRUE(trained.ok()) << trained.ToString();
    tracking::ResolvedModel resolved;
    resolved.artifact_path = options.out_dir;
    Result<std::shared_ptr<const ServedModel>> loaded =
        LoadServedModel(resolved, "churn", registry);
    EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
    std::filesystem::remove_all(dir);
    return loaded.ok() ? *loaded : nullptr;
  }();
  return model;
}

// A slot serving SharedModel(), real metrics, a scorer without breaker.
class RouteGroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = SharedModel();
    ASSERT_NE(model_, nullptr);
    slot_.Swap(model_);
    // One registry and ServingMetrics for the process: the metrics' per-thread
    // label cache is keyed by the ServingMetrics, as in the server (one).
    static monitoring::MetricsRegistry* registry = new monitoring::MetricsRegistry();
    static ServingMetrics* metrics = [] {
      auto created = ServingMetrics::Create(registry);
      EXPECT_TRUE(created.ok()) << created.status().ToString();
      return created->release();
    }();
    registry_ = registry;
    metrics_ = metrics;
    scorer_ =
        std::make_unique<Scorer>(ScorerOptions{}, ScorerDeps{.slot = &slot_, .metrics = metrics_});
  }

  // Runs `method path` with `body` through the group's routes.
  HttpResponse Call(RouteGroup& group, std::string_view method, std::string_view path,
                    std::string_view body = "") {
    if (table_group_ != &group) {
      table_ = std::make_unique<RouteTable>();
      EXPECT_TRUE(table_->Add(group).ok());
      table_group_ = &group;
    }
    HttpRequest request;
    request.method = method;
    request.target = path;
    request.path = path;
    request.body = body;
    request.request_id = "test-request";
    HttpResponse response;
    table_->router().Dispatch(request, response);
    return response;
  }

  std::shared_ptr<const ServedModel> model_;
  ModelSlot slot_;
  monitoring::MetricsRegistry* registry_ = nullptr;
  ServingMetrics* metrics_ = nullptr;
  std::unique_ptr<Scorer> scorer_;
  std::unique_ptr<RouteTable> table_;
  const RouteGroup* table_group_ = nullptr;
};

}  // namespace churnml::serving::testing
