#include "reliability/retry_budget.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace churnml::reliability {
namespace {

using std::chrono::seconds;

RetryBudgetConfig Budget(double ratio, double min_per_second, int64_t window) {
  RetryBudgetConfig c;
  c.retry_ratio = ratio;
  c.min_retries_per_second = min_per_second;
  c.window_seconds = window;
  return c;
}

TEST(RetryBudgetConfig, ValidateNamesTheField) {
  EXPECT_NE(Budget(-1, 0, 10).Validate().status().message().find("retry_ratio"), std::string::npos);
  EXPECT_NE(Budget(0.2, -1, 10).Validate().status().message().find("min_retries_per_second"),
            std::string::npos);
  EXPECT_NE(Budget(0.2, 1, 0).Validate().status().message().find("window_seconds"),
            std::string::npos);
  EXPECT_TRUE(RetryBudgetConfig{}.Validate().ok());
}

TEST(RetryBudget, MinimumRetriesAllowedWithoutTraffic) {
  ManualClock clock;
  RetryBudget budget(Budget(0.0, 1.0, 10), clock);  // 10 per window
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(budget.TryAcquireRetry()) << i;
  EXPECT_FALSE(budget.TryAcquireRetry());
  EXPECT_EQ(budget.retries(), 10);
  EXPECT_EQ(budget.available(), 0);
}

TEST(RetryBudget, RetriesScaleWithRequests) {
  ManualClock clock;
  RetryBudget budget(Budget(0.5, 0.0, 10), clock);
  for (int i = 0; i < 10; ++i) budget.RecordRequest();
  EXPECT_EQ(budget.available(), 5);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(budget.TryAcquireRetry());
  EXPECT_FALSE(budget.TryAcquireRetry());
  budget.RecordRequest();
  budget.RecordRequest();
  EXPECT_TRUE(budget.TryAcquireRetry());  // 12 requests -> 6 retries
  EXPECT_FALSE(budget.TryAcquireRetry());
}

TEST(RetryBudget, OldSecondsLeaveTheWindow) {
  ManualClock clock;
  RetryBudget budget(Budget(1.0, 0.0, 5), clock);
  for (int i = 0; i < 4; ++i) budget.RecordRequest();
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(budget.TryAcquireRetry());
  EXPECT_FALSE(budget.TryAcquireRetry());
  clock.Advance(seconds(3));
  budget.RecordRequest();
  EXPECT_TRUE(budget.TryAcquireRetry());
  clock.Advance(seconds(2));  // the first second's 4 requests and 4 retries expire
  EXPECT_EQ(budget.requests(), 1);
  EXPECT_EQ(budget.retries(), 1);
  EXPECT_EQ(budget.available(), 0);
  clock.Advance(seconds(5));
  EXPECT_EQ(budget.requests(), 0);
  EXPECT_EQ(budget.retries(), 0);
}

TEST(RetryBudget, ConcurrentRetriesNeverExceedTheBudget) {
  ManualClock clock;
  RetryBudget budget(Budget(0.1, 0.0, 60), clock);
  for (int i = 0; i < 1000; ++i) budget.RecordRequest();  // 100 retries allowed
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (budget.TryAcquireRetry()) granted.fetch_add(1);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(granted.load(), 100);
  EXPECT_EQ(budget.retries(), 100);
}

}  // namespace
}  // namespace churnml::reliability
