// Crash-safe file and directory output: write under a temporary name in the
// destination folder, then rename(2) into place. A process killed at any point
// leaves either the old content or the new, never half of it.
//
// Temporaries are created exclusively (O_CREAT|O_EXCL|O_NOFOLLOW, mkdir(2))
// under an unpredictable name, so a file or symbolic link planted at a
// temporary name is never opened or written through. Every temporary the
// process has not yet committed is recorded, so that a thread ending the
// process on a signal can remove them all (RemoveTemporariesBeforeExit).
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/status.h"

namespace churnml {

// What Commit() does when the final name already exists.
enum class ExistingPolicy { kFail, kReplace };

// A file written under "<dir>/.<name>.tmp-<pid>-<n>" (n random) and renamed
// on Commit(). Not thread-safe. Destroying an uncommitted writer removes the
// temporary file. A final path that is a device or a pipe (/dev/null,
// /dev/stdout, a FIFO, or a symbolic link to one) is written in place
// instead: renaming over it would replace the device.
class AtomicFileWriter {
 public:
  // InvalidArgument when `final_path` is a symbolic link to anything but a
  // device or a pipe: following it would write outside the named path, and
  // renaming over it would silently replace the link. AlreadyExists with
  // kFail when the final name exists; IOError when the folder is not writable.
  static Result<AtomicFileWriter> Create(std::filesystem::path final_path,
                                         ExistingPolicy policy = ExistingPolicy::kReplace);
  // Writes standard output in place (no temporary file); Commit() flushes.
  static Result<AtomicFileWriter> ForStdout();
  AtomicFileWriter(AtomicFileWriter&& other) noexcept;
  AtomicFileWriter& operator=(AtomicFileWriter&&) = delete;
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  ~AtomicFileWriter();

  Status Write(std::string_view data);
  // Flushes and fsyncs without making the file visible: call it on every
  // file of a set before committing any, so that a write error in one (a
  // full disk, `--rejects /dev/full`) leaves none of them under its final
  // name. On error the temporary is removed. Commit() calls it when needed.
  Status Flush();
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
  bool flushed_ = false;
};

// A directory built under a temporary sibling name (created by mkdir(2),
// never an existing folder) and renamed into place on Commit(). With kReplace
// an existing directory is swapped out and removed: callers decide whether
// the existing one may be replaced (train --force checks it is a model).
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

// A fresh temporary name next to `final_path`: "<dir>/.<name>.tmp-<pid>-<n>"
// with n a random 64-bit hex number. Nothing is created: a caller that
// creates it must do so exclusively (O_EXCL, mkdir) and retry on EEXIST.
std::filesystem::path TemporarySibling(const std::filesystem::path& final_path);

// Removes every temporary file and staging folder of this process that is
// not committed yet, and from then on blocks any thread that would create,
// commit or remove one, so the final names keep what they had. For the one
// thread that ends the process on SIGINT/SIGTERM (cli::InterruptGuard): call
// it once, right before _Exit. Returns how many temporaries were removed.
int RemoveTemporariesBeforeExit();

}  // namespace churnml
