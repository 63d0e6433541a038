// The tracking store's transaction retry: lock conflicts are retried with
// jittered backoff whose sleeps go through the StoreOptions clock, so this
// test drives a ManualClock and never waits for time to pass.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>

#include "common/clock.h"
#include "tracking/tracking_store.h"

namespace churnml::tracking {
namespace {

namespace fs = std::filesystem;

class TransactionRetryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("churnml-retry-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override {
    if (locker_ != nullptr) sqlite3_close(locker_);
    fs::remove_all(dir_);
  }

  std::unique_ptr<TrackingStore> Open(const Clock* clock, uint64_t seed, int attempts) {
    StoreOptions options;
    options.uri = dir_.string();
    options.busy_timeout = std::chrono::milliseconds(0);  // a held lock fails at once
    options.max_transaction_attempts = attempts;
    options.retry_clock = clock;
    options.retry_seed = seed;
    Result<std::unique_ptr<TrackingStore>> store = TrackingStore::Open(options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // Another process's writer: holds the database's write lock.
  void HoldWriteLock() {
    ASSERT_EQ(sqlite3_open((dir_ / "churnml.db").c_str(), &locker_), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(locker_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  }
  void ReleaseWriteLock() {
    ASSERT_EQ(sqlite3_exec(locker_, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  }

  fs::path dir_;
  sqlite3* locker_ = nullptr;
};

TEST_F(TransactionRetryTest, BacksOffThroughTheStoreClockAndGivesUpAfterTheAttemptCap) {
  ManualClock clock;
  std::unique_ptr<TrackingStore> store = Open(&clock, 7, 6);
  ASSERT_NE(store, nullptr);
  HoldWriteLock();
  const Clock::TimePoint before = clock.Now();
  Result<std::string> run = store->CreateRun("exp");
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(run.status().message().find("gave up after 6 attempts"), std::string::npos)
      << run.status().message();
  // A sleep between attempts, none after the last; each within its cap
  // (full jitter: 0..cap ms, cap 4, 8, 16, 32, 64 ms).
  const std::vector<Clock::Duration> sleeps = clock.sleeps();
  ASSERT_EQ(sleeps.size(), 5u);
  Clock::Duration total{};
  for (size_t i = 0; i < sleeps.size(); ++i) {
    EXPECT_GE(sleeps[i], Clock::Duration::zero());
    EXPECT_LE(sleeps[i], std::chrono::milliseconds(4 << i)) << "sleep " << i;
    total += sleeps[i];
  }
  EXPECT_EQ(clock.Now() - before, total);  // the clock moved by the sleeps only
}

TEST_F(TransactionRetryTest, TheSeedDecidesTheJitter) {
  ManualClock first;
  ManualClock second;
  ManualClock other_seed;
  {
    std::unique_ptr<TrackingStore> a = Open(&first, 42, 8);
    std::unique_ptr<TrackingStore> b = Open(&second, 42, 8);
    std::unique_ptr<TrackingStore> c = Open(&other_seed, 43, 8);
    ASSERT_TRUE(a && b && c);
    HoldWriteLock();
    EXPECT_FALSE(a->CreateRun("exp").ok());
    EXPECT_FALSE(b->CreateRun("exp").ok());
    EXPECT_FALSE(c->CreateRun("exp").ok());
  }
  EXPECT_EQ(first.sleeps(), second.sleeps());
  EXPECT_NE(first.sleeps(), other_seed.sleeps());
}

TEST_F(TransactionRetryTest, SucceedsOnceTheLockIsReleased) {
  ManualClock clock;
  std::unique_ptr<TrackingStore> store = Open(&clock, 1, 3);
  ASSERT_NE(store, nullptr);
  HoldWriteLock();
  EXPECT_FALSE(store->CreateRun("exp").ok());
  ReleaseWriteLock();
  Result<std::string> run = store->CreateRun("exp");
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(clock.sleeps().size(), 2u);  // only the first call's backoff
}

}  // namespace
}  // namespace churnml::tracking
