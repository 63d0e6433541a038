#include "common/atomic_file.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>

#include "common/errno_text.h"
#include "common/mutex.h"

namespace churnml {
namespace fs = std::filesystem;

namespace {

// fsync the directory so the rename itself survives a power loss.
void SyncDirectory(const fs::path& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

uint64_t RandomNumber() {
  uint64_t value = 0;
  if (::getrandom(&value, sizeof(value), GRND_NONBLOCK) == static_cast<ssize_t>(sizeof(value))) {
    return value;
  }
  // No entropy yet (early boot): unique within the process, which O_EXCL
  // and the retry loop turn into safety anyway.
  static std::atomic<uint64_t> fallback{0};
  return (fallback.fetch_add(0x9E3779B97F4A7C15ULL) ^
          static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())) *
         0xBF58476D1CE4E5B9ULL;
}

// The temporaries this process created and has not committed or removed:
// path → is a directory. Leaked on purpose: threads may still use it while
// the process exits.
struct TemporaryRegistry {
  Mutex mu;
  std::map<std::string, bool> paths CHURNML_GUARDED_BY(mu);
};

TemporaryRegistry& Registry() {
  static auto* registry = new TemporaryRegistry();
  return *registry;
}

constexpr int kCreateAttempts = 64;

// Creates a fresh, exclusive temporary file next to `final_path` and records
// it. The caller holds Registry().mu.
Result<std::pair<fs::path, int>> CreateTemporaryFile(const fs::path& final_path)
    CHURNML_REQUIRES(Registry().mu) {
  for (int attempt = 0; attempt < kCreateAttempts; ++attempt) {
    fs::path temp = TemporarySibling(final_path);
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd >= 0) {
      Registry().paths[temp.string()] = false;
      return std::make_pair(std::move(temp), fd);
    }
    if (errno != EEXIST && errno != ELOOP) {
      return IOError("cannot create " + final_path.string() + ": " + ErrnoText(errno));
    }
  }
  return IOError("cannot create " + final_path.string() + ": " + std::to_string(kCreateAttempts) +
                 " temporary names beside it were taken");
}

// True for paths the system owns (/dev/stdout, /dev/null, /proc/self/fd/N):
// links there are followed and the file is written in place.
bool IsSystemPath(const fs::path& path) {
  const std::string text = path.lexically_normal().string();
  return text.rfind("/dev/", 0) == 0 || text.rfind("/proc/", 0) == 0;
}

bool IsSpecial(const fs::file_status& status) {
  return fs::exists(status) && !fs::is_regular_file(status) && !fs::is_directory(status);
}

}  // namespace

fs::path TemporarySibling(const fs::path& final_path) {
  char suffix[17];
  std::snprintf(suffix, sizeof(suffix), "%016llx", static_cast<unsigned long long>(RandomNumber()));
  fs::path parent = final_path.parent_path();
  // Built with append(): GCC 12 warns falsely (-Wrestrict) on "." + string.
  std::string name(1, '.');
  name.append(final_path.filename().string())
      .append(".tmp-")
      .append(std::to_string(::getpid()))
      .append("-")
      .append(suffix);
  return parent.empty() ? fs::path(name) : parent / name;
}

// Not analysed: the lock is taken and deliberately never released.
int RemoveTemporariesBeforeExit() CHURNML_NO_THREAD_SAFETY_ANALYSIS {
  TemporaryRegistry& registry = Registry();
  registry.mu.Lock();  // never unlocked: the process ends right after
  int removed = 0;
  for (const auto& [path, is_dir] : registry.paths) {
    std::error_code ec;
    if (!is_dir) {
      removed += ::unlink(path.c_str()) == 0 ? 1 : 0;
      continue;
    }
    // Another thread may still be writing a file into it: retry a few times.
    for (int attempt = 0; attempt < 5 && fs::exists(fs::symlink_status(path, ec)); ++attempt) {
      fs::remove_all(path, ec);
    }
    removed += fs::exists(fs::symlink_status(path, ec)) ? 0 : 1;
  }
  registry.paths.clear();
  return removed;
}

Result<AtomicFileWriter> AtomicFileWriter::ForStdout() {
  int fd = ::dup(STDOUT_FILENO);
  FILE* file = fd < 0 ? nullptr : ::fdopen(fd, "wb");
  if (file == nullptr)
    return IOError(std::string("cannot write standard output: ") + ErrnoText(errno));
  std::setvbuf(file, nullptr, _IOFBF, 1 << 20);
  return AtomicFileWriter(fs::path("-"), fs::path(), file, ExistingPolicy::kReplace);
}

