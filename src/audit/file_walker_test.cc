#include "audit/file_walker.h"

#include <gtest/gtest.h>

#include "audit/test_util.h"

namespace churnml::audit {
namespace {

using testing::TempDir;

std::vector<std::string> Paths(const WalkResult& r) {
  std::vector<std::string> out;
  for (const FileEntry& f : r.files) out.push_back(f.relative);
  return out;
}

TEST(WalkFiles, HonoursGitignoreExcludesAndSkipsHugeAndBinaryNames) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / ".git");
  dir.Write(".gitignore", "build/\n*.log\n");
  dir.Write("sub/.gitignore", "local.txt\n");
  dir.Write("a.py", "x = 1\n");
  dir.Write("build/gen.py", "x = 1\n");
  dir.Write("debug.log", "x\n");
  dir.Write("sub/local.txt", "x\n");
  dir.Write("sub/kept.txt", "x\n");
  dir.Write("third_party/lib.c", "x\n");
  dir.Write("model.onnx", "x\n");
  dir.Write("big.txt", std::string(2000, 'a'));
  WalkOptions options;
  options.roots = {dir.path()};
  options.base = dir.path();
  options.excludes = {"third_party/"};
  options.max_file_bytes = 1000;
  Result<WalkResult> r = WalkFiles(options);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Paths(*r),
            (std::vector<std::string>{".gitignore", "a.py", "sub/.gitignore", "sub/kept.txt"}));
  EXPECT_EQ(r->stats.skipped_ignored, 4);  // build/, debug.log, sub/local.txt, third_party/
  EXPECT_EQ(r->stats.skipped_binary, 1);
  EXPECT_EQ(r->stats.skipped_too_large, 1);
}

TEST(WalkFiles, ScanningASubfolderStillAppliesTheRepositoryGitignore) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / ".git");
  dir.Write(".gitignore", "*.gen.py\n");
  dir.Write("src/a.py", "x\n");
  dir.Write("src/b.gen.py", "x\n");
  WalkOptions options;
  options.roots = {dir.path() / "src"};
  options.base = dir.path();
  Result<WalkResult> r = WalkFiles(options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Paths(*r), std::vector<std::string>{"src/a.py"});
}

TEST(WalkFiles, MissingRootIsNotFound) {
  WalkOptions options;
  options.roots = {"/nonexistent/churnml/audit"};
  Result<WalkResult> r = WalkFiles(options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("/nonexistent/churnml/audit"), std::string::npos);
}

TEST(RunAudit, CountsBinaryContentAsSkipped) {
  TempDir dir;
  dir.Write("blob.dat", std::string("abc\0def", 7));
  dir.Write("a.txt", "hello\n");
  Result<AuditReport> r = testing::ScanAll(dir.path());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stats.files_scanned, 1);
  EXPECT_EQ(r->stats.skipped_binary, 1);
}

}  // namespace
}  // namespace churnml::audit
