#include "models/model_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/errno_text.h"
#include "common/unique_fd.h"

namespace churnml {

namespace {

// What parsing `text` into a tree would build, from one linear scan:
// nesting depth (the scan stops once it passes `depth_limit`) and an upper
// estimate of the tree's memory. The per-item costs are measured with
// nlohmann::json 3.11 on x86-64, allocator overhead and vector growth
// included: an empty object ~100 bytes, an empty string ~82, a number ~34.
struct JsonShape {
  int depth = 0;
  uint64_t parsed_bytes = 0;
};

JsonShape ScanJson(std::string_view text, int depth_limit) {
  constexpr uint64_t kContainerCost = 112;
  constexpr uint64_t kStringCost = 96;
  constexpr uint64_t kValueCost = 40;
  JsonShape shape;
  int depth = 0;
  bool in_string = false;
  uint64_t containers = 0, strings = 0, separators = 0, string_bytes = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      ++string_bytes;
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      ++strings;
    } else if (c == '[' || c == '{') {
      ++containers;
      if (++depth > shape.depth) shape.depth = depth;
      if (shape.depth > depth_limit) return shape;
    } else if (c == ']' || c == '}') {
      --depth;
    } else if (c == ',' || c == ':') {
      ++separators;
    }
  }
  shape.parsed_bytes = containers * kContainerCost + strings * kStringCost + string_bytes +
                       (separators + 1) * kValueCost;
  return shape;
}

}  // namespace

Result<std::string> ReadBoundedFile(const std::filesystem::path& path, size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOFOLLOW: the
  // file itself is never a symlink to somewhere else.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (fd.get() < 0) {
    const int err = errno;
    if (err == ENOENT) return NotFoundError(path.string() + ": no such file");
    if (err == ELOOP) return InvalidArgumentError(path.string() + ": is a symlink, not a file");
    return IOError(path.string() + ": " + ErrnoText(err));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return IOError(path.string() + ": " + ErrnoText(errno));
  if (!S_ISREG(st.st_mode)) return InvalidArgumentError(path.string() + ": not a regular file");
  if (st.st_size < 0 || static_cast<uint64_t>(st.st_size) > max_bytes) {
    return InvalidArgumentError(path.string() + ": " + std::to_string(st.st_size) +
                                " bytes is over the limit of " + std::to_string(max_bytes));
  }
  std::string out;
  out.resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  // Read at most the size fstat reported plus one byte: a file that grows
  // while it is read is refused rather than followed.
  while (true) {
    if (done == out.size()) {
      char extra;
      ssize_t n = ::read(fd.get(), &extra, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return IOError(path.string() + ": " + ErrnoText(errno));
      if (n > 0) return IOError(path.string() + ": the file changed while it was read");
      break;
    }
    ssize_t n = ::read(fd.get(), out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IOError(path.string() + ": " + ErrnoText(errno));
    if (n == 0) return IOError(path.string() + ": the file changed while it was read");
    done += static_cast<size_t>(n);
  }
  return out;
}

Result<nlohmann::json> ParseBoundedJson(std::string_view text, const std::string& what,
                                        int max_depth, uint64_t max_parsed_bytes) {
  const JsonShape shape = ScanJson(text, max_depth);
  if (shape.depth > max_depth) {
    return InvalidArgumentError(what + ": JSON nested deeper than " + std::to_string(max_depth) +
                                " levels");
  }
  if (shape.parsed_bytes > max_parsed_bytes) {
    return InvalidArgumentError(
        what + ": parsing it would take about " + std::to_string(shape.parsed_bytes >> 20) +
        " MiB of memory, over the limit of " + std::to_string(max_parsed_bytes >> 20) + " MiB");
  }
  // The JSON library's exceptions stop here for every artifact file.
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError(what + ": not valid JSON: " + e.what());
  }
}

ModelFiles ModelFiles::FromDirectory(const std::filesystem::path& dir) {
  return ModelFiles(dir, [dir](std::string_view name) { return ReadBoundedFile(dir / name); });
}

}  // namespace churnml
