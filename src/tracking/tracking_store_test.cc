// The store conformance suite: every TEST_P runs against SQLite and against a
// real PostgreSQL server (scripts/with_postgres.sh exports
// CHURNML_TEST_PG_URI). Without the variable the PostgreSQL cases fail,
// unless CHURNML_ALLOW_NO_PG=1 (developers only) skips them.
//
// One file past 800 lines: every case shares the fixture that creates a
// fresh SQLite folder or PostgreSQL database, and the suite is the contract
// both backends must meet, so it stays in one place.
#include "tracking/tracking_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <random>
#include <thread>

#include "common/atomic_file.h"
#include "common/build_info.h"
#include "tracking/names.h"
#include "tracking/store_backend_fixture.h"

namespace churnml::tracking {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

using testing::StoreBackend;
using testing::StoreBackendTest;

// A model directory like the pipeline writes: small JSON plus a larger file.
fs::path MakeModelDir(const fs::path& parent, const std::string& name) {
  fs::path dir = parent / name;
  fs::create_directories(dir);
  std::ofstream(dir / "model.json") << R"({"format_version": 1, "kind": "logistic"})";
  std::ofstream(dir / "weights.bin") << std::string(64 * 1024, 'w');
  return dir;
}

bool CompleteModelDir(const fs::path& dir) {
  std::error_code ec;
  return fs::file_size(dir / "model.json", ec) == 41 &&
         fs::file_size(dir / "weights.bin", ec) == 64 * 1024;
}

class TrackingStoreTest : public StoreBackendTest {
 protected:
  TrackingStoreTest() : StoreBackendTest("tracking") {}

  StoreOptions Options() const {
    StoreOptions options;
    options.uri = uri_;
    options.artifact_root = dir_ / "artifacts";
    options.repair_grace = std::chrono::milliseconds(0);
    return options;
  }

  std::unique_ptr<TrackingStore> Open(const StoreOptions& options) {
    auto store = TrackingStore::Open(options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }
  std::unique_ptr<TrackingStore> Open() { return Open(Options()); }

  // A run with a stored artifact, ready to register.
  std::string RunWithArtifact(TrackingStore& store, double roc_auc = 0.9) {
    auto run = store.CreateRun("churn");
    EXPECT_TRUE(run.ok()) << run.status().ToString();
    EXPECT_TRUE(store.LogMetrics(*run, {{"roc_auc", roc_auc, 0, 0}}).ok());
    auto stored = store.StoreArtifact(*run, MakeModelDir(dir_ / "local", *run));
    EXPECT_TRUE(stored.ok()) << stored.status().ToString();
    EXPECT_TRUE(store.FinishRun(*run, RunStatus::kFinished).ok());
    return *run;
  }

  // Runs `child` in a forked process; returns its wait status.
  int RunInChild(const std::function<int()>& child) {
    pid_t pid = ::fork();
    if (pid == 0) ::_exit(child());
    int status = 0;
    ::waitpid(pid, &status, 0);
    return status;
  }
};

TEST_P(TrackingStoreTest, RecordsEverythingAboutARun) {
  auto store = Open();
  ASSERT_TRUE(store);
  auto run_id = store->CreateRun("churn-baseline", {{"team", "retention"}});
  ASSERT_TRUE(run_id.ok()) << run_id.status().ToString();
  ASSERT_TRUE(store->LogParams(*run_id, {{"model", "xgboost"}, {"max_depth", "6"}}).ok());
  ASSERT_TRUE(store->SetTags(*run_id, {{"git.branch", "main"}}).ok());
  ASSERT_TRUE(store->SetDataFingerprint(*run_id, {"0123456789abcdef", 7043}).ok());
  ASSERT_TRUE(store->LogMetrics(*run_id, {{"roc_auc", 0.8512345678901234, 0, 1000}}).ok());
  ASSERT_TRUE(store->FinishRun(*run_id, RunStatus::kFinished).ok());

  auto run = store->GetRun(*run_id);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->experiment, "churn-baseline");
  EXPECT_EQ(run->status, RunStatus::kFinished);
  EXPECT_TRUE(run->end_time_ms.has_value());
  EXPECT_GE(*run->end_time_ms, run->start_time_ms);
  EXPECT_EQ(run->params.at("model"), "xgboost");
  EXPECT_EQ(run->tags.at("team"), "retention");
  EXPECT_EQ(run->tags.at("git.branch"), "main");
  ASSERT_TRUE(run->data.has_value());
  EXPECT_EQ(run->data->content_hash, "0123456789abcdef");
  EXPECT_EQ(run->data->row_count, 7043);
  EXPECT_EQ(run->metrics.at("roc_auc").value, 0.8512345678901234);  // exact round trip
  EXPECT_EQ(run->metrics.at("roc_auc").timestamp_ms, 1000);
  EXPECT_EQ(run->churnml_version, kVersion);
  EXPECT_EQ(run->build_commit, kGitCommit);
  EXPECT_FALSE(run->artifact_path.has_value());
  EXPECT_FALSE(run->stale);
}

TEST_P(TrackingStoreTest, FinishingTwiceIsRefused) {
  auto store = Open();
  ASSERT_TRUE(store);
  auto run_id = store->CreateRun("default");
  ASSERT_TRUE(run_id.ok());
  ASSERT_TRUE(store->FinishRun(*run_id, RunStatus::kFailed).ok());
  Status again = store->FinishRun(*run_id, RunStatus::kFinished);
  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(again.message(), HasSubstr("already ended as FAILED"));
}

TEST_P(TrackingStoreTest, MetricHistoryKeepsEveryStepAndLatestIsHighestStep) {
  auto store = Open();
  ASSERT_TRUE(store);
  auto run_id = store->CreateRun("default");
  ASSERT_TRUE(run_id.ok());
  std::vector<Metric> batch;
  for (int step = 4; step >= 0; --step) batch.push_back({"logloss", 1.0 / (step + 1), step, 0});
  batch.push_back({"roc_auc", std::nan(""), 0, 0});
  ASSERT_TRUE(store->LogMetrics(*run_id, batch).ok());
  ASSERT_TRUE(store->LogMetrics(*run_id, {{"logloss", 9.0, 2, 0}}).ok());  // older step
  auto history = store->GetMetricHistory(*run_id, "logloss");
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 6u);
  EXPECT_EQ(history->front().step, 0);
  auto run = store->GetRun(*run_id);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->metrics.at("logloss").step, 4);
  EXPECT_DOUBLE_EQ(run->metrics.at("logloss").value, 0.2);
  EXPECT_TRUE(std::isnan(run->metrics.at("roc_auc").value));
}

