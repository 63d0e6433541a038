// The queue's conformance suite: every TEST_P runs against SQLite and a real
// PostgreSQL server (scripts/with_postgres.sh exports CHURNML_TEST_PG_URI),
// as the tracking store's suite does. Time is a ManualClock: leases,
// deadlines and backoff are tested without sleeping.
#include "orchestration/job_queue.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <set>
#include <thread>

#include "tracking/names.h"
#include "tracking/store_backend_fixture.h"

namespace churnml::orchestration {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using ::testing::HasSubstr;

using tracking::testing::StoreBackend;
using tracking::testing::StoreBackendTest;

SubmitRequest Request() {
  SubmitRequest request;
  request.kind = "noop";
  request.submitter = "test";
  return request;
}

class JobQueueTest : public StoreBackendTest {
 protected:
  JobQueueTest() : StoreBackendTest("jobs") {}

  QueueOptions Options() {
    QueueOptions options;
    options.store.uri = uri_;
    options.store.artifact_root = dir_ / "artifacts";
    options.clock = &clock_;
    options.lease = milliseconds(30000);
    options.backoff = {milliseconds(1000), 2.0, milliseconds(60000), 0.0};
    return options;
  }

  std::unique_ptr<JobQueue> Open() {
    auto queue = JobQueue::Open(Options());
    EXPECT_TRUE(queue.ok()) << queue.status().ToString();
    return queue.ok() ? std::move(queue).value() : nullptr;
  }

  int64_t Submit(JobQueue& queue, int priority = 3, const std::string& unique_key = "") {
    SubmitRequest request;
    request.kind = "noop";
    request.args = {"--ms", "0"};
    request.priority = priority;
    request.unique_key = unique_key;
    request.submitter = "test";
    auto outcome = queue.Submit(request);
    EXPECT_TRUE(outcome.ok()) << outcome.status().ToString();
    return outcome.ok() ? outcome->job_id : 0;
  }

  Job ClaimOne(JobQueue& queue, const std::string& worker = "w1") {
    auto job = queue.Claim({worker, {}, {}});
    EXPECT_TRUE(job.ok()) << job.status().ToString();
    EXPECT_TRUE(job.ok() && job->has_value()) << "nothing to claim";
    return job.ok() && job->has_value() ? **job : Job{};
  }

  std::vector<std::string> Transitions(JobQueue& queue, int64_t id) {
    auto events = queue.Events(id);
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    std::vector<std::string> out;
    if (!events.ok()) return out;
    for (const JobEvent& e : *events) {
      out.push_back(std::string(JobStateName(e.from)) + ">" + std::string(JobStateName(e.to)));
    }
    return out;
  }

