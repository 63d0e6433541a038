#include "serving/api/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"

namespace churnml::serving {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::unique_ptr<RateLimiter> Make(const RateLimitOptions& options, const Clock& clock) {
  Result<std::unique_ptr<RateLimiter>> r = RateLimiter::Create(options, clock);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : nullptr;
}

TEST(RateLimiterTest, AllowsTheBurstThenRefuses) {
  ManualClock clock;
  auto limiter = Make({.rate = 1, .burst = 3}, clock);
  for (int64_t i = 0; i < 3; ++i) {
    RateLimitDecision d = limiter->Acquire("k");
    EXPECT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.limit, 3);
    EXPECT_EQ(d.remaining, 2 - i);
    EXPECT_EQ(d.reset_seconds, i + 1);
    EXPECT_EQ(d.retry_after_seconds, 0);
  }
  RateLimitDecision refused = limiter->Acquire("k");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.remaining, 0);
  EXPECT_EQ(refused.retry_after_seconds, 1);
  EXPECT_EQ(refused.reset_seconds, 3);
}

TEST(RateLimiterTest, RefillsAtTheRateUpToTheBurst) {
  ManualClock clock;
  auto limiter = Make({.rate = 2, .burst = 2}, clock);
  EXPECT_TRUE(limiter->Acquire("k").allowed);
  EXPECT_TRUE(limiter->Acquire("k").allowed);
  EXPECT_FALSE(limiter->Acquire("k").allowed);
  clock.Advance(milliseconds(500));  // one token
  EXPECT_TRUE(limiter->Acquire("k").allowed);
  EXPECT_FALSE(limiter->Acquire("k").allowed);
  clock.Advance(seconds(60));  // capped at the burst
  EXPECT_EQ(limiter->Acquire("k").remaining, 1);
  EXPECT_EQ(limiter->Acquire("k").remaining, 0);
  EXPECT_FALSE(limiter->Acquire("k").allowed);
}

TEST(RateLimiterTest, FractionalRateGivesRetryAfterInWholeSeconds) {
  ManualClock clock;
  auto limiter = Make({.rate = 0.25, .burst = 1}, clock);
  EXPECT_TRUE(limiter->Acquire("k").allowed);
  RateLimitDecision d = limiter->Acquire("k");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_seconds, 4);
  clock.Advance(seconds(3));
  d = limiter->Acquire("k");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_seconds, 1);
  clock.Advance(seconds(1));
  EXPECT_TRUE(limiter->Acquire("k").allowed);
}

TEST(RateLimiterTest, KeysHaveSeparateBuckets) {
  ManualClock clock;
  auto limiter = Make({.rate = 1, .burst = 1}, clock);
  EXPECT_TRUE(limiter->Acquire("a").allowed);
  EXPECT_FALSE(limiter->Acquire("a").allowed);
  EXPECT_TRUE(limiter->Acquire("b").allowed);
  EXPECT_FALSE(limiter->Acquire("b").allowed);
  EXPECT_EQ(limiter->bucket_count(), 2u);
}

TEST(RateLimiterTest, MemoryIsBoundedAndRecentBucketsSurviveEviction) {
  ManualClock clock;
  auto limiter = Make({.rate = 0.001, .burst = 2, .max_keys = 64}, clock);
  for (int i = 0; i < 1000; ++i) {
    (void)limiter->Acquire("key-" + std::to_string(i));
    clock.Advance(milliseconds(1));
  }
  EXPECT_LE(limiter->bucket_count(), 64u);
  EXPECT_GE(limiter->bucket_count(), 16u);
  // The most recently used bucket is the last one a shard evicts.
  EXPECT_TRUE(limiter->Acquire("busy").allowed);
  EXPECT_TRUE(limiter->Acquire("busy").allowed);
  clock.Advance(milliseconds(1));
  (void)limiter->Acquire("new-1");
  (void)limiter->Acquire("new-2");
  EXPECT_FALSE(limiter->Acquire("busy").allowed);
  EXPECT_LE(limiter->bucket_count(), 64u);
}

TEST(RateLimiterTest, FullBucketsAreDroppedFirst) {
  ManualClock clock;
  auto limiter = Make({.rate = 1, .burst = 1, .max_keys = 16}, clock);
  for (int i = 0; i < 16; ++i) (void)limiter->Acquire("key-" + std::to_string(i));
  clock.Advance(seconds(5));  // every bucket is full again: all are droppable
  for (int i = 0; i < 16; ++i) (void)limiter->Acquire("later-" + std::to_string(i));
  EXPECT_LE(limiter->bucket_count(), 16u);
  EXPECT_TRUE(limiter->Acquire("key-0").allowed);
}

TEST(RateLimiterTest, RejectsBadOptions) {
  ManualClock clock;
  EXPECT_FALSE(RateLimiter::Create({.rate = 0}, clock).ok());
  EXPECT_FALSE(RateLimiter::Create({.rate = 1, .burst = 0.5}, clock).ok());
  EXPECT_FALSE(RateLimiter::Create({.rate = 1, .burst = 1, .max_keys = 0}, clock).ok());
  Result<std::unique_ptr<RateLimiter>> r = RateLimiter::Create({.rate = -1}, clock);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "rate limit: rate must be > 0 requests/s, got -1");
}

TEST(RateLimiterTest, ConcurrentAcquiresNeverExceedTheBurst) {
  ManualClock clock;
  auto limiter = Make({.rate = 1, .burst = 600}, clock);
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (limiter->Acquire(i % 2 == 0 ? "shared" : "other").allowed) ++allowed;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 1200);  // 600 of the 1,000 tries per key, exactly
}

}  // namespace
}  // namespace churnml::serving
