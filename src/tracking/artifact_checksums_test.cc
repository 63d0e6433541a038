#include "tracking/artifact_checksums.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace churnml::tracking {
namespace {

using ::testing::HasSubstr;

std::filesystem::path FreshDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("churnml-checksums-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(ArtifactChecksums, Sha256MatchesTheStandardVector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(IsSha256Hex(Sha256Hex("")));
  EXPECT_FALSE(IsSha256Hex("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"));
}

TEST(ArtifactChecksums, HashesEveryFileOfADirectory) {
  auto dir = FreshDir("dir");
  std::ofstream(dir / "model.json") << "abc";
  std::ofstream(dir / "profile.json") << "";
  auto sums = ChecksumArtifactDirectory(dir);
  ASSERT_TRUE(sums.ok()) << sums.status().ToString();
  ASSERT_EQ(sums->size(), 2u);
  EXPECT_EQ(sums->at("model.json"), Sha256Hex("abc"));
  EXPECT_EQ(sums->at("profile.json"), Sha256Hex(""));
  // The stored text reads back, and is what `sha256sum -c` reads.
  const std::string text = FormatChecksums(*sums);
  EXPECT_THAT(text, HasSubstr(Sha256Hex("abc") + "  model.json\n"));
  auto parsed = ParseChecksums(text);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, *sums);
  std::filesystem::remove_all(dir);
}

TEST(ArtifactChecksums, RefusesSymlinksSubdirectoriesAndOddNames) {
  auto dir = FreshDir("odd");
  std::ofstream(dir / "model.json") << "{}";
  std::filesystem::create_symlink("/etc/passwd", dir / "link");
  EXPECT_THAT(ChecksumArtifactDirectory(dir).status().message(), HasSubstr("symlink"));
  std::filesystem::remove(dir / "link");
  std::filesystem::create_directory(dir / "sub");
  EXPECT_THAT(ChecksumArtifactDirectory(dir).status().message(), HasSubstr("directory"));
  std::filesystem::remove(dir / "sub");
  std::ofstream(dir / "a b") << "";
  EXPECT_THAT(ChecksumArtifactDirectory(dir).status().message(),
              HasSubstr("not a valid artifact file name"));
  std::filesystem::remove_all(dir);
}

TEST(ArtifactChecksums, ParseRefusesDamagedRecords) {
  const std::string hex = Sha256Hex("x");
  EXPECT_FALSE(ParseChecksums(hex + "  model.json").ok());              // no newline
  EXPECT_FALSE(ParseChecksums(hex + " model.json\n").ok());             // one space
  EXPECT_FALSE(ParseChecksums(hex + "  ../etc/passwd\n").ok());         // a path
  EXPECT_FALSE(ParseChecksums(hex.substr(1) + "  model.json\n").ok());  // short
  EXPECT_FALSE(ParseChecksums(hex + "  a\n" + hex + "  a\n").ok());     // repeated
  EXPECT_TRUE(ParseChecksums("").ok());
}

}  // namespace
}  // namespace churnml::tracking