TEST_P(TrackingStoreTest, LogsABatchOfThousandMetricsInOneCall) {
  auto store = Open();
  ASSERT_TRUE(store);
  auto run_id = store->CreateRun("default");
  ASSERT_TRUE(run_id.ok());
  std::vector<Metric> batch;
  batch.reserve(1000);
  for (int i = 0; i < 1000; ++i)
    batch.push_back({"round/" + std::to_string(i % 10), i * 0.001, i, 0});
  ASSERT_TRUE(store->LogMetrics(*run_id, batch).ok());
  auto history = store->GetMetricHistory(*run_id);
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->size(), 1000u);
  auto run = store->GetRun(*run_id);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->metrics.size(), 10u);
  EXPECT_EQ(run->metrics.at("round/9").step, 999);
}

TEST_P(TrackingStoreTest, ListsRunsWithFilterOrderAndLimit) {
  auto store = Open();
  ASSERT_TRUE(store);
  struct Spec {
    const char* model;
    double auc;
  };
  std::vector<Spec> specs = {{"xgboost", 0.91},
                             {"logistic", 0.88},
                             {"xgboost", 0.84},
                             {"xgboost", 0.87},
                             {"logistic", 0.95}};
  std::map<double, std::string> by_auc;
  for (const Spec& s : specs) {
    auto id = store->CreateRun(s.auc > 0.9 ? "a" : "b");
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE(store->LogParams(*id, {{"model", s.model}}).ok());
    ASSERT_TRUE(store->LogMetrics(*id, {{"roc_auc", s.auc, 0, 0}}).ok());
    by_auc[s.auc] = *id;
  }
  RunQuery query;
  query.filter = "metrics.roc_auc > 0.85 and params.model = 'xgboost'";
  query.order_by = "metrics.roc_auc desc";
  auto runs = store->ListRuns(query);
  ASSERT_TRUE(runs.ok()) << runs.status().ToString();
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].run_id, by_auc[0.91]);
  EXPECT_EQ((*runs)[1].run_id, by_auc[0.87]);
  EXPECT_EQ((*runs)[0].params.at("model"), "xgboost");

  query.filter = "params.model = 'logistic' or metrics.roc_auc < 0.85";
  query.order_by = "metrics.roc_auc asc";
  query.limit = 2;
  runs = store->ListRuns(query);
  ASSERT_TRUE(runs.ok()) << runs.status().ToString();
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].run_id, by_auc[0.84]);
  EXPECT_EQ((*runs)[1].run_id, by_auc[0.88]);

  query = RunQuery{};
  query.experiment = "a";
  runs = store->ListRuns(query);
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(runs->size(), 2u);
  query.experiment = "nope";
  EXPECT_EQ(store->ListRuns(query).status().code(), StatusCode::kNotFound);
}

