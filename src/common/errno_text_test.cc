#include "common/errno_text.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <thread>
#include <vector>

namespace churnml {
namespace {

TEST(ErrnoText, NamesAKnownError) {
  EXPECT_EQ(ErrnoText(ENOENT), "No such file or directory");
  EXPECT_EQ(ErrnoText(EACCES), "Permission denied");
}

TEST(ErrnoText, NamesTheNumberOfAnUnknownError) {
  EXPECT_NE(ErrnoText(987654).find("987654"), std::string::npos);
}

TEST(ErrnoText, ThreadsEachGetTheirOwnMessage) {
  // Unknown values are formatted into a buffer: with a shared buffer one
  // thread could read another's number.
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  threads.reserve(wrong.size());
  for (size_t t = 0; t < wrong.size(); ++t) {
    threads.emplace_back([t, &wrong] {
      const int err = 900000 + static_cast<int>(t);
      for (int i = 0; i < 2000; ++i) {
        if (ErrnoText(err).find(std::to_string(err)) == std::string::npos) ++wrong[t];
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int w : wrong) EXPECT_EQ(w, 0);
}

}  // namespace
}  // namespace churnml
