#include "common/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

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

// A link at the output name, planted by someone who can write the folder,
// must not redirect the write to the file it points at.
TEST_F(AtomicFileTest, RefusesASymlinkAtTheFinalNameAndLeavesItsTargetAlone) {
  ASSERT_TRUE(WriteFileAtomically(dir_ / "victim.txt", "precious").ok());
  fs::create_symlink(dir_ / "victim.txt", dir_ / "out.csv");
  auto writer = AtomicFileWriter::Create(dir_ / "out.csv");
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(writer.status().message().find("symbolic link"), std::string::npos);
  EXPECT_EQ(*ReadFile(dir_ / "victim.txt"), "precious");
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(dir_ / "out.csv")));
  EXPECT_EQ(EntryCount(), 2u);
}

TEST_F(AtomicFileTest, SymlinkToADeviceIsWrittenInPlace) {
  fs::create_symlink("/dev/null", dir_ / "sink");
  auto writer = AtomicFileWriter::Create(dir_ / "sink");
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  ASSERT_TRUE(writer->Write("discarded").ok());
  ASSERT_TRUE(writer->Commit().ok());
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(dir_ / "sink")));
  EXPECT_TRUE(fs::is_character_file(fs::status("/dev/null")));
}

// The names churnml used before temporaries were created exclusively:
// ".<name>.tmp-<pid>-<counter>". Links planted at all of them must not be
// written through.
TEST_F(AtomicFileTest, LinksPlantedAtTemporaryNamesAreNeverWrittenThrough) {
  ASSERT_TRUE(WriteFileAtomically(dir_ / "victim.txt", "precious").ok());
  for (int n = 0; n < 64; ++n) {
    fs::create_symlink(dir_ / "victim.txt", dir_ / (".out.csv.tmp-" + std::to_string(::getpid()) +
                                                    "-" + std::to_string(n)));
  }
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(WriteFileAtomically(dir_ / "out.csv", "output " + std::to_string(i)).ok());
  }
  EXPECT_EQ(*ReadFile(dir_ / "victim.txt"), "precious");
  EXPECT_EQ(*ReadFile(dir_ / "out.csv"), "output 7");
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(dir_ / "out.csv")));
}

TEST_F(AtomicFileTest, TemporaryIsAFreshPrivateFileWithAnUnpredictableName) {
  auto a = AtomicFileWriter::Create(dir_ / "out.csv");
  auto b = AtomicFileWriter::Create(dir_ / "out.csv");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_NE(a->temp_path(), b->temp_path());
  const std::string prefix = ".out.csv.tmp-" + std::to_string(::getpid()) + "-";
  EXPECT_EQ(a->temp_path().filename().string().rfind(prefix, 0), 0u);
  EXPECT_EQ(a->temp_path().filename().string().size(), prefix.size() + 16);
  struct stat st {};
  ASSERT_EQ(::lstat(a->temp_path().c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_nlink, 1u);
}

TEST_F(AtomicFileTest, RefusesADirectoryAsTheFinalName) {
  fs::create_directories(dir_ / "out.csv");
  auto writer = AtomicFileWriter::Create(dir_ / "out.csv");
  EXPECT_EQ(writer.status().code(), StatusCode::kInvalidArgument);
}

// Two outputs written as a set: a write error in the second (a full disk)
// must leave neither under its final name and no temporary behind.
TEST_F(AtomicFileTest, FlushFailureOnOneFileOfASetCommitsNone) {
  auto output = AtomicFileWriter::Create(dir_ / "out.csv");
  auto rejects = AtomicFileWriter::Create("/dev/full");
  ASSERT_TRUE(output.ok());
  ASSERT_TRUE(rejects.ok()) << rejects.status().ToString();
  ASSERT_TRUE(output->Write("scores\n").ok());
  ASSERT_TRUE(rejects->Write("row,reason\n").ok());
  ASSERT_TRUE(output->Flush().ok());
  Status flushed = rejects->Flush();
  ASSERT_FALSE(flushed.ok());
  EXPECT_NE(flushed.message().find("/dev/full"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "out.csv"));
  EXPECT_EQ(EntryCount(), 1u);  // the output's temporary, until its writer goes
  { AtomicFileWriter discard = std::move(*output); }
  EXPECT_EQ(EntryCount(), 0u);
}

TEST_F(AtomicFileTest, WriteAfterAFailedWriteIsAnError) {
  auto writer = AtomicFileWriter::Create("/dev/full");
  ASSERT_TRUE(writer.ok());
  const std::string big(4 << 20, 'x');  // larger than the buffer: fails at once
  EXPECT_FALSE(writer->Write(big).ok());
  EXPECT_FALSE(writer->Write("more").ok());
  EXPECT_FALSE(writer->Commit().ok());
}

// What a signal watcher does before _Exit: every uncommitted temporary file
// and staging folder goes, committed files stay. Run in a child process
// because the registry stays locked afterwards.
TEST_F(AtomicFileTest, RemoveTemporariesBeforeExitRemovesEveryUncommittedOne) {
  ASSERT_TRUE(WriteFileAtomically(dir_ / "kept.csv", "kept").ok());
  const fs::path dir = dir_;
  EXPECT_EXIT(
      {
        auto file = AtomicFileWriter::Create(dir / "out.csv");
        auto staged = StagedDirectory::Create(dir / "model");
        if (!file.ok() || !staged.ok()) std::_Exit(10);
        if (!WriteFileAtomically(staged->path() / "model.json", "{}").ok()) std::_Exit(11);
        if (!file->Write("partial").ok()) std::_Exit(12);
        std::_Exit(RemoveTemporariesBeforeExit() == 2 ? 0 : 13);
      },
      ::testing::ExitedWithCode(0), "");
  EXPECT_EQ(EntryCount(), 1u);
  EXPECT_EQ(*ReadFile(dir_ / "kept.csv"), "kept");
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