  ManualClock clock_;
};

TEST_P(JobQueueTest, ClaimsInPriorityThenNotBeforeThenIdOrder) {
  auto queue = Open();
  ASSERT_TRUE(queue);
  int64_t low = Submit(*queue, 3);
  int64_t low2 = Submit(*queue, 3);
  int64_t urgent = Submit(*queue, 1);
  int64_t last = Submit(*queue, 5);
  EXPECT_EQ(ClaimOne(*queue).id, urgent);
  EXPECT_EQ(ClaimOne(*queue).id, low);
  EXPECT_EQ(ClaimOne(*queue).id, low2);
  EXPECT_EQ(ClaimOne(*queue).id, last);
  auto none = queue->Claim({"w1", {}, {}});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_P(JobQueueTest, ScheduledJobWaitsForItsNotBeforeTime) {
  auto queue = Open();
  ASSERT_TRUE(queue);
  SubmitRequest request = Request();
  request.not_before_ms = queue->NowMs() + 60000;
  auto outcome = queue->Submit(request);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(queue->Get(outcome->job_id)->state, JobState::kScheduled);
  EXPECT_FALSE(queue->Claim({"w1", {}, {}})->has_value());
  clock_.Advance(std::chrono::seconds(61));
  EXPECT_EQ(ClaimOne(*queue).id, outcome->job_id);
}

TEST_P(JobQueueTest, UniqueKeyReturnsTheUnfinishedJobInsteadOfAddingOne) {
  auto queue = Open();
  ASSERT_TRUE(queue);
  int64_t first = Submit(*queue, 3, "nightly-2026-12-03");
  SubmitRequest again = Request();
  again.unique_key = "nightly-2026-12-03";
  auto second = queue->Submit(again);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->job_id, first);
  EXPECT_FALSE(second->created);
  Job job = ClaimOne(*queue);
  ASSERT_TRUE(queue->Complete({job.id, job.epoch}, {}, "{}").ok());
  auto third = queue->Submit(again);
  ASSERT_TRUE(third.ok());
  EXPECT_NE(third->job_id, first);
  EXPECT_TRUE(third->created);
}

TEST_P(JobQueueTest, SubmissionIsValidated) {
  auto queue = Open();
  ASSERT_TRUE(queue);
  SubmitRequest bad_request = Request();
  bad_request.priority = 7;
  auto bad = queue->Submit(bad_request);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("--priority 7"));
  SubmitRequest past_request = Request();
  past_request.deadline_ms = queue->NowMs() - 1;
  auto past = queue->Submit(past_request);
  ASSERT_FALSE(past.ok());
  EXPECT_THAT(past.status().message(), HasSubstr("--deadline"));
}

TEST_P(JobQueueTest, RescuedJobGetsANewEpochAndTheStaleHolderIsFencedOut) {
  auto queue = Open();
  ASSERT_TRUE(queue);
  int64_t id = Submit(*queue);
  Job first = ClaimOne(*queue, "stalled");
  EXPECT_EQ(first.epoch, 1);
  EXPECT_TRUE(queue->Heartbeat({id, first.epoch}).ok());
  clock_.Advance(std::chrono::seconds(31));
  auto rescue = queue->Maintain("rescuer");
  ASSERT_TRUE(rescue.ok()) << rescue.status().ToString();
  EXPECT_EQ(rescue->rescued, 1);
  Job second = ClaimOne(*queue, "healthy");
  EXPECT_EQ(second.id, id);
  EXPECT_EQ(second.epoch, 2);
  EXPECT_EQ(second.attempt, 2);

  // The stalled worker wakes up: every write under epoch 1 is refused.
  fs::path out = dir_ / "scored.csv";
  fs::path stale_tmp = dir_ / "scored.csv.e1.tmp";
  std::ofstream(stale_tmp) << "stale\n";
  Status heartbeat = queue->Heartbeat({id, first.epoch});
  EXPECT_EQ(heartbeat.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(heartbeat.message(), HasSubstr("lease lost"));
  Status stale = queue->Complete({id, first.epoch}, {{stale_tmp, out}}, "{}");
  EXPECT_EQ(stale.code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(fs::exists(out));
  EXPECT_EQ(queue->Fail({id, first.epoch}, IOError("x"), FailureKind::kRetryable).status().code(),
            StatusCode::kFailedPrecondition);

  fs::path fresh_tmp = dir_ / "scored.csv.e2.tmp";
  std::ofstream(fresh_tmp) << "fresh\n";
  ASSERT_TRUE(queue->Complete({id, second.epoch}, {{fresh_tmp, out}}, R"({"ok":1})").ok());
  std::ifstream in(out);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "fresh");
  Job done = *queue->Get(id);
  EXPECT_EQ(done.state, JobState::kSucceeded);
  EXPECT_EQ(done.result, R"({"ok":1})");
  EXPECT_EQ(
      Transitions(*queue, id),
      (std::vector<std::string>{"available>available", "available>running", "running>available",
                                "available>running", "running>succeeded"}));
}

TEST_P(JobQueueTest, RetryableErrorsBackOffAndEndInFailedWithEveryAttemptsError) {
  auto queue = Open();
  ASSERT_TRUE(queue);
  SubmitRequest request = Request();
  request.max_attempts = 3;
  int64_t id = queue->Submit(request)->job_id;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    Job job = ClaimOne(*queue);
    ASSERT_EQ(job.attempt, attempt);
    auto state = queue->Fail({id, job.epoch}, IOError("disk full #" + std::to_string(attempt)),
                             FailureKind::kRetryable);
    ASSERT_TRUE(state.ok()) << state.status().ToString();
    if (attempt < 3) {
      EXPECT_EQ(*state, JobState::kRetryable);
      // Backoff 1 s, then 2 s (no jitter in this fixture): not claimable before.
      EXPECT_FALSE(queue->Claim({"w1", {}, {}})->has_value());
      clock_.Advance(milliseconds(1000 << (attempt - 1)));
    } else {
      EXPECT_EQ(*state, JobState::kFailed);
    }
  }
  auto events = queue->Events(id);
  ASSERT_TRUE(events.ok());
  std::vector<std::string> errors;
  for (const JobEvent& e : *events) {
    if (e.from == JobState::kRunning) errors.push_back(e.message);
  }
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_THAT(errors[0], HasSubstr("attempt 1 of 3: IOError: disk full #1 (retry in 1000 ms)"));
  EXPECT_THAT(errors[1], HasSubstr("disk full #2 (retry in 2000 ms)"));
  EXPECT_THAT(errors[2], HasSubstr("attempt 3 of 3: IOError: disk full #3"));
  EXPECT_EQ(queue->Get(id)->state, JobState::kFailed);
}