TEST_P(TrackingStoreTest, MalformedFilterNamesTheColumn) {
  auto store = Open();
  ASSERT_TRUE(store);
  RunQuery query;
  query.filter = "metrics.roc_auc > and params.model = 'x'";
  auto runs = store->ListRuns(query);
  ASSERT_FALSE(runs.ok());
  EXPECT_EQ(runs.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(runs.status().message(), HasSubstr("filter, column 19"));
}

TEST_P(TrackingStoreTest, UnknownThingsAndInvalidNamesAreClearErrors) {
  auto store = Open();
  ASSERT_TRUE(store);
  std::string unknown(32, 'a');
  EXPECT_EQ(store->GetRun(unknown).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->LogParams(unknown, {{"a", "b"}}).code(), StatusCode::kNotFound);
  EXPECT_EQ(store->GetRun("not-a-run").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->GetModel("churn").status().code(), StatusCode::kNotFound);
  auto resolved = store->ResolveModelUri("churn@champion");
  EXPECT_EQ(resolved.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(resolved.status().message(), HasSubstr("model \"churn\" not found"));
  EXPECT_EQ(store->ResolveModelUri("no such thing").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->CreateRun("bad name!").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->CreateRun("").status().code(), StatusCode::kInvalidArgument);
  auto run_id = store->CreateRun("default");
  ASSERT_TRUE(run_id.ok());
  EXPECT_EQ(store->LogMetrics(*run_id, {{"bad key", 1, 0, 0}}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store->RegisterModelVersion("churn", *run_id).status().code(),
            StatusCode::kFailedPrecondition);  // no artifact yet
  EXPECT_EQ(store->SetAlias("churn", "123", 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->SetAlias("churn", "latest", 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->StoreArtifact(*run_id, dir_ / "missing").status().code(), StatusCode::kNotFound);
}

TEST_P(TrackingStoreTest, StoresArtifactAsACompleteCopyOnce) {
  auto store = Open();
  ASSERT_TRUE(store);
  auto run_id = store->CreateRun("default");
  ASSERT_TRUE(run_id.ok());
  fs::path local = MakeModelDir(dir_ / "local", "model");
  auto stored = store->StoreArtifact(*run_id, local);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(*stored, Options().artifact_root / *run_id / "model");
  EXPECT_TRUE(CompleteModelDir(*stored));
  auto run = store->GetRun(*run_id);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->artifact_path, *stored);
  EXPECT_EQ(store->StoreArtifact(*run_id, local).status().code(), StatusCode::kAlreadyExists);
}

TEST_P(TrackingStoreTest, RegistersVersionsMovesAliasesAndResolvesReferences) {
  auto store = Open();
  ASSERT_TRUE(store);
  std::string run1 = RunWithArtifact(*store, 0.81);
  std::string run2 = RunWithArtifact(*store, 0.86);
  auto v1 = store->RegisterModelVersion("churn", run1);
  auto v2 = store->RegisterModelVersion("churn", run2);
  ASSERT_TRUE(v1.ok() && v2.ok()) << v1.status().ToString() << v2.status().ToString();
  EXPECT_EQ(*v1, 1);
  EXPECT_EQ(*v2, 2);
  ASSERT_TRUE(store->SetAlias("churn", "champion", 1).ok());
  ASSERT_TRUE(store->SetAlias("churn", "challenger", 2).ok());
  auto champion = store->ResolveModelUri("churn@champion");
  ASSERT_TRUE(champion.ok()) << champion.status().ToString();
  EXPECT_EQ(*champion, Options().artifact_root / run1 / "model");
  ASSERT_TRUE(store->SetAlias("churn", "champion", 2).ok());  // move
  EXPECT_EQ(*store->ResolveModelUri("churn@champion"), Options().artifact_root / run2 / "model");
  EXPECT_EQ(*store->ResolveModelUri("churn/1"), Options().artifact_root / run1 / "model");
  EXPECT_EQ(*store->ResolveModelUri("churn@latest"), Options().artifact_root / run2 / "model");
  EXPECT_EQ(*store->ResolveModelUri(dir_.string()), dir_);
  auto resolved = store->ResolveModel("churn@champion");
  ASSERT_TRUE(resolved.ok()) << resolved.status().ToString();
  EXPECT_EQ(resolved->model, "churn");
  EXPECT_EQ(resolved->version, 2);
  EXPECT_EQ(resolved->artifact_path, Options().artifact_root / run2 / "model");
  EXPECT_EQ(store->ResolveModel("churn/1")->version, 1);
  EXPECT_EQ(store->ResolveModel(dir_.string())->version, 0);
  EXPECT_EQ(store->ResolveModelUri("churn/9").status().code(), StatusCode::kNotFound);
  EXPECT_THAT(store->ResolveModelUri("churn@prod").status().message(),
              HasSubstr("aliases: challenger, champion"));
  EXPECT_EQ(store->SetAlias("churn", "prod", 9).code(), StatusCode::kNotFound);

  auto model = store->GetModel("churn");
  ASSERT_TRUE(model.ok());
  ASSERT_EQ(model->versions.size(), 2u);
  EXPECT_EQ(model->latest_version, 2);
  EXPECT_EQ(model->versions[0].run_id, run1);
  EXPECT_DOUBLE_EQ(model->versions[1].metrics.at("roc_auc"), 0.86);
  EXPECT_EQ(model->versions[1].aliases, (std::vector<std::string>{"challenger", "champion"}));
  auto models = store->ListModels();
  ASSERT_TRUE(models.ok());
  ASSERT_EQ(models->size(), 1u);
  EXPECT_EQ((*models)[0].aliases.at("champion"), 2);

  // Deletion rules: aliased versions and source runs are protected.
  Status refused = store->DeleteModelVersion("churn", 2);
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.message(), HasSubstr("churn@challenger, churn@champion"));
  EXPECT_EQ(store->DeleteRun(run1).code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store->DeleteModelVersion("churn", 1).ok());
  ASSERT_TRUE(store->DeleteRun(run1).ok());
  EXPECT_TRUE(fs::exists(Options().artifact_root / run1));  // soft: kept until gc
  EXPECT_EQ(store->RegisterModelVersion("churn", run1).status().code(),
            StatusCode::kFailedPrecondition);  // a deleted run is not registered
  ASSERT_TRUE(store->DeleteAlias("churn", "champion").ok());
  EXPECT_EQ(store->DeleteAlias("churn", "champion").code(), StatusCode::kNotFound);
  // Version numbers are never reused.
  std::string run3 = RunWithArtifact(*store);
  EXPECT_EQ(*store->RegisterModelVersion("churn", run3), 3);
}

TEST_P(TrackingStoreTest, MigratesAnOlderSchema) {
  StoreOptions old_options = Options();
  old_options.schema_version = 1;
  {
    auto old_store = Open(old_options);
    ASSERT_TRUE(old_store);
    EXPECT_EQ(*old_store->SchemaVersion(), 1);
  }
  auto store = Open();
  ASSERT_TRUE(store);
  EXPECT_EQ(*store->SchemaVersion(), kLatestSchemaVersion);
  auto run_id = store->CreateRun("default");
  ASSERT_TRUE(run_id.ok()) << run_id.status().ToString();
  auto run = store->GetRun(*run_id);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->last_update_ms, run->start_time_ms);
}

TEST_P(TrackingStoreTest, RefusesANewerSchema) {
  {
    auto store = Open();
    ASSERT_TRUE(store);
  }
  Result<std::unique_ptr<SqlConnection>> raw =
      GetParam() == StoreBackend::kSqlite
          ? OpenSqliteConnection({fs::path(uri_) / "churnml.db", std::chrono::milliseconds(1000)})
          : OpenPostgresConnection({uri_, std::chrono::seconds(5)});
  ASSERT_TRUE(raw.ok()) << raw.status().ToString();
  ASSERT_TRUE((*raw)->ExecScript("UPDATE schema_version SET version = 99").ok());
  auto store = TrackingStore::Open(Options());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr("schema version 99, newer than this churnml"));
}

TEST_P(TrackingStoreTest, TwoProcessesRegisteringAtOnceGetConsecutiveVersions) {
  constexpr int kPerProcess = 8;
  // No set-up: both processes also race to create the schema.
  auto child = [&]() -> int {
    auto store = TrackingStore::Open(Options());
    if (!store.ok()) return 10;
    for (int i = 0; i < kPerProcess; ++i) {
      auto run = (*store)->CreateRun("race");
      if (!run.ok()) return 11;
      if (!(*store)->LogMetrics(*run, {{"roc_auc", 0.5, 0, 0}}).ok()) return 12;
      if (!(*store)->StoreArtifact(*run, MakeModelDir(dir_ / "local", *run)).ok()) return 13;
      auto version = (*store)->RegisterModelVersion("churn", *run);
      if (!version.ok()) {
        std::fprintf(stderr, "register failed: %s\n", version.status().ToString().c_str());
        return 14;
      }
    }
    return 0;
  };
  std::vector<pid_t> pids;
  for (int p = 0; p < 2; ++p) {
    pid_t pid = ::fork();
    if (pid == 0) ::_exit(child());
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  auto store = Open();
  ASSERT_TRUE(store);
  auto model = store->GetModel("churn");
  ASSERT_TRUE(model.ok());
  ASSERT_EQ(model->versions.size(), 2u * kPerProcess);
  std::set<std::string> runs;
  for (size_t i = 0; i < model->versions.size(); ++i) {
    EXPECT_EQ(model->versions[i].version, static_cast<int64_t>(i) + 1);
    runs.insert(model->versions[i].run_id);
  }
  EXPECT_EQ(runs.size(), 2u * kPerProcess);
}

TEST_P(TrackingStoreTest, ThreadsWithTheirOwnConnectionsDoNotLoseVersions) {
  auto setup = Open();
  ASSERT_TRUE(setup);
  std::atomic<int> failures{0};
  auto worker = [&] {
    auto store = TrackingStore::Open(Options());
    if (!store.ok()) {
      ++failures;
      return;
    }
    for (int i = 0; i < 6; ++i) {
      auto run = (*store)->CreateRun("threads");
      if (!run.ok() || !(*store)->StoreArtifact(*run, MakeModelDir(dir_ / "local", *run)).ok() ||
          !(*store)->RegisterModelVersion("churn", *run).ok()) {
        ++failures;
      }
    }
  };
  std::thread a(worker), b(worker), c(worker);
  a.join();
  b.join();
  c.join();
  EXPECT_EQ(failures.load(), 0);
  auto model = setup->GetModel("churn");
  ASSERT_TRUE(model.ok());
  EXPECT_EQ(model->latest_version, 18);
  EXPECT_EQ(model->versions.size(), 18u);
}

TEST_P(TrackingStoreTest, KillDuringArtifactCopyLeavesOnlyAStagingFolder) {
  auto store = Open();
  ASSERT_TRUE(store);
  auto run_id = store->CreateRun("crash");
  ASSERT_TRUE(run_id.ok());
  fs::path local = MakeModelDir(dir_ / "local", "model");
  int status = RunInChild([&] {
    StoreOptions options = Options();
    options.checkpoint = [](std::string_view point) {
      if (point == "artifact.staged") ::kill(::getpid(), SIGKILL);
    };
    auto child_store = TrackingStore::Open(options);
    if (!child_store.ok()) return 10;
    return (*child_store)->StoreArtifact(*run_id, local).ok() ? 0 : 11;
  });
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  EXPECT_FALSE(fs::exists(Options().artifact_root / *run_id / "model"));
  auto run = store->GetRun(*run_id);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->status, RunStatus::kRunning);
  EXPECT_FALSE(run->artifact_path.has_value());

  auto report = store->Check(RepairMode::kReportOnly);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->temporary_folders.size(), 1u);
  EXPECT_THAT(report->temporary_folders[0].filename().string(), HasSubstr(".model.tmp-"));
  ASSERT_TRUE(store->Check(RepairMode::kRepair).ok());
  EXPECT_FALSE(fs::exists(report->temporary_folders[0]));
  EXPECT_TRUE(store->Check(RepairMode::kReportOnly)->clean());
  // The run can still store its artifact afterwards.
  EXPECT_TRUE(store->StoreArtifact(*run_id, local).ok());
}

