#include "tracking/model_reference.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace churnml::tracking {
namespace {

using Kind = ModelReference::Kind;

TEST(ModelReference, AliasSplitsAtTheLastAt) {
  ModelReference r = ParseModelReference("churn@champion");
  EXPECT_EQ(r.kind, Kind::kAlias);
  EXPECT_EQ(r.model, "churn");
  EXPECT_EQ(r.alias, "champion");
  EXPECT_TRUE(r.names_registry());
  r = ParseModelReference("a@b@c");
  EXPECT_EQ(r.model, "a@b");
  EXPECT_EQ(r.alias, "c");
  EXPECT_EQ(ParseModelReference("churn@").kind, Kind::kAlias);  // resolving says what is wrong
}

TEST(ModelReference, VersionNeedsDigitsAndAValidName) {
  ModelReference r = ParseModelReference("churn/12");
  EXPECT_EQ(r.kind, Kind::kVersion);
  EXPECT_EQ(r.model, "churn");
  EXPECT_EQ(r.version, 12);
  for (const char* not_a_version :
       {"churn/", "churn/+3", "churn/ 3", "churn/v3", "/3", "a/b/3", "churn/1234567890123456789"}) {
    EXPECT_EQ(ParseModelReference(not_a_version).kind, Kind::kUnknown) << not_a_version;
  }
}

TEST(ModelReference, AnExistingDirectoryIsAlwaysADirectory) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "churnml-ref@x";
  std::filesystem::create_directories(dir / "7");
  EXPECT_EQ(ParseModelReference(dir.string()).kind, Kind::kDirectory);
  EXPECT_EQ(ParseModelReference((dir / "7").string()).kind, Kind::kDirectory);
  EXPECT_FALSE(ParseModelReference(dir.string()).names_registry());
  std::filesystem::remove_all(dir);
  EXPECT_EQ(ParseModelReference(dir.string()).kind, Kind::kAlias);  // gone: the '@' form
  EXPECT_EQ(ParseModelReference("").kind, Kind::kUnknown);
  EXPECT_EQ(ParseModelReference("no-such-dir").kind, Kind::kUnknown);
}

}  // namespace
}  // namespace churnml::tracking
