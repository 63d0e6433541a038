#include "serving/model_watcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "pipeline/test_support.h"
#include "pipeline/train.h"
#include "tracking/tracking_store.h"

namespace churnml::serving {
namespace {

using ::testing::HasSubstr;

class ModelWatcherTest : public churnml::testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    ASSERT_TRUE(RegisterBuiltinModels(registry_).ok());
    data_ = Generate("train.csv", 600, 7);
    store_uri_ = (dir_ / "mlruns").string();
    tracking::StoreOptions options;
    options.uri = store_uri_;
    auto store = tracking::TrackingStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }

  // Trains a model, stores it as a run and registers it; returns the version.
  int64_t RegisterVersion(const std::string& kind) {
    TrainOptions options;
    options.data_path = data_;
    options.model_kind = kind;
    options.out_dir = dir_ / ("model-" + std::to_string(trained_++));
    TrainReport report;
    Status trained = Train(options, registry_, &report);
    EXPECT_TRUE(trained.ok()) << trained.ToString();
    auto run = store_->CreateRun("serving-test");
    EXPECT_TRUE(run.ok());
    EXPECT_TRUE(store_->StoreArtifact(*run, options.out_dir).ok());
    EXPECT_TRUE(store_->FinishRun(*run, tracking::RunStatus::kFinished).ok());
    auto version = store_->RegisterModelVersion("churn", *run);
    EXPECT_TRUE(version.ok()) << version.status().ToString();
    return *version;
  }

  ModelWatcher MakeWatcher(const std::string& ref, std::vector<ReloadEvent>* events) {
    return ModelWatcher({.ref = ref, .store_uri = store_uri_, .interval = {}}, registry_, &slot_,
                        [events](const ReloadEvent& e) { events->push_back(e); });
  }

  ModelRegistry registry_;
  std::string data_;
  std::string store_uri_;
  std::unique_ptr<tracking::TrackingStore> store_;
  ModelSlot slot_;
  int trained_ = 0;
};

TEST_F(ModelWatcherTest, SwapsWhenTheAliasMovesAndKeepsThePreviousVersion) {
  int64_t v1 = RegisterVersion("logistic");
  int64_t v2 = RegisterVersion("logistic");
  ASSERT_TRUE(store_->SetAlias("churn", "champion", v1).ok());
  std::vector<ReloadEvent> events;
  ModelWatcher watcher = MakeWatcher("churn@champion", &events);
  EXPECT_TRUE(watcher.watches());
  Status loaded = watcher.LoadInitial();
  ASSERT_TRUE(loaded.ok()) << loaded.ToString();
  EXPECT_EQ(slot_.current()->version, "1");
  EXPECT_EQ(slot_.current()->name, "churn");

  EXPECT_EQ(watcher.CheckOnce().result, ReloadEvent::Result::kUnchanged);
  ModelSlot::Reader reader;
  std::shared_ptr<const ServedModel> held = slot_.Read(reader);  // a request in flight on v1

  ASSERT_TRUE(store_->SetAlias("churn", "champion", v2).ok());
  ReloadEvent event = watcher.CheckOnce();
  EXPECT_EQ(event.result, ReloadEvent::Result::kSwapped);
  EXPECT_EQ(event.from_version, "1");
  EXPECT_EQ(event.to_version, "2");
  EXPECT_EQ(slot_.current()->version, "2");
  EXPECT_EQ(slot_.previous()->version, "1");
  EXPECT_EQ(held->version, "1");  // the in-flight snapshot is untouched
  EXPECT_EQ(slot_.Read(reader)->version, "2");
  EXPECT_EQ(events.size(), 2u);
}

