#include "common/progress.h"

#include <gtest/gtest.h>

namespace churnml {
namespace {

TEST(FormatEta, UsesSecondsMinutesAndHours) {
  EXPECT_EQ(FormatEta(0), "0 s");
  EXPECT_EQ(FormatEta(-3), "0 s");
  EXPECT_EQ(FormatEta(59.4), "59 s");
  EXPECT_EQ(FormatEta(65), "1 min 05 s");
  EXPECT_EQ(FormatEta(7380), "2 h 03 min");
}

}  // namespace
}  // namespace churnml