TEST_P(TrackingStoreTest, KillAfterRenameLeavesAnOrphanThatCheckRepairs) {
  auto store = Open();
  ASSERT_TRUE(store);
  auto run_id = store->CreateRun("crash");
  ASSERT_TRUE(run_id.ok());
  fs::path local = MakeModelDir(dir_ / "local", "model");
  int status = RunInChild([&] {
    StoreOptions options = Options();
    options.checkpoint = [](std::string_view point) {
      if (point == "artifact.renamed") ::kill(::getpid(), SIGKILL);
    };
    auto child_store = TrackingStore::Open(options);
    if (!child_store.ok()) return 10;
    return (*child_store)->StoreArtifact(*run_id, local).ok() ? 0 : 11;
  });
  ASSERT_TRUE(WIFSIGNALED(status));
  auto report = store->Check(RepairMode::kRepair);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->orphan_artifacts.size(), 1u);
  EXPECT_EQ(report->orphan_artifacts[0], Options().artifact_root / *run_id / "model");
  EXPECT_FALSE(fs::exists(Options().artifact_root / *run_id / "model"));
  EXPECT_TRUE(store->Check(RepairMode::kReportOnly)->clean());
}

TEST_P(TrackingStoreTest, KillDuringRegistrationLeavesNoHalfRegisteredVersion) {
  auto store = Open();
  ASSERT_TRUE(store);
  std::string run_id = RunWithArtifact(*store);
  int status = RunInChild([&] {
    StoreOptions options = Options();
    options.checkpoint = [](std::string_view point) {
      if (point == "register.inserted") ::kill(::getpid(), SIGKILL);
    };
    auto child_store = TrackingStore::Open(options);
    if (!child_store.ok()) return 10;
    return (*child_store)->RegisterModelVersion("churn", run_id).ok() ? 0 : 11;
  });
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(store->GetModel("churn").status().code(), StatusCode::kNotFound);
  auto version = store->RegisterModelVersion("churn", run_id);
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  EXPECT_EQ(*version, 1);  // the killed transaction did not use up a number
  EXPECT_TRUE(store->Check(RepairMode::kReportOnly)->clean());
}

