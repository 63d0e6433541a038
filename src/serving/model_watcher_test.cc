#include "serving/model_watcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "models/model_files.h"
#include "pipeline/test_support.h"
#include "pipeline/train.h"
#include "tracking/artifact_checksums.h"
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

// Replaces one file of a registered version and rewrites model.json's
// checksum for it, as someone covering their tracks would: model.json then
// agrees with the file, and only the store's record can tell.
void TamperWithMatchingManifest(const std::filesystem::path& artifact, const std::string& file) {
  auto text = ReadBoundedFile(artifact / file);
  ASSERT_TRUE(text.ok());
  // Another split threshold at the root of the first tree: a different,
  // still valid model.
  auto trees = nlohmann::json::parse(*text);
  auto& root = trees["learner"]["gradient_booster"]["model"]["trees"][0]["split_conditions"][0];
  root = root.get<double>() + 0.25;
  const std::string changed = trees.dump();
  std::ofstream(artifact / file, std::ios::trunc) << changed;
  auto doc = nlohmann::json::parse(*ReadBoundedFile(artifact / "model.json"));
  doc["files"][file] = "sha256:" + tracking::Sha256Hex(changed);
  std::ofstream(artifact / "model.json", std::ios::trunc) << doc.dump(2);
}

TEST_F(ModelWatcherTest, AFileSwappedBehindAnEditedModelJsonIsCaughtByTheStoresRecord) {
  int64_t v1 = RegisterVersion("logistic");
  int64_t v2 = RegisterVersion("xgboost");
  ASSERT_TRUE(store_->SetAlias("churn", "champion", v1).ok());
  std::vector<ReloadEvent> events;
  ModelWatcher watcher = MakeWatcher("churn@champion", &events);
  ASSERT_TRUE(watcher.LoadInitial().ok());

  auto version = store_->GetModelVersion("churn", v2);
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(version->artifact_sha256.count("xgboost_model.json"), 1u);
  TamperWithMatchingManifest(version->artifact_path, "xgboost_model.json");
  ASSERT_TRUE(store_->SetAlias("churn", "champion", v2).ok());

  ReloadEvent event = watcher.CheckOnce();
  EXPECT_EQ(event.result, ReloadEvent::Result::kFailed);
  EXPECT_THAT(event.error.message(), HasSubstr("model.json: checksum mismatch"));
  EXPECT_THAT(event.error.message(), HasSubstr("the store recorded for version 2"));
  EXPECT_EQ(event.error.message().find('\n'), std::string::npos);
  EXPECT_EQ(slot_.current()->version, "1");

  // A fresh start on the tampered alias refuses to serve it at all.
  ModelSlot other;
  ModelWatcher restarted({.ref = "churn@champion", .store_uri = store_uri_, .interval = {}},
                         registry_, &other, nullptr);
  Status started = restarted.LoadInitial();
  EXPECT_EQ(started.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(started.message(), HasSubstr("checksum mismatch"));
  EXPECT_EQ(other.current(), nullptr);
}

TEST_F(ModelWatcherTest, AHostileTreeIsRefusedAndTheOldVersionKeepsServing) {
  int64_t v1 = RegisterVersion("xgboost");
  int64_t v2 = RegisterVersion("xgboost");
  ASSERT_TRUE(store_->SetAlias("churn", "champion", v1).ok());
  std::vector<ReloadEvent> events;
  ModelWatcher watcher = MakeWatcher("churn@champion", &events);
  ASSERT_TRUE(watcher.LoadInitial().ok());
  auto version = store_->GetModelVersion("churn", v2);
  ASSERT_TRUE(version.ok());
  // A node pointing at itself: XGBoost's predictor loops forever on it.
  const auto path = version->artifact_path / "xgboost_model.json";
  auto doc = nlohmann::json::parse(*ReadBoundedFile(path));
  auto& tree = doc["learner"]["gradient_booster"]["model"]["trees"][0];
  tree["left_children"][1] = 1;
  std::ofstream(path, std::ios::trunc) << doc.dump();
  ASSERT_TRUE(store_->SetAlias("churn", "champion", v2).ok());
  ReloadEvent event = watcher.CheckOnce();
  EXPECT_EQ(event.result, ReloadEvent::Result::kFailed);
  EXPECT_THAT(event.error.message(), HasSubstr("xgboost_model.json: checksum mismatch"));
  EXPECT_EQ(slot_.current()->version, "1");
}

// A load that never returns is abandoned after load_timeout: the check
// reports it and returns, the next check loads normally, and Stop() does
// not wait for the stuck load.
TEST_F(ModelWatcherTest, AHangingLoadIsAbandonedAndBlocksNeitherTheNextSwapNorStop) {
  int64_t v1 = RegisterVersion("logistic");
  int64_t v2 = RegisterVersion("logistic");
  ASSERT_TRUE(store_->SetAlias("churn", "champion", v1).ok());
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> loads{0};
  std::atomic<int> hanging{0};
  ModelWatcherOptions options{.ref = "churn@champion", .store_uri = store_uri_, .interval = {}};
  options.load_timeout = std::chrono::milliseconds(2000);  // generous: the real loads must fit
  options.checkpoint = [&](std::string_view) {
    // Loads 2 and 3 hang until released; 1 (initial) and 4 run normally.
    const int n = ++loads;
    if (n != 2 && n != 3) return;
    ++hanging;
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return release; });
    --hanging;
  };
  std::vector<ReloadEvent> events;
  auto watcher = std::make_unique<ModelWatcher>(
      options, registry_, &slot_, [&events](const ReloadEvent& e) { events.push_back(e); });
  ASSERT_TRUE(watcher->LoadInitial().ok());
  ASSERT_TRUE(store_->SetAlias("churn", "champion", v2).ok());

  ReloadEvent stuck = watcher->CheckOnce();
  EXPECT_EQ(stuck.result, ReloadEvent::Result::kFailed);
  EXPECT_EQ(stuck.error.code(), StatusCode::kDeadlineExceeded);
  EXPECT_THAT(stuck.error.message(), HasSubstr("did not finish within 2000 ms"));
  EXPECT_EQ(slot_.current()->version, "1");
  EXPECT_EQ(watcher->abandoned_loads(), 1);

  // The background thread runs a check that hangs too; Stop() returns
  // while it is still stuck (the releaser only fires if Stop blocked).
  watcher->Start();
  watcher->Trigger();
  for (int i = 0; i < 3000 && hanging.load() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(hanging.load(), 2);
  std::atomic<bool> stopped{false};
  std::thread releaser([&] {
    for (int i = 0; i < 3000 && !stopped.load(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::lock_guard lock(mu);
    release = true;
    cv.notify_all();
  });
  watcher->Stop();
  stopped = true;
  EXPECT_EQ(hanging.load(), 2) << "Stop() waited for the stuck loads";
  releaser.join();
  // Once released, the abandoned loads finish and are counted down.
  for (int i = 0; i < 1000 && watcher->abandoned_loads() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(watcher->abandoned_loads(), 0);

  // The next check (a new watcher, the 4th load) swaps normally.
  ModelWatcher next(options, registry_, &slot_, nullptr);
  EXPECT_EQ(next.CheckOnce().result, ReloadEvent::Result::kSwapped);
  EXPECT_EQ(slot_.current()->version, "2");
}

}  // namespace
}  // namespace churnml::serving
