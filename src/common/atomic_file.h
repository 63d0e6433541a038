// Crash-safe file and directory output: write under a temporary name in the
// destination folder, then rename(2) into place. A process killed at any point
// leaves either the old content or the new, never half of it.
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/status.h"

namespace churnml {

// What Commit() does when the final name already exists.
enum class ExistingPolicy { kFail, kReplace };

// A file written under "<dir>/.<name>.tmp-<pid>-<n>" and renamed on Commit().
// Not thread-safe. Destroying an uncommitted writer removes the temporary file.
// A final path that is a device or a pipe (/dev/null, /dev/stdout, a FIFO)
// is written in place instead: renaming over it would replace the device.
class AtomicFileWriter {
 public:
  // A symbolic link is followed: the file it points at is replaced, the
  // link stays.
  static Result<AtomicFileWriter> Create(std::filesystem::path final_path,
                                         ExistingPolicy policy = ExistingPolicy::kReplace);
  // Writes standard output in place (no temporary file); Commit() flushes.
  static Result<AtomicFileWriter> ForStdout();
  AtomicFileWriter(AtomicFileWriter&& other) noexcept;
  AtomicFileWriter& operator=(AtomicFileWriter&&) = delete;
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  ~AtomicFileWriter();

  Status Write(std::string_view data);
  // Flushes, fsyncs and renames into place. After Commit the writer is spent.
  Status Commit();

  const std::filesystem::path& final_path() const { return final_path_; }
  const std::filesystem::path& temp_path() const { return temp_path_; }

 private:
  AtomicFileWriter(std::filesystem::path final_path, std::filesystem::path temp_path, FILE* file,
                   ExistingPolicy policy);
  void Abort();

  std::filesystem::path final_path_;
  std::filesystem::path temp_path_;
  FILE* file_ = nullptr;
  ExistingPolicy policy_;
  bool failed_ = false;
};

// A directory built under a temporary sibling name and renamed into place on
// Commit(). With kReplace an existing directory is swapped out and removed.
class StagedDirectory {
 public:
  static Result<StagedDirectory> Create(std::filesystem::path final_dir,
                                        ExistingPolicy policy = ExistingPolicy::kFail);
  StagedDirectory(StagedDirectory&& other) noexcept;
  StagedDirectory& operator=(StagedDirectory&&) = delete;
  StagedDirectory(const StagedDirectory&) = delete;
  ~StagedDirectory();

  // Where to write the directory's files before Commit().
  const std::filesystem::path& path() const { return temp_dir_; }
  const std::filesystem::path& final_path() const { return final_dir_; }
  Status Commit();

 private:
  StagedDirectory(std::filesystem::path final_dir, std::filesystem::path temp_dir,
                  ExistingPolicy policy)
      : final_dir_(std::move(final_dir)), temp_dir_(std::move(temp_dir)), policy_(policy) {}

  std::filesystem::path final_dir_;
  std::filesystem::path temp_dir_;
  ExistingPolicy policy_;
  bool committed_ = false;
};

// Writes `contents` to `path` atomically (temporary file + rename).
Status WriteFileAtomically(const std::filesystem::path& path, std::string_view contents);

// Reads a whole file. IOError names the path and the reason.
Result<std::string> ReadFile(const std::filesystem::path& path);

// A temporary name next to `final_path`: "<dir>/.<name>.tmp-<pid>-<counter>".
std::filesystem::path TemporarySibling(const std::filesystem::path& final_path);

}  // namespace churnml
