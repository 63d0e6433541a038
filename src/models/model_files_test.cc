#include "models/model_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <string>

#include "models/test_problem.h"

namespace churnml {
namespace {

using ::testing::HasSubstr;

TEST(ReadBoundedFile, ReadsARegularFile) {
  const auto dir = testing::FreshDir("bounded-read");
  std::ofstream(dir / "a.json") << "{\"a\": 1}";
  auto text = ReadBoundedFile(dir / "a.json");
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, "{\"a\": 1}");
  EXPECT_EQ(ReadBoundedFile(dir / "missing").status().code(), StatusCode::kNotFound);
}

TEST(ReadBoundedFile, RefusesFilesOverTheLimit) {
  const auto dir = testing::FreshDir("bounded-limit");
  std::ofstream(dir / "big") << std::string(1000, 'x');
  auto text = ReadBoundedFile(dir / "big", 999);
  ASSERT_FALSE(text.ok());
  EXPECT_THAT(text.status().message(), HasSubstr("1000 bytes is over the limit of 999"));
  EXPECT_TRUE(ReadBoundedFile(dir / "big", 1000).ok());
}

// A symlink could point anywhere (another model, /dev/zero); a FIFO would
// block the loader; a device never ends.
TEST(ReadBoundedFile, RefusesSymlinksFifosAndDevices) {
  const auto dir = testing::FreshDir("bounded-special");
  std::ofstream(dir / "real") << "{}";
  std::filesystem::create_symlink(dir / "real", dir / "link");
  EXPECT_THAT(ReadBoundedFile(dir / "link").status().message(), HasSubstr("symlink"));
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  EXPECT_THAT(ReadBoundedFile(dir / "fifo").status().message(), HasSubstr("not a regular file"));
  EXPECT_THAT(ReadBoundedFile("/dev/zero").status().message(), HasSubstr("not a regular file"));
}

TEST(ParseBoundedJson, RefusesDeepNestingBeforeParsing) {
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  auto parsed = ParseBoundedJson(deep, "x.json");
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(), HasSubstr("x.json: JSON nested deeper than 64"));
  // Brackets inside strings do not count.
  auto ok = ParseBoundedJson("{\"a\": \"" + std::string(200, '[') + "\"}", "y.json");
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(ParseBoundedJson(std::string(64, '[') + std::string(64, ']'), "z").ok());
}

TEST(ParseBoundedJson, ReportsInvalidJsonWithTheFileName) {
  auto parsed = ParseBoundedJson("{\"a\": 1e999}", "m.json");
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(), HasSubstr("m.json: not valid JSON"));
  EXPECT_FALSE(ParseBoundedJson("{\"a\": \"\xff\"}", "m.json").ok());
}

// A file of empty objects costs ~35 times its size once parsed: the
// estimate refuses it before the parser allocates anything.
TEST(ParseBoundedJson, RefusesDocumentsWhoseParsedFormIsTooBig) {
  std::string objects = "[";
  for (int i = 0; i < 100000; ++i) objects += i == 0 ? "{}" : ",{}";
  objects += "]";
  auto refused = ParseBoundedJson(objects, "x.json", 64, 10u << 20);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(),
              HasSubstr("x.json: parsing it would take about 14 MiB of memory, over the limit of "
                        "10 MiB"));
  EXPECT_TRUE(ParseBoundedJson(objects, "x.json").ok());
}

}  // namespace
}  // namespace churnml