Result<AtomicFileWriter> AtomicFileWriter::Create(fs::path final_path, ExistingPolicy policy) {
  std::error_code ec;
  const fs::file_status own = fs::symlink_status(final_path, ec);
  const fs::file_status target = fs::status(final_path, ec);  // follows links
  bool in_place = false;
  if (fs::is_symlink(own)) {
    const fs::path resolved = fs::canonical(final_path, ec);
    in_place = fs::exists(target) &&
               (IsSystemPath(final_path) || (!ec && IsSystemPath(resolved) && IsSpecial(target)));
    if (!in_place) {
      std::error_code read_ec;
      const fs::path points_to = fs::read_symlink(final_path, read_ec);
      return InvalidArgumentError(
          final_path.string() + " is a symbolic link" +
          (read_ec ? std::string() : " (to " + points_to.string() + ")") +
          "; churnml writes only the path it is given: name the real file or remove the link");
    }
  } else if (IsSpecial(own)) {
    in_place = true;
  }
  if (in_place) {
    // A device or pipe (/dev/null, /dev/stdout, a FIFO): renaming over it
    // would replace the device with a plain file, so write to it directly.
    // No O_CREAT: only what exists is opened.
    int fd = ::open(final_path.c_str(), O_WRONLY | O_TRUNC | O_NOCTTY | O_CLOEXEC);
    FILE* file = fd < 0 ? nullptr : ::fdopen(fd, "wb");
    if (file == nullptr) {
      const int err = errno;
      if (fd >= 0) ::close(fd);
      return IOError("cannot open " + final_path.string() + ": " + ErrnoText(err));
    }
    return AtomicFileWriter(std::move(final_path), fs::path(), file, policy);
  }
  if (fs::is_directory(own)) {
    return InvalidArgumentError(final_path.string() + " is a directory, not a file");
  }
  if (policy == ExistingPolicy::kFail && fs::exists(own)) {
    return AlreadyExistsError(final_path.string() + " already exists");
  }
  MutexLock lock(&Registry().mu);
  CHURNML_ASSIGN_OR_RETURN(auto created, CreateTemporaryFile(final_path));
  FILE* file = ::fdopen(created.second, "wb");
  if (file == nullptr) {
    const int err = errno;
    ::close(created.second);
    ::unlink(created.first.c_str());
    Registry().paths.erase(created.first.string());
    return IOError("cannot create " + final_path.string() + ": " + ErrnoText(err));
  }
  // A large buffer: output files are written in many small pieces.
  std::setvbuf(file, nullptr, _IOFBF, 1 << 20);
  return AtomicFileWriter(std::move(final_path), std::move(created.first), file, policy);
}

AtomicFileWriter::AtomicFileWriter(fs::path final_path, fs::path temp_path, FILE* file,
                                   ExistingPolicy policy)
    : final_path_(std::move(final_path)),
      temp_path_(std::move(temp_path)),
      file_(file),
      policy_(policy) {}

AtomicFileWriter::AtomicFileWriter(AtomicFileWriter&& other) noexcept
    : final_path_(std::move(other.final_path_)),
      temp_path_(std::move(other.temp_path_)),
      file_(other.file_),
      policy_(other.policy_),
      failed_(other.failed_),
      flushed_(other.flushed_) {
  other.file_ = nullptr;
  other.temp_path_.clear();
}

AtomicFileWriter::~AtomicFileWriter() { Abort(); }

void AtomicFileWriter::Abort() {
  if (file_ != nullptr) {
    std::fclose(file_);
    file_ = nullptr;
  }
  if (!temp_path_.empty()) {
    MutexLock lock(&Registry().mu);
    ::unlink(temp_path_.c_str());
    Registry().paths.erase(temp_path_.string());
    temp_path_.clear();
  }
}

Status AtomicFileWriter::Write(std::string_view data) {
  if (file_ == nullptr || flushed_) return FailedPreconditionError("write after flush or commit");
  if (failed_)
    return IOError("cannot write " + final_path_.string() + " (an earlier write failed)");
  if (data.empty()) return Status::Ok();
  if (std::fwrite(data.data(), 1, data.size(), file_) != data.size()) {
    failed_ = true;  // Flush() and Commit() refuse; the destructor removes the temporary
    return IOError("cannot write " + final_path_.string() + ": " + ErrnoText(errno));
  }
  return Status::Ok();
}

Status AtomicFileWriter::Flush() {
  if (file_ == nullptr) return FailedPreconditionError("flush after commit or a failed write");
  if (flushed_) return Status::Ok();
  if (failed_) {
    Abort();
    return IOError("cannot write " + final_path_.string());
  }
  const bool direct = temp_path_.empty();  // a device or pipe written in place
  const bool ok = std::fflush(file_) == 0 && (direct || ::fsync(::fileno(file_)) == 0);
  if (!ok) {
    const int err = errno;
    Abort();
    return IOError("cannot write " + final_path_.string() + ": " + ErrnoText(err));
  }
  flushed_ = true;
  return Status::Ok();
}

