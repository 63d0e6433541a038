// Schedules on SQLite and a real PostgreSQL: a due tick is enqueued once,
// however many queues (workers) race for it; ticks missed during an outage
// collapse into one job. Time is a ManualClock.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "orchestration/job_queue.h"
#include "tracking/store_backend_fixture.h"

namespace churnml::orchestration {
namespace {

using std::chrono::minutes;
using ::testing::HasSubstr;
using tracking::testing::StoreBackendTest;

class JobSchedulesTest : public StoreBackendTest {
 protected:
  JobSchedulesTest() : StoreBackendTest("sched") {}

  std::unique_ptr<JobQueue> Open() {
    QueueOptions options;
    options.store.uri = uri_;
    options.store.artifact_root = dir_ / "artifacts";
    options.clock = &clock_;
    auto queue = JobQueue::Open(options);
    EXPECT_TRUE(queue.ok()) << queue.status().ToString();
    return queue.ok() ? std::move(queue).value() : nullptr;
  }

  static Schedule EveryFiveMinutes(const std::string& name = "nightly") {
    Schedule s;
    s.name = name;
    s.cron = "*/5 * * * *";
    s.kind = "noop";
    s.args = {"--ms", "0"};
    return s;
  }

  int64_t CountJobs(JobQueue& queue) {
    auto jobs = queue.List({});
    EXPECT_TRUE(jobs.ok()) << jobs.status().ToString();
    return jobs.ok() ? static_cast<int64_t>(jobs->size()) : -1;
  }

  ManualClock clock_;  // starts at a UTC midnight
};

TEST_P(JobSchedulesTest, DueTickIsEnqueuedOnceWithItsUniqueKey) {
  auto queue = Open();
  ASSERT_TRUE(queue);
  ASSERT_TRUE(queue->AddSchedule(EveryFiveMinutes()).ok());
  const int64_t created = queue->NowMs();
  clock_.Advance(minutes(4));
  EXPECT_TRUE(queue->EnqueueDueSchedules("w1")->empty());
  clock_.Advance(minutes(2));  // 00:06: the 00:05 tick is due
  auto added = queue->EnqueueDueSchedules("w1");
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  ASSERT_EQ(added->size(), 1u);
  EXPECT_TRUE(queue->EnqueueDueSchedules("w2")->empty());
  Job job = *queue->Get((*added)[0]);
  EXPECT_EQ(job.kind, "noop");
  EXPECT_EQ(job.args, (std::vector<std::string>{"--ms", "0"}));
  EXPECT_EQ(job.unique_key, "schedule:nightly:" + std::to_string(created + 5 * 60000));
  auto schedules = queue->ListSchedules();
  ASSERT_TRUE(schedules.ok());
  ASSERT_EQ(schedules->size(), 1u);
  EXPECT_EQ(schedules->at(0).last_tick_ms, created + 5 * 60000);
}

TEST_P(JobSchedulesTest, MissedTicksCollapseIntoOneJobForTheLatest) {
  auto queue = Open();
  ASSERT_TRUE(queue);
  ASSERT_TRUE(queue->AddSchedule(EveryFiveMinutes()).ok());
  const int64_t created = queue->NowMs();
  clock_.Advance(minutes(62));  // twelve ticks passed with no worker
  auto added = queue->EnqueueDueSchedules("w1");
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  ASSERT_EQ(added->size(), 1u);
  EXPECT_EQ(queue->Get((*added)[0])->unique_key,
            "schedule:nightly:" + std::to_string(created + 60 * 60000));
  EXPECT_EQ(CountJobs(*queue), 1);
}

TEST_P(JobSchedulesTest, RacingWorkersEnqueueEachTickOnce) {
  constexpr int kWorkers = 3;
  std::vector<std::unique_ptr<JobQueue>> queues;
  for (int i = 0; i < kWorkers; ++i) {
    queues.push_back(Open());
    ASSERT_TRUE(queues.back());
  }
  ASSERT_TRUE(queues[0]->AddSchedule(EveryFiveMinutes("a")).ok());
  ASSERT_TRUE(queues[0]->AddSchedule(EveryFiveMinutes("b")).ok());
  int64_t total = 0;
  for (int tick = 1; tick <= 4; ++tick) {
    clock_.Advance(minutes(5));
    std::atomic<int64_t> added{0};
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    threads.reserve(kWorkers);
    for (int i = 0; i < kWorkers; ++i) {
      threads.emplace_back([&, i] {
        for (int round = 0; round < 3; ++round) {
          auto got = queues[i]->EnqueueDueSchedules("w" + std::to_string(i));
          if (!got.ok()) {
            ++errors;
            continue;
          }
          added += static_cast<int64_t>(got->size());
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(added.load(), 2) << "tick " << tick;
    total += added.load();
  }
  EXPECT_EQ(CountJobs(*queues[0]), total);
  EXPECT_EQ(total, 8);
}

TEST_P(JobSchedulesTest, PausedScheduleWaitsAndResumeSkipsTheMissedTicks) {
  auto queue = Open();
  ASSERT_TRUE(queue);
  ASSERT_TRUE(queue->AddSchedule(EveryFiveMinutes()).ok());
  ASSERT_TRUE(queue->PauseSchedule("nightly", true).ok());
  clock_.Advance(minutes(30));
  EXPECT_TRUE(queue->EnqueueDueSchedules("w1")->empty());
  ASSERT_TRUE(queue->PauseSchedule("nightly", false).ok());
  EXPECT_TRUE(queue->EnqueueDueSchedules("w1")->empty());
  clock_.Advance(minutes(5));
  EXPECT_EQ(queue->EnqueueDueSchedules("w1")->size(), 1u);
}

TEST_P(JobSchedulesTest, AddRemoveAndTheirErrors) {
  auto queue = Open();
  ASSERT_TRUE(queue);
  ASSERT_TRUE(queue->AddSchedule(EveryFiveMinutes()).ok());
  EXPECT_EQ(queue->AddSchedule(EveryFiveMinutes()).code(), StatusCode::kAlreadyExists);
  Schedule bad = EveryFiveMinutes("bad");
  bad.cron = "0 24 * * *";
  Status s = queue->AddSchedule(bad);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("field 2 (hour)"));
  Schedule tz = EveryFiveMinutes("tz");
  tz.timezone = "Europe/Paris";
  EXPECT_THAT(queue->AddSchedule(tz).message(), HasSubstr("only UTC"));
  Schedule name = EveryFiveMinutes("a b");
  EXPECT_EQ(queue->AddSchedule(name).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(queue->RemoveSchedule("nightly").ok());
  EXPECT_EQ(queue->RemoveSchedule("nightly").code(), StatusCode::kNotFound);
  EXPECT_TRUE(queue->ListSchedules()->empty());
}

CHURNML_INSTANTIATE_STORE_BACKENDS(Backends, JobSchedulesTest);

}  // namespace
}  // namespace churnml::orchestration
