#include "common/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <thread>

namespace churnml {
namespace {
namespace fs = std::filesystem;

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("churnml-atomic-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  size_t EntryCount() const {
    return static_cast<size_t>(std::distance(fs::directory_iterator(dir_), {}));
  }
  fs::path dir_;
};

TEST_F(AtomicFileTest, NothingVisibleUnderFinalNameBeforeCommit) {
  auto writer = AtomicFileWriter::Create(dir_ / "out.csv");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(writer->Write("a,b\n").ok());
  EXPECT_FALSE(fs::exists(dir_ / "out.csv"));
  ASSERT_TRUE(writer->Commit().ok());
  EXPECT_EQ(*ReadFile(dir_ / "out.csv"), "a,b\n");
  EXPECT_EQ(EntryCount(), 1u);
}

TEST_F(AtomicFileTest, AbandonedWriterLeavesNoFile) {
  {
    auto writer = AtomicFileWriter::Create(dir_ / "out.csv");
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE(writer->Write("partial").ok());
  }
  EXPECT_EQ(EntryCount(), 0u);
}

TEST_F(AtomicFileTest, FailPolicyRefusesExistingFile) {
  ASSERT_TRUE(WriteFileAtomically(dir_ / "x", "old").ok());
  auto writer = AtomicFileWriter::Create(dir_ / "x", ExistingPolicy::kFail);
  EXPECT_EQ(writer.status().code(), StatusCode::kAlreadyExists);
}

// Renaming over a pipe or device would replace it with a plain file (a
// `--output /dev/null` must not destroy /dev/null): such paths are written
// in place.
TEST_F(AtomicFileTest, WritesIntoAPipeInPlaceInsteadOfReplacingIt) {
  const fs::path fifo = dir_ / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string received;
  std::thread reader([&] {
    FILE* in = std::fopen(fifo.c_str(), "rb");
    char buf[64];
    size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof(buf), in)) > 0) received.append(buf, n);
    std::fclose(in);
  });
  auto writer = AtomicFileWriter::Create(fifo);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  ASSERT_TRUE(writer->Write("through the pipe").ok());
  ASSERT_TRUE(writer->Commit().ok());
  reader.join();
  EXPECT_EQ(received, "through the pipe");
  EXPECT_TRUE(fs::is_fifo(fs::symlink_status(fifo)));
  EXPECT_EQ(EntryCount(), 1u);
}

TEST_F(AtomicFileTest, ReplacesWhatASymlinkPointsAtAndKeepsTheLink) {
  ASSERT_TRUE(WriteFileAtomically(dir_ / "real.csv", "old").ok());
  fs::create_symlink(dir_ / "real.csv", dir_ / "link.csv");
  ASSERT_TRUE(WriteFileAtomically(dir_ / "link.csv", "new").ok());
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(dir_ / "link.csv")));
  EXPECT_EQ(*ReadFile(dir_ / "real.csv"), "new");
  EXPECT_EQ(EntryCount(), 2u);
}

TEST_F(AtomicFileTest, StagedDirectoryAppearsWholeOnCommit) {
  auto staged = StagedDirectory::Create(dir_ / "model");
  ASSERT_TRUE(staged.ok());
  ASSERT_TRUE(WriteFileAtomically(staged->path() / "model.json", "{}").ok());
  EXPECT_FALSE(fs::exists(dir_ / "model"));
  ASSERT_TRUE(staged->Commit().ok());
  EXPECT_TRUE(fs::exists(dir_ / "model" / "model.json"));
  EXPECT_EQ(EntryCount(), 1u);
}

TEST_F(AtomicFileTest, StagedDirectoryReplacesOldOneWhenAsked) {
  fs::create_directories(dir_ / "model");
  ASSERT_TRUE(WriteFileAtomically(dir_ / "model" / "old.txt", "old").ok());
  auto staged = StagedDirectory::Create(dir_ / "model", ExistingPolicy::kReplace);
  ASSERT_TRUE(staged.ok());
  ASSERT_TRUE(WriteFileAtomically(staged->path() / "new.txt", "new").ok());
  ASSERT_TRUE(staged->Commit().ok());
  EXPECT_FALSE(fs::exists(dir_ / "model" / "old.txt"));
  EXPECT_TRUE(fs::exists(dir_ / "model" / "new.txt"));
  EXPECT_EQ(EntryCount(), 1u);
}

TEST_F(AtomicFileTest, AbandonedStagedDirectoryIsRemoved) {
  {
    auto staged = StagedDirectory::Create(dir_ / "model");
    ASSERT_TRUE(staged.ok());
    ASSERT_TRUE(WriteFileAtomically(staged->path() / "a", "a").ok());
  }
  EXPECT_EQ(EntryCount(), 0u);
}

TEST_F(AtomicFileTest, ReadFileNamesMissingPath) {
  auto r = ReadFile(dir_ / "missing.txt");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("missing.txt"), std::string::npos);
}

}  // namespace
}  // namespace churnml