Status AtomicFileWriter::Commit() {
  if (file_ == nullptr) return FailedPreconditionError("commit after commit or a failed write");
  CHURNML_RETURN_IF_ERROR(Flush());
  const bool direct = temp_path_.empty();
  const int closed = std::fclose(file_);
  const int close_err = errno;
  file_ = nullptr;
  if (closed != 0) {
    Abort();
    return IOError("cannot write " + final_path_.string() + ": " + ErrnoText(close_err));
  }
  if (direct) return Status::Ok();
  {
    // Under the registry lock: a signal that ends the process now waits
    // until the final name holds the new file and the temporary is gone.
    MutexLock lock(&Registry().mu);
    int err = 0;
    if (policy_ == ExistingPolicy::kFail) {
      // link(2) fails if the target exists, so two writers cannot both win;
      // the temporary name is removed after, the content lives on.
      if (::link(temp_path_.c_str(), final_path_.c_str()) != 0) err = errno;
      ::unlink(temp_path_.c_str());
    } else if (::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
      err = errno;
      ::unlink(temp_path_.c_str());
    }
    Registry().paths.erase(temp_path_.string());
    temp_path_.clear();
    if (err == EEXIST) return AlreadyExistsError(final_path_.string() + " already exists");
    if (err != 0) {
      return IOError("cannot rename into " + final_path_.string() + ": " + ErrnoText(err));
    }
  }
  SyncDirectory(final_path_.parent_path());
  return Status::Ok();
}

Result<StagedDirectory> StagedDirectory::Create(fs::path final_dir, ExistingPolicy policy) {
  if (final_dir.filename().empty()) final_dir = final_dir.parent_path();  // "dir/" → "dir"
  std::error_code ec;
  if (policy == ExistingPolicy::kFail && fs::exists(fs::symlink_status(final_dir, ec))) {
    return AlreadyExistsError(final_dir.string() + " already exists");
  }
  fs::path parent = final_dir.parent_path();
  if (!parent.empty()) {
    fs::create_directories(parent, ec);
    if (ec) return IOError("cannot create " + parent.string() + ": " + ec.message());
  }
  MutexLock lock(&Registry().mu);
  for (int attempt = 0; attempt < kCreateAttempts; ++attempt) {
    fs::path temp = TemporarySibling(final_dir);
    // mkdir(2) fails on any existing name, a planted link included.
    if (::mkdir(temp.c_str(), 0777) == 0) {
      Registry().paths[temp.string()] = true;
      return StagedDirectory(std::move(final_dir), std::move(temp), policy);
    }
    if (errno != EEXIST) {
      return IOError("cannot create a folder beside " + final_dir.string() + ": " +
                     ErrnoText(errno));
    }
  }
  return IOError("cannot create a folder beside " + final_dir.string() + ": " +
                 std::to_string(kCreateAttempts) + " temporary names were taken");
}

StagedDirectory::StagedDirectory(StagedDirectory&& other) noexcept
    : final_dir_(std::move(other.final_dir_)),
      temp_dir_(std::move(other.temp_dir_)),
      policy_(other.policy_),
      committed_(other.committed_) {
  other.committed_ = true;  // the moved-from object owns nothing
  other.temp_dir_.clear();
}

StagedDirectory::~StagedDirectory() {
  if (!committed_ && !temp_dir_.empty()) {
    MutexLock lock(&Registry().mu);
    std::error_code ec;
    fs::remove_all(temp_dir_, ec);
    Registry().paths.erase(temp_dir_.string());
  }
}

Status StagedDirectory::Commit() {
  if (committed_) return FailedPreconditionError("directory committed twice");
  std::error_code ec;
  // Make every file durable before the directory becomes visible.
  for (const auto& entry : fs::directory_iterator(temp_dir_, ec)) {
    int fd = ::open(entry.path().c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
  }
  SyncDirectory(temp_dir_);
  fs::path old;
  {
    // Under the registry lock: a signal arriving now waits until the final
    // name holds one directory or the other.
    MutexLock lock(&Registry().mu);
    if (fs::exists(fs::symlink_status(final_dir_, ec))) {
      if (policy_ == ExistingPolicy::kFail) {
        return AlreadyExistsError(final_dir_.string() + " already exists");
      }
      old = TemporarySibling(final_dir_);
      fs::rename(final_dir_, old, ec);
      if (ec) return IOError("cannot replace " + final_dir_.string() + ": " + ec.message());
    }
    fs::rename(temp_dir_, final_dir_, ec);
    if (ec) {
      std::error_code restore_ec;
      if (!old.empty()) fs::rename(old, final_dir_, restore_ec);  // put the old one back
      return IOError("cannot rename into " + final_dir_.string() + ": " + ec.message());
    }
    Registry().paths.erase(temp_dir_.string());
    if (!old.empty()) Registry().paths[old.string()] = true;
    committed_ = true;
  }
  SyncDirectory(final_dir_.parent_path());
  if (!old.empty()) {
    fs::remove_all(old, ec);
    MutexLock lock(&Registry().mu);
    Registry().paths.erase(old.string());
  }
  return Status::Ok();
}

Status WriteFileAtomically(const fs::path& path, std::string_view contents) {
  CHURNML_ASSIGN_OR_RETURN(AtomicFileWriter writer, AtomicFileWriter::Create(path));
  CHURNML_RETURN_IF_ERROR(writer.Write(contents));
  return writer.Commit();
}

Result<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IOError("cannot open " + path.string() + ": " + ErrnoText(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return IOError("cannot read " + path.string());
  return buffer.str();
}

}  // namespace churnml