TEST_P(TrackingStoreTest, ReadersNeverSeeAnAliasWithAnIncompleteArtifact) {
  auto store = Open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->RegisterModelVersion("churn", RunWithArtifact(*store)).ok());
  ASSERT_TRUE(store->SetAlias("churn", "champion", 1).ok());
  std::atomic<bool> done{false};
  std::atomic<int> resolved{0}, bad{0};
  std::thread reader([&] {
    auto reader_store = TrackingStore::Open(Options());
    if (!reader_store.ok()) {
      ++bad;
      return;
    }
    while (!done.load()) {
      auto path = (*reader_store)->ResolveModelUri("churn@champion");
      if (!path.ok() || !CompleteModelDir(*path)) ++bad;
      ++resolved;
    }
  });
  for (int i = 0; i < 10; ++i) {
    auto version = store->RegisterModelVersion("churn", RunWithArtifact(*store));
    ASSERT_TRUE(version.ok()) << version.status().ToString();
    ASSERT_TRUE(store->SetAlias("churn", "champion", *version).ok());
  }
  done = true;
  reader.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(resolved.load(), 0);
  EXPECT_EQ(store->GetModel("churn")->aliases.at("champion"), 11);
}

TEST_P(TrackingStoreTest, StaleRunningRunsAreMarkedAndRepairedAsKilled) {
  int64_t now = 1'800'000'000'000;
  StoreOptions options = Options();
  options.clock = [&now] { return now; };
  options.stale_after = std::chrono::minutes(30);
  auto store = Open(options);
  ASSERT_TRUE(store);
  auto dead = store->CreateRun("default");
  auto alive = store->CreateRun("default");
  ASSERT_TRUE(dead.ok() && alive.ok());
  now += 31 * 60 * 1000;
  ASSERT_TRUE(store->LogMetrics(*alive, {{"loss", 1, 0, 0}}).ok());  // heartbeat
  auto runs = store->ListRuns({});
  ASSERT_TRUE(runs.ok());
  std::map<std::string, bool> stale;
  for (const tracking::Run& r : *runs) stale[r.run_id] = r.stale;
  EXPECT_TRUE(stale.at(*dead));
  EXPECT_FALSE(stale.at(*alive));
  auto report = store->Check(RepairMode::kRepair);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->stale_runs, std::vector<std::string>{*dead});
  EXPECT_EQ(store->GetRun(*dead)->status, RunStatus::kKilled);
  EXPECT_EQ(store->GetRun(*alive)->status, RunStatus::kRunning);
}

