// The tracking store's write fence (StoreOptions::write_fence) with the real
// fault, on SQLite and a real PostgreSQL: a worker's lease expires, another
// worker claims the job (epoch + 1), and the first worker — a zombie that
// still believes it holds the job — can no longer create a run, register a
// model version or move an alias. Time is a ManualClock.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "orchestration/job_queue.h"
#include "tracking/store_backend_fixture.h"

namespace churnml::orchestration {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using tracking::TrackingStore;
using tracking::WriteFence;
using tracking::testing::StoreBackendTest;

class WriteFenceTest : public StoreBackendTest {
 protected:
  WriteFenceTest() : StoreBackendTest("fence") {}

  QueueOptions Options() {
    QueueOptions options;
    options.store.uri = uri_;
    options.store.artifact_root = dir_ / "artifacts";
    options.clock = &clock_;
    options.lease = std::chrono::milliseconds(30000);
    return options;
  }

  // The store a job's code writes through: fenced on (job, epoch).
  std::unique_ptr<TrackingStore> FencedStore(int64_t job_id, int64_t epoch) {
    tracking::StoreOptions options = Options().store;
    options.write_fence = WriteFence{job_id, epoch};
    auto store = TrackingStore::Open(options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // A finished model folder to store as a run's artifact.
  fs::path ModelDir() {
    fs::path d = dir_ / "model";
    fs::create_directories(d);
    std::ofstream(d / "model.json") << "{}\n";
    return d;
  }

  // Submits one job, claims it as "zombie", lets the lease run out and has
  // "healthy" claim it again. Returns {job id, zombie epoch, healthy epoch}.
  std::tuple<int64_t, int64_t, int64_t> TakeOver(JobQueue& queue) {
    SubmitRequest request;
    request.kind = "train";
    request.submitter = "test";
    auto outcome = queue.Submit(request);
    EXPECT_TRUE(outcome.ok()) << outcome.status().ToString();
    auto zombie = queue.Claim({"zombie", {}, {}});
    EXPECT_TRUE(zombie.ok() && zombie->has_value());
    clock_.Advance(std::chrono::seconds(31));
    auto healthy = queue.Claim({"healthy", {}, {}});  // rescues, then claims
    EXPECT_TRUE(healthy.ok() && healthy->has_value());
    if (!zombie.ok() || !zombie->has_value() || !healthy.ok() || !healthy->has_value()) return {};
    EXPECT_EQ((*healthy)->id, outcome->job_id);
    return {outcome->job_id, (*zombie)->epoch, (*healthy)->epoch};
  }

  ManualClock clock_;
};

TEST_P(WriteFenceTest, CurrentHolderWritesGoThrough) {
  auto queue = JobQueue::Open(Options());
  ASSERT_TRUE(queue.ok()) << queue.status().ToString();
  SubmitRequest request;
  request.kind = "train";
  request.submitter = "test";
  ASSERT_TRUE((*queue)->Submit(request).ok());
  auto job = (*queue)->Claim({"w1", {}, {}});
  ASSERT_TRUE(job.ok() && job->has_value());
  auto store = FencedStore((*job)->id, (*job)->epoch);
  ASSERT_TRUE(store);
  auto run = store->CreateRun("fenced");
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  ASSERT_TRUE(store->StoreArtifact(*run, ModelDir()).ok());
  auto version = store->RegisterModelVersion("churn", *run);
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  EXPECT_TRUE(store->SetAlias("churn", "champion", *version).ok());
}

TEST_P(WriteFenceTest, ZombieWorkerCannotCreateRunsRegisterOrMoveAliases) {
  auto queue = JobQueue::Open(Options());
  ASSERT_TRUE(queue.ok()) << queue.status().ToString();
  // The zombie opened its store and started a run while it held the lease.
  SubmitRequest request;
  request.kind = "train";
  request.submitter = "test";
  auto outcome = (*queue)->Submit(request);
  ASSERT_TRUE(outcome.ok());
  auto zombie_job = (*queue)->Claim({"zombie", {}, {}});
  ASSERT_TRUE(zombie_job.ok() && zombie_job->has_value());
  auto zombie = FencedStore(outcome->job_id, (*zombie_job)->epoch);
  ASSERT_TRUE(zombie);
  auto zombie_run = zombie->CreateRun("fenced");
  ASSERT_TRUE(zombie_run.ok()) << zombie_run.status().ToString();
  ASSERT_TRUE(zombie->StoreArtifact(*zombie_run, ModelDir()).ok());

  // It stalls past its lease; another worker claims the job.
  clock_.Advance(std::chrono::seconds(31));
  auto healthy_job = (*queue)->Claim({"healthy", {}, {}});
  ASSERT_TRUE(healthy_job.ok() && healthy_job->has_value());
  ASSERT_EQ((*healthy_job)->id, outcome->job_id);
  ASSERT_EQ((*healthy_job)->epoch, (*zombie_job)->epoch + 1);

  // The zombie wakes: every registry write is refused.
  auto version = zombie->RegisterModelVersion("churn", *zombie_run);
  ASSERT_FALSE(version.ok());
  EXPECT_EQ(version.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(version.status().message(), HasSubstr("write refused: job"));
  EXPECT_THAT(version.status().message(), HasSubstr("lease lost"));
  EXPECT_THAT(version.status().message(), HasSubstr("held by healthy"));
  EXPECT_EQ(zombie->CreateRun("fenced").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(zombie->FinishRun(*zombie_run, tracking::RunStatus::kFinished).code(),
            StatusCode::kFailedPrecondition);

  // The healthy worker registers version 1; the zombie cannot move the alias.
  auto healthy = FencedStore(outcome->job_id, (*healthy_job)->epoch);
  ASSERT_TRUE(healthy);
  auto run = healthy->CreateRun("fenced");
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  ASSERT_TRUE(healthy->StoreArtifact(*run, ModelDir()).ok());
  auto good = healthy->RegisterModelVersion("churn", *run);
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_EQ(*good, 1);
  EXPECT_EQ(zombie->SetAlias("churn", "champion", *good).code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(healthy->SetAlias("churn", "champion", *good).ok());

  auto model = (*queue)->store().GetModel("churn");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  ASSERT_EQ(model->versions.size(), 1u);
  EXPECT_EQ(model->versions[0].run_id, *run);
  // Reads are not fenced: the zombie may still look.
  EXPECT_TRUE(zombie->GetModel("churn").ok());
  auto zombie_state = (*queue)->store().GetRun(*zombie_run);
  ASSERT_TRUE(zombie_state.ok());
  EXPECT_EQ(zombie_state->status, tracking::RunStatus::kRunning);
}

TEST_P(WriteFenceTest, FinishedOrCancelledJobRefusesWrites) {
  auto queue = JobQueue::Open(Options());
  ASSERT_TRUE(queue.ok()) << queue.status().ToString();
  auto [id, zombie_epoch, healthy_epoch] = TakeOver(**queue);
  ASSERT_GT(id, 0);
  ASSERT_TRUE((*queue)->Complete({id, healthy_epoch}, {}, "{}").ok());
  auto after = FencedStore(id, healthy_epoch);
  ASSERT_TRUE(after);
  Result<std::string> run = after->CreateRun("fenced");
  ASSERT_FALSE(run.ok());
  EXPECT_THAT(run.status().message(), HasSubstr("the job is succeeded"));
  auto missing = FencedStore(id + 1000, 1);
  ASSERT_TRUE(missing);
  EXPECT_THAT(missing->CreateRun("fenced").status().message(), HasSubstr("does not exist"));
}

CHURNML_INSTANTIATE_STORE_BACKENDS(Backends, WriteFenceTest);

}  // namespace
}  // namespace churnml::orchestration
