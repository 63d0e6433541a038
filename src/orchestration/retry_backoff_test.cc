#include "orchestration/retry_backoff.h"

#include <gtest/gtest.h>

namespace churnml::orchestration {
namespace {

using std::chrono::milliseconds;

TEST(RetryDelay, DoublesPerAttemptWithoutJitter) {
  RetryBackoffOptions options{milliseconds(30000), 2.0, milliseconds(3600000), 0.0};
  EXPECT_EQ(RetryDelay(options, 1, 0.7), milliseconds(30000));
  EXPECT_EQ(RetryDelay(options, 2, 0.7), milliseconds(60000));
  EXPECT_EQ(RetryDelay(options, 4, 0.7), milliseconds(240000));
}

TEST(RetryDelay, IsCappedEvenForHugeAttemptNumbers) {
  RetryBackoffOptions options{milliseconds(30000), 2.0, milliseconds(3600000), 0.0};
  EXPECT_EQ(RetryDelay(options, 12, 0.0), milliseconds(3600000));
  EXPECT_EQ(RetryDelay(options, 100000, 0.0), milliseconds(3600000));
}

TEST(RetryDelay, JitterSpreadsBetweenHalfAndWholeWait) {
  RetryBackoffOptions options{milliseconds(1000), 2.0, milliseconds(3600000), 0.5};
  EXPECT_EQ(RetryDelay(options, 2, 0.0), milliseconds(1000));
  EXPECT_EQ(RetryDelay(options, 2, 0.5), milliseconds(1500));
  EXPECT_EQ(RetryDelay(options, 2, 0.999999), milliseconds(2000));
}

}  // namespace
}  // namespace churnml::orchestration