TEST_P(TrackingStoreTest, CheckFindsAndRepairsVersionsWhoseArtifactVanished) {
  auto store = Open();
  ASSERT_TRUE(store);
  std::string run_id = RunWithArtifact(*store);
  ASSERT_TRUE(store->RegisterModelVersion("churn", run_id).ok());
  ASSERT_TRUE(store->SetAlias("churn", "champion", 1).ok());
  fs::remove_all(Options().artifact_root / run_id);
  auto resolved = store->ResolveModelUri("churn@champion");
  EXPECT_EQ(resolved.status().code(), StatusCode::kFailedPrecondition);
  auto report = store->Check(RepairMode::kRepair);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->versions_without_artifact.size(), 1u);
  EXPECT_EQ(report->runs_with_missing_artifact, std::vector<std::string>{run_id});
  EXPECT_TRUE(store->GetModel("churn")->versions.empty());
  EXPECT_TRUE(store->Check(RepairMode::kReportOnly)->clean());
}

TEST_P(TrackingStoreTest, ResolvesUniqueRunIdPrefixesAndListsAmbiguousMatches) {
  auto store = Open();
  ASSERT_TRUE(store);
  // Three runs whose ids we choose: abcd01…, abcd02…, ef01….
  const std::vector<std::string> ids = {"abcd01" + std::string(26, '0'),
                                        "abcd02" + std::string(26, '0'),
                                        "ef01" + std::string(28, '0')};
  {
    auto raw = GetParam() == StoreBackend::kSqlite
                   ? OpenSqliteConnection({fs::path(uri_) / "churnml.db"})
                   : OpenPostgresConnection({uri_, std::chrono::seconds(10)});
    ASSERT_TRUE(raw.ok()) << raw.status().ToString();
    for (const std::string& id : ids) {
      auto created = store->CreateRun("default");
      ASSERT_TRUE(created.ok());
      ASSERT_TRUE(
          (*raw)->Query("UPDATE runs SET run_id = ? WHERE run_id = ?", {id, *created}).ok());
    }
  }
  for (const std::string& id : ids) EXPECT_EQ(*store->ResolveRunId(id), id);
  EXPECT_EQ(*store->ResolveRunId("abcd01"), ids[0]);
  EXPECT_EQ(*store->ResolveRunId("ef01"), ids[2]);

  auto ambiguous = store->ResolveRunId("abcd");
  ASSERT_EQ(ambiguous.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(ambiguous.status().message(), HasSubstr("ambiguous"));
  EXPECT_THAT(ambiguous.status().message(), HasSubstr(ids[0] + ", " + ids[1]));

  EXPECT_EQ(store->ResolveRunId("abcd9").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->ResolveRunId("abc").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->ResolveRunId("ABCD").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->ResolveRunId("ab%_").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->ResolveRunId(ids[0] + "0").status().code(), StatusCode::kInvalidArgument);

  // A deleted run still resolves (runs restore needs it).
  ASSERT_TRUE(store->DeleteRun(ids[2]).ok());
  EXPECT_EQ(*store->ResolveRunId("ef01"), ids[2]);
}

TEST_P(TrackingStoreTest, SoftDeleteHidesARunUntilRestoredAndGcPurgesIt) {
  int64_t now = 1'700'000'000'000;
  StoreOptions options = Options();
  options.clock = [&now] { return now; };
  auto store = Open(options);
  ASSERT_TRUE(store);
  std::string kept = RunWithArtifact(*store, 0.8);
  std::string gone = RunWithArtifact(*store, 0.9);
  ASSERT_TRUE(store->DeleteRun(gone).ok());
  EXPECT_EQ(store->DeleteRun(gone).code(), StatusCode::kFailedPrecondition);  // already deleted

  // Listings leave it out unless asked; GetRun still shows it, marked.
  RunQuery query;
  auto active = store->ListRuns(query);
  ASSERT_TRUE(active.ok());
  ASSERT_EQ(active->size(), 1u);
  EXPECT_EQ((*active)[0].run_id, kept);
  query.lifecycle = RunLifecycle::kDeleted;
  auto deleted = store->ListRuns(query);
  ASSERT_TRUE(deleted.ok());
  ASSERT_EQ(deleted->size(), 1u);
  EXPECT_EQ((*deleted)[0].run_id, gone);
  EXPECT_EQ((*deleted)[0].deleted_ms, now);
  query.lifecycle = RunLifecycle::kAll;
  EXPECT_EQ(store->ListRuns(query)->size(), 2u);
  auto run = store->GetRun(gone);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->deleted_ms, now);
  EXPECT_TRUE(fs::exists(*run->artifact_path));

  // Restore brings it back; restoring a live run is refused.
  ASSERT_TRUE(store->RestoreRun(gone).ok());
  EXPECT_FALSE(store->GetRun(gone)->deleted_ms.has_value());
  EXPECT_EQ(store->RestoreRun(gone).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store->ListRuns(RunQuery{})->size(), 2u);

  // gc purges only runs deleted at least --older-than ago.
  ASSERT_TRUE(store->DeleteRun(gone).ok());
  now += 60'000;
  auto young = store->PurgeDeletedRuns(std::chrono::minutes(5));
  ASSERT_TRUE(young.ok()) << young.status().ToString();
  EXPECT_TRUE(young->purged_runs.empty());
  EXPECT_TRUE(store->GetRun(gone).ok());
  now += 5 * 60'000;
  auto purged = store->PurgeDeletedRuns(std::chrono::minutes(5));
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  EXPECT_EQ(purged->purged_runs, std::vector<std::string>{gone});
  EXPECT_EQ(store->GetRun(gone).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(fs::exists(Options().artifact_root / gone));
  EXPECT_EQ(store->GetMetricHistory(gone).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store->GetRun(kept).ok());
  EXPECT_TRUE(fs::exists(Options().artifact_root / kept));
  auto report = store->Check(RepairMode::kReportOnly);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->clean());
  EXPECT_EQ(store->RestoreRun(gone).code(), StatusCode::kNotFound);
  EXPECT_EQ(store->PurgeDeletedRuns(std::chrono::milliseconds(-1)).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_P(TrackingStoreTest, RunsThatSourceAVersionAreNeitherDeletedNorPurged) {
  auto store = Open();
  ASSERT_TRUE(store);
  std::string run = RunWithArtifact(*store);
  ASSERT_TRUE(store->RegisterModelVersion("churn", run).ok());
  Status refused = store->DeleteRun(run);
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.message(), HasSubstr("churn/1"));
  auto gc = store->PurgeDeletedRuns(std::chrono::milliseconds(0));
  ASSERT_TRUE(gc.ok());
  EXPECT_TRUE(gc->purged_runs.empty());
  EXPECT_TRUE(store->GetRun(run).ok());
}

TEST_P(TrackingStoreTest, FilterOnAKeyNoRunHasListsTheKnownKeys) {
  auto store = Open();
  ASSERT_TRUE(store);
  RunQuery query;
  query.filter = "metrics.roc_auc > 0.5";
  // An empty store has nothing to check against: an empty answer.
  auto empty = store->ListRuns(query);
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->empty());

  auto id = store->CreateRun("default", {{"team", "growth"}});
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(store->LogParams(*id, {{"model", "xgboost"}}).ok());
  ASSERT_TRUE(
      store->LogMetrics(*id, {{"roc_auc", 0.9, 0, 0}, {"average_precision", 0.7, 0, 0}}).ok());
  EXPECT_EQ(store->ListRuns(query)->size(), 1u);

  query.filter = "metrics.roc_acu > 0.5";
  auto typo = store->ListRuns(query);
  ASSERT_EQ(typo.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(typo.status().message(), HasSubstr("filter, column 1"));
  EXPECT_THAT(typo.status().message(), HasSubstr("metric \"roc_acu\""));
  EXPECT_THAT(typo.status().message(), HasSubstr("did you mean metrics.roc_auc?"));
  EXPECT_THAT(typo.status().message(), HasSubstr("known metrics: average_precision, roc_auc"));

  // A renamed metric points at its new name (the caller knows the renames).
  query.filter = "metrics.pr_auc > 0.6";
  query.renamed_metrics = {{"pr_auc", "average_precision"}};
  auto renamed = store->ListRuns(query);
  ASSERT_EQ(renamed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(renamed.status().message(), HasSubstr("did you mean metrics.average_precision?"));

  query.filter = "params.modle = 'xgboost'";
  auto param = store->ListRuns(query);
  ASSERT_EQ(param.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(param.status().message(), HasSubstr("did you mean params.model?"));
  query.filter = "tags.nothing_like_it = 'x'";
  auto tag = store->ListRuns(query);
  ASSERT_EQ(tag.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(tag.status().message(), HasSubstr("known tags: team"));
  EXPECT_THAT(tag.status().message(), ::testing::Not(HasSubstr("did you mean")));

  query.filter = "";
  query.order_by = "metrics.f1 desc";
  auto order = store->ListRuns(query);
  ASSERT_EQ(order.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(order.status().message(), HasSubstr("order-by, column 1"));
}

CHURNML_INSTANTIATE_STORE_BACKENDS(Stores, TrackingStoreTest);

// --- PostgreSQL-specific failure modes ------------------------------------

TEST(PostgresStore, RefusedConnectionIsAClearUnavailableError) {
  // Bind a port and close it again: nothing listens there.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  StoreOptions options;
  options.uri = "postgresql://churnml@127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) +
                "/db?artifact_root=/tmp";
  auto store = TrackingStore::Open(options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(store.status().message(), HasSubstr("cannot connect to PostgreSQL store"));
}

TEST(PostgresStore, SilentServerFailsWithinTheConnectTimeout) {
  // A socket that accepts TCP connections (backlog) but never speaks.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  StoreOptions options;
  options.uri = "postgresql://churnml@127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) +
                "/db?artifact_root=/tmp";
  options.connect_timeout = std::chrono::seconds(1);
  auto store = TrackingStore::Open(options);
  ::close(fd);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(store.status().message(), HasSubstr("connect_timeout 1 s"));
}

TEST(PostgresStore, NeedsASharedArtifactRoot) {
  StoreOptions options;
  options.uri = "postgresql://churnml@127.0.0.1:1/db";
  auto store = TrackingStore::Open(options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(store.status().message(), HasSubstr("artifact_root"));
}

}  // namespace
}  // namespace churnml::tracking