TEST_F(ModelWatcherTest, ABrokenVersionIsNotSwappedIn) {
  int64_t v1 = RegisterVersion("logistic");
  int64_t v2 = RegisterVersion("xgboost");
  ASSERT_TRUE(store_->SetAlias("churn", "champion", v1).ok());
  std::vector<ReloadEvent> events;
  ModelWatcher watcher = MakeWatcher("churn@champion", &events);
  Status loaded = watcher.LoadInitial();
  ASSERT_TRUE(loaded.ok()) << loaded.ToString();

  auto broken = store_->GetModelVersion("churn", v2);
  ASSERT_TRUE(broken.ok());
  std::ofstream(broken->artifact_path / "model.json", std::ios::trunc) << "{ not json";
  ASSERT_TRUE(store_->SetAlias("churn", "champion", v2).ok());

  ReloadEvent event = watcher.CheckOnce();
  EXPECT_EQ(event.result, ReloadEvent::Result::kFailed);
  EXPECT_EQ(event.to_version, "2");
  EXPECT_THAT(event.error.message(), HasSubstr("model.json"));
  EXPECT_EQ(slot_.current()->version, "1");  // still serving the old one
  EXPECT_EQ(slot_.previous(), nullptr);
}

TEST_F(ModelWatcherTest, ADirectoryIsServedAsVersionZeroAndNotWatched) {
  TrainOptions options;
  options.data_path = data_;
  options.out_dir = dir_ / "local-model";
  TrainReport report;
  ASSERT_TRUE(Train(options, registry_, &report).ok());
  std::vector<ReloadEvent> events;
  ModelWatcher watcher = MakeWatcher(options.out_dir.string(), &events);
  EXPECT_FALSE(watcher.watches());
  Status loaded = watcher.LoadInitial();
  ASSERT_TRUE(loaded.ok()) << loaded.ToString();
  EXPECT_EQ(slot_.current()->version, "0");
  EXPECT_EQ(slot_.current()->name, "churn");
  EXPECT_EQ(slot_.current()->kind, "logistic");
}

TEST_F(ModelWatcherTest, AnUnknownAliasFailsToStartWithTheAliasNamed) {
  RegisterVersion("logistic");
  std::vector<ReloadEvent> events;
  ModelWatcher watcher = MakeWatcher("churn@nowhere", &events);
  Status started = watcher.LoadInitial();
  EXPECT_EQ(started.code(), StatusCode::kNotFound);
  EXPECT_THAT(started.message(), HasSubstr("nowhere"));
}

TEST_F(ModelWatcherTest, AnUnreachableStoreIsRetriedThenItsBreakerOpens) {
  ManualClock clock;  // retry backoff advances it instead of sleeping
  reliability::CircuitBreakerConfig config;
  config.sliding_window_size = 10;
  config.minimum_number_of_calls = 3;
  config.wait_duration_in_open_state = std::chrono::seconds(5);
  config.permitted_calls_in_half_open_state = 1;
  reliability::CircuitBreaker breaker("store", config, clock);
  WatcherReliability protection;
  protection.store_breaker = &breaker;
  protection.clock = &clock;
  int retries = 0;
  protection.store_retry.on_retry = [&retries](const reliability::RetryEvent&) { ++retries; };
  std::vector<ReloadEvent> events;
  // Port 1 on loopback refuses connections: a database that is down.
  ModelWatcher watcher(
      {.ref = "churn@champion",
       .store_uri =
           "postgresql://churnml@127.0.0.1:1/none?artifact_root=" + (dir_ / "artifacts").string(),
       .interval = {}},
      registry_, &slot_, [&events](const ReloadEvent& e) { events.push_back(e); }, protection);
  ReloadEvent first = watcher.CheckOnce();
  EXPECT_EQ(first.result, ReloadEvent::Result::kFailed);
  EXPECT_EQ(first.error.code(), StatusCode::kUnavailable) << first.error.ToString();
  EXPECT_EQ(retries, 2);  // 3 attempts
  EXPECT_EQ(breaker.state(), reliability::CircuitState::kOpen);
  EXPECT_FALSE(clock.sleeps().empty());

  ReloadEvent refused = watcher.CheckOnce();  // fails fast while open
  EXPECT_THAT(refused.error.message(), HasSubstr("circuit breaker 'store' is open"));
  EXPECT_EQ(retries, 2);
}

}  // namespace
}  // namespace churnml::serving