TEST_P(JobQueueTest, PermanentErrorFailsAtOnceAndRetryGivesOneMoreAttempt) {
  auto queue = Open();
  ASSERT_TRUE(queue);
  int64_t id = Submit(*queue);
  Job job = ClaimOne(*queue);
  auto state =
      queue->Fail({id, job.epoch}, InvalidArgumentError("bad column"), FailureKind::kPermanent);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(*state, JobState::kFailed);
  EXPECT_EQ(queue->Retry(Submit(*queue), "ops").code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(queue->Retry(id, "ops").ok());
  Job again = ClaimOne(*queue);
  // The other (available) job is older in id order only if submitted first.
  if (again.id != id) again = ClaimOne(*queue);
  EXPECT_EQ(again.id, id);
  EXPECT_EQ(again.attempt, 2);
  EXPECT_EQ(again.epoch, 2);
}

TEST_P(JobQueueTest, DeadlinePassedWhileWaitingExpiresWithoutStarting) {
  auto queue = Open();
  ASSERT_TRUE(queue);
  SubmitRequest request = Request();
  request.deadline_ms = queue->NowMs() + 5000;
  int64_t id = queue->Submit(request)->job_id;
  clock_.Advance(std::chrono::seconds(6));
  EXPECT_FALSE(queue->Claim({"w1", {}, {}})->has_value());
  Job job = *queue->Get(id);
  EXPECT_EQ(job.state, JobState::kExpired);
  EXPECT_EQ(job.attempt, 0);
  EXPECT_FALSE(job.started_ms.has_value());
  EXPECT_EQ(Transitions(*queue, id),
            (std::vector<std::string>{"available>available", "available>expired"}));
}

TEST_P(JobQueueTest, DeadlinePassedWhileRunningExpiresAtTheNextHeartbeat) {
  auto queue = Open();
  ASSERT_TRUE(queue);
  SubmitRequest request = Request();
  request.deadline_ms = queue->NowMs() + 5000;
  int64_t id = queue->Submit(request)->job_id;
  Job job = ClaimOne(*queue);
  clock_.Advance(std::chrono::seconds(6));
  Status s = queue->Heartbeat({id, job.epoch});
  EXPECT_EQ(s.code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(queue->Get(id)->state, JobState::kExpired);
  EXPECT_EQ(queue->Complete({id, job.epoch}, {}, "{}").code(), StatusCode::kFailedPrecondition);
}

TEST_P(JobQueueTest, CancelStopsWaitingAndRunningJobsButNotFinishedOnes) {
  auto queue = Open();
  ASSERT_TRUE(queue);
  int64_t waiting = Submit(*queue, 2);
  ASSERT_TRUE(queue->Cancel(waiting, "ops").ok());
  int64_t running = Submit(*queue);
  Job job = ClaimOne(*queue);
  ASSERT_EQ(job.id, running);
  ASSERT_TRUE(queue->Cancel(running, "ops").ok());
  EXPECT_EQ(queue->Heartbeat({running, job.epoch}).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(queue->Cancel(running, "ops").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(queue->Get(waiting)->state, JobState::kCancelled);
}

TEST_P(JobQueueTest, ReleaseGivesTheJobBackWithoutUsingAnAttempt) {
  auto queue = Open();
  ASSERT_TRUE(queue);
  int64_t id = Submit(*queue);
  Job job = ClaimOne(*queue);
  ASSERT_TRUE(queue->Release({id, job.epoch}, "worker draining").ok());
  Job again = ClaimOne(*queue);
  EXPECT_EQ(again.attempt, 1);
  EXPECT_EQ(again.epoch, 2);
}

TEST_P(JobQueueTest, LeaseExpiredOnTheLastAttemptIsFailed) {
  auto queue = Open();
  ASSERT_TRUE(queue);
  SubmitRequest request = Request();
  request.max_attempts = 1;
  int64_t id = queue->Submit(request)->job_id;
  ClaimOne(*queue);
  clock_.Advance(std::chrono::seconds(31));
  auto report = queue->Maintain("ops");
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->failed, 1);
  Job job = *queue->Get(id);
  EXPECT_EQ(job.state, JobState::kFailed);
  EXPECT_THAT(job.last_error, HasSubstr("lease of w1 expired"));
}

TEST_P(JobQueueTest, QueueLimitCapsRunningJobsAcrossWorkers) {
  auto queue = Open();
  ASSERT_TRUE(queue);
  ASSERT_TRUE(queue->SetQueueLimit("default", 2).ok());
  for (int i = 0; i < 4; ++i) Submit(*queue);
  Job a = ClaimOne(*queue, "a");
  ClaimOne(*queue, "b");
  EXPECT_FALSE(queue->Claim({"c", {}, {}})->has_value());
  ASSERT_TRUE(queue->Complete({a.id, a.epoch}, {}, "").ok());
  EXPECT_TRUE(queue->Claim({"c", {}, {}})->has_value());
  ASSERT_TRUE(queue->SetQueueLimit("default", 0).ok());
  EXPECT_TRUE(queue->Claim({"d", {}, {}})->has_value());
}

TEST_P(JobQueueTest, ClaimsFilterByQueueAndKind) {
  auto queue = Open();
  ASSERT_TRUE(queue);
  SubmitRequest batch_request = Request();
  batch_request.kind = "predict";
  batch_request.queue = "batch";
  auto batch = queue->Submit(batch_request);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  Submit(*queue);
  auto job = queue->Claim({"w", {"batch"}, {"noop"}});
  ASSERT_TRUE(job.ok());
  EXPECT_FALSE(job->has_value());
  job = queue->Claim({"w", {"batch"}, {"predict"}});
  ASSERT_TRUE(job.ok() && job->has_value());
  EXPECT_EQ((*job)->id, batch->job_id);
}

TEST_P(JobQueueTest, ConcurrentWorkersClaimEveryJobExactlyOnce) {
  {
    auto queue = Open();
    ASSERT_TRUE(queue);
    for (int i = 0; i < 200; ++i) Submit(*queue, 1 + i % 5);
  }
  std::mutex mu;
  std::vector<int64_t> claimed;
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      QueueOptions options = Options();
      options.clock = &RealClock();
      auto queue = JobQueue::Open(options);
      if (!queue.ok()) {
        ++errors;
        return;
      }
      for (;;) {
        auto job = (*queue)->Claim({"t" + std::to_string(t), {}, {}});
        if (!job.ok()) {
          ++errors;
          return;
        }
        if (!job->has_value()) return;
        if (!(*queue)->Complete({(*job)->id, (*job)->epoch}, {}, "").ok()) ++errors;
        std::lock_guard lock(mu);
        claimed.push_back((*job)->id);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(claimed.size(), 200u);
  EXPECT_EQ(std::set<int64_t>(claimed.begin(), claimed.end()).size(), 200u);
}

TEST_P(JobQueueTest, StatsCountByQueueAndStateWithOldestAvailableAge) {
  auto queue = Open();
  ASSERT_TRUE(queue);
  Submit(*queue);
  Submit(*queue);
  clock_.Advance(std::chrono::seconds(10));
  ClaimOne(*queue);
  auto stats = queue->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->counts["default"]["available"], 1);
  EXPECT_EQ(stats->counts["default"]["running"], 1);
  EXPECT_EQ(stats->oldest_available_age_ms["default"], 10000);
}

TEST_P(JobQueueTest, AParentStartsOnlyWhenEveryChildSucceeded) {
  auto queue = Open();
  ASSERT_TRUE(queue);
  SubmitRequest parent = Request();
  parent.kind = "merge";
  parent.priority = 1;  // first in line, yet it must wait
  std::vector<SubmitRequest> children(2, Request());
  auto submitted = queue->SubmitWithChildren(parent, children);
  ASSERT_TRUE(submitted.ok()) << submitted.status().ToString();
  auto depths = queue->ReadyDepths();
  ASSERT_TRUE(depths.ok()) << depths.status().ToString();
  EXPECT_EQ((*depths)["default"], 2) << "the parent is not ready while its children wait";
  Job a = ClaimOne(*queue, "a");
  Job b = ClaimOne(*queue, "b");
  EXPECT_EQ(a.parent_id, submitted->job_id);
  EXPECT_EQ(b.parent_id, submitted->job_id);
  EXPECT_FALSE(queue->Claim({"c", {}, {}})->has_value());
  ASSERT_TRUE(queue->Complete({a.id, a.epoch}, {}, "").ok());
  EXPECT_FALSE(queue->Claim({"c", {}, {}})->has_value()) << "one child still runs";
  ASSERT_TRUE(queue->Complete({b.id, b.epoch}, {}, "").ok());
  Job merge = ClaimOne(*queue, "c");
  EXPECT_EQ(merge.id, submitted->job_id);
}

TEST_P(JobQueueTest, AChildThatFailsForGoodFailsItsParentAndCancelsTheOthers) {
  auto queue = Open();
  ASSERT_TRUE(queue);
  std::vector<SubmitRequest> children(3, Request());
  auto submitted = queue->SubmitWithChildren(Request(), children);
  ASSERT_TRUE(submitted.ok()) << submitted.status().ToString();
  Job a = ClaimOne(*queue, "a");
  ASSERT_TRUE(
      queue->Fail({a.id, a.epoch}, InvalidArgumentError("bad row"), FailureKind::kPermanent).ok());
  auto report = queue->Maintain("test");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->parents_failed, 1);
  Job parent = *queue->Get(submitted->job_id);
  EXPECT_EQ(parent.state, JobState::kFailed);
  EXPECT_THAT(parent.last_error, HasSubstr("child job " + std::to_string(a.id) + " ended failed"));
  JobFilter filter;
  filter.parent_id = submitted->job_id;
  auto listed = queue->List(filter);
  ASSERT_TRUE(listed.ok());
  int cancelled = 0;
  for (const Job& child : *listed) cancelled += child.state == JobState::kCancelled ? 1 : 0;
  EXPECT_EQ(cancelled, 2);
  // Retrying the parent retries its unsuccessful children; it waits for them.
  ASSERT_TRUE(queue->Retry(submitted->job_id, "test").ok());
  auto depths = queue->ReadyDepths();
  ASSERT_TRUE(depths.ok());
  EXPECT_EQ((*depths)["default"], 3);
}

TEST_P(JobQueueTest, CancellingAParentCancelsItsUnfinishedChildren) {
  auto queue = Open();
  ASSERT_TRUE(queue);
  std::vector<SubmitRequest> children(2, Request());
  auto submitted = queue->SubmitWithChildren(Request(), children);
  ASSERT_TRUE(submitted.ok());
  ASSERT_TRUE(queue->Cancel(submitted->job_id, "test").ok());
  EXPECT_FALSE(queue->Claim({"w", {}, {}})->has_value());
}

TEST_P(JobQueueTest, RateLimitSpacesClaimsAcrossWorkers) {
  auto queue = Open();
  ASSERT_TRUE(queue);
  auto other = Open();  // a second worker's connection
  ASSERT_TRUE(other);
  ASSERT_TRUE(queue->SetQueueRate("default", 2, milliseconds(1000)).ok());
  for (int i = 0; i < 6; ++i) Submit(*queue);
  // A burst of 2, from either worker; then one every 500 ms.
  ClaimOne(*queue, "a");
  ClaimOne(*other, "b");
  EXPECT_FALSE(queue->Claim({"a", {}, {}})->has_value());
  EXPECT_FALSE(other->Claim({"b", {}, {}})->has_value());
  clock_.Advance(milliseconds(499));
  EXPECT_FALSE(other->Claim({"b", {}, {}})->has_value());
  clock_.Advance(milliseconds(1));
  ClaimOne(*other, "b");
  EXPECT_FALSE(queue->Claim({"a", {}, {}})->has_value());
  clock_.Advance(milliseconds(500));
  ClaimOne(*queue, "a");
  // The rate and the running cap are separate settings of one queue.
  ASSERT_TRUE(queue->SetQueueLimit("default", 10).ok());
  auto limits = queue->QueueLimits();
  ASSERT_TRUE(limits.ok());
  EXPECT_EQ((*limits)["default"].max_running, 10);
  EXPECT_EQ((*limits)["default"].rate_count, 2);
  EXPECT_EQ((*limits)["default"].rate_period_ms, 1000);
  ASSERT_TRUE(queue->SetQueueRate("default", 0, milliseconds(0)).ok());
  ClaimOne(*queue, "a");
  ClaimOne(*queue, "a");
}

TEST(ParseRate, ReadsCountPerPeriod) {
  EXPECT_EQ(*ParseRate("10/s"), std::make_pair(int64_t{10}, int64_t{1000}));
  EXPECT_EQ(*ParseRate("600/m"), std::make_pair(int64_t{600}, int64_t{60000}));
  EXPECT_EQ(*ParseRate("5/h"), std::make_pair(int64_t{5}, int64_t{3600000}));
  EXPECT_EQ(*ParseRate("2/500ms"), std::make_pair(int64_t{2}, int64_t{500}));
  EXPECT_EQ(*ParseRate("3/10s"), std::make_pair(int64_t{3}, int64_t{10000}));
  EXPECT_EQ(*ParseRate("off"), std::make_pair(int64_t{0}, int64_t{0}));
  for (const char* bad :
       {"", "10", "/s", "10/", "10/x", "0/s", "-1/s", "10/0s", "1/2d", "9999999/s"}) {
    auto parsed = ParseRate(bad);
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(parsed.status().message(), HasSubstr("--rate")) << bad;
  }
}

CHURNML_INSTANTIATE_STORE_BACKENDS(Backends, JobQueueTest);

}  // namespace
}  // namespace churnml::orchestration
