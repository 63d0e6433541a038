#include "common/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

namespace churnml {
namespace fs = std::filesystem;

namespace {

std::string ErrnoText(int err) { return std::strerror(err); }

// fsync the directory so the rename itself survives a power loss.
void SyncDirectory(const fs::path& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

fs::path TemporarySibling(const fs::path& final_path) {
  static std::atomic<unsigned> counter{0};
  fs::path parent = final_path.parent_path();
  // Built with append(): GCC 12 warns falsely (-Wrestrict) on "." + string.
  std::string name(1, '.');
  name.append(final_path.filename().string())
      .append(".tmp-")
      .append(std::to_string(::getpid()))
      .append("-")
      .append(std::to_string(counter.fetch_add(1)));
  return parent.empty() ? fs::path(name) : parent / name;
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
  if (fs::is_symlink(fs::symlink_status(final_path, ec))) {
    // Renaming over a link would replace the link itself: write to what it
    // points at (a link to a pipe or terminal has no such file: see below).
    fs::path target = fs::canonical(final_path, ec);
    if (!ec) final_path = target;
  }
  const fs::file_status existing = fs::status(final_path, ec);
  if (fs::exists(existing) && !fs::is_regular_file(existing) && !fs::is_directory(existing)) {
    // A device or pipe (/dev/null, /dev/stdout, a FIFO): renaming over it
    // would replace the device with a plain file, so write to it directly.
    FILE* file = std::fopen(final_path.c_str(), "wb");
    if (file == nullptr) {
      return IOError("cannot open " + final_path.string() + ": " + ErrnoText(errno));
    }
    return AtomicFileWriter(std::move(final_path), fs::path(), file, policy);
  }
  if (policy == ExistingPolicy::kFail && fs::exists(existing)) {
    return AlreadyExistsError(final_path.string() + " already exists");
  }
  fs::path temp = TemporarySibling(final_path);
  FILE* file = std::fopen(temp.c_str(), "wb");
  if (file == nullptr) {
    return IOError("cannot create " + final_path.string() + ": " + ErrnoText(errno));
  }
  // A large buffer: output files are written in many small pieces.
  std::setvbuf(file, nullptr, _IOFBF, 1 << 20);
  return AtomicFileWriter(std::move(final_path), std::move(temp), file, policy);
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
      failed_(other.failed_) {
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
    std::error_code ec;
    fs::remove(temp_path_, ec);
    temp_path_.clear();
  }
}

Status AtomicFileWriter::Write(std::string_view data) {
  if (file_ == nullptr) return FailedPreconditionError("write after commit");
  if (data.empty()) return Status::Ok();
  if (std::fwrite(data.data(), 1, data.size(), file_) != data.size()) {
    failed_ = true;
    return IOError("cannot write " + final_path_.string() + ": " + ErrnoText(errno));
  }
  return Status::Ok();
}

Status AtomicFileWriter::Commit() {
  if (file_ == nullptr) return FailedPreconditionError("commit twice");
  if (failed_) {
    Abort();
    return IOError("cannot write " + final_path_.string());
  }
  const bool direct = temp_path_.empty();  // a device or pipe written in place
  bool flushed = std::fflush(file_) == 0 && (direct || ::fsync(::fileno(file_)) == 0);
  int err = errno;
  std::fclose(file_);
  file_ = nullptr;
  if (!flushed) {
    Abort();
    return IOError("cannot write " + final_path_.string() + ": " + ErrnoText(err));
  }
  if (direct) return Status::Ok();
  if (policy_ == ExistingPolicy::kFail) {
    // link(2) fails if the target exists, so two writers cannot both win.
    if (::link(temp_path_.c_str(), final_path_.c_str()) != 0) {
      err = errno;
      Abort();
      if (err == EEXIST) return AlreadyExistsError(final_path_.string() + " already exists");
      return IOError("cannot create " + final_path_.string() + ": " + ErrnoText(err));
    }
    Abort();  // removes the temporary name; the content lives on under the final one
  } else if (::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
    err = errno;
    Abort();
    return IOError("cannot rename into " + final_path_.string() + ": " + ErrnoText(err));
  }
  temp_path_.clear();
  SyncDirectory(final_path_.parent_path());
  return Status::Ok();
}

Result<StagedDirectory> StagedDirectory::Create(fs::path final_dir, ExistingPolicy policy) {
  if (final_dir.filename().empty()) final_dir = final_dir.parent_path();  // "dir/" → "dir"
  if (policy == ExistingPolicy::kFail && fs::exists(final_dir)) {
    return AlreadyExistsError(final_dir.string() + " already exists");
  }
  std::error_code ec;
  fs::path parent = final_dir.parent_path();
  if (!parent.empty()) {
    fs::create_directories(parent, ec);
    if (ec) return IOError("cannot create " + parent.string() + ": " + ec.message());
  }
  fs::path temp = TemporarySibling(final_dir);
  fs::create_directory(temp, ec);
  if (ec) return IOError("cannot create " + temp.string() + ": " + ec.message());
  return StagedDirectory(std::move(final_dir), std::move(temp), policy);
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
    std::error_code ec;
    fs::remove_all(temp_dir_, ec);
  }
}

Status StagedDirectory::Commit() {
  if (committed_) return FailedPreconditionError("directory committed twice");
  std::error_code ec;
  // Make every file durable before the directory becomes visible.
  for (const auto& entry : fs::directory_iterator(temp_dir_, ec)) {
    int fd = ::open(entry.path().c_str(), O_RDONLY);
    if (fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
  }
  SyncDirectory(temp_dir_);
  fs::path old;
  if (fs::exists(final_dir_)) {
    if (policy_ == ExistingPolicy::kFail) {
      return AlreadyExistsError(final_dir_.string() + " already exists");
    }
    old = TemporarySibling(final_dir_);
    fs::rename(final_dir_, old, ec);
    if (ec) return IOError("cannot replace " + final_dir_.string() + ": " + ec.message());
  }
  fs::rename(temp_dir_, final_dir_, ec);
  if (ec) {
    if (!old.empty()) fs::rename(old, final_dir_, ec);  // put the old one back
    return IOError("cannot rename into " + final_dir_.string() + ": " + ec.message());
  }
  committed_ = true;
  SyncDirectory(final_dir_.parent_path());
  if (!old.empty()) fs::remove_all(old, ec);
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
