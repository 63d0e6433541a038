#include "tracking/artifact_checksums.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <system_error>

#include "common/errno_text.h"

namespace churnml::tracking {

namespace fs = std::filesystem;

namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string ToHex(const unsigned char* digest, size_t size) {
  std::string out(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return out;
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

// Streams `path` (opened without following a symlink) through SHA-256.
Result<std::string> Sha256File(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return IOError(path.string() + ": " + ErrnoText(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return IOError(path.string() + ": " + ErrnoText(errno));
  if (!S_ISREG(st.st_mode)) return InvalidArgumentError(path.string() + ": not a regular file");
  if (static_cast<uint64_t>(st.st_size) > kMaxChecksummedFileBytes) {
    return InvalidArgumentError(path.string() + ": over the artifact file limit of " +
                                std::to_string(kMaxChecksummedFileBytes) + " bytes");
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return InternalError("SHA-256 is not available");
  }
  std::array<char, 1 << 16> buffer;
  uint64_t total = 0;
  while (true) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IOError(path.string() + ": " + ErrnoText(errno));
    if (n == 0) break;
    total += static_cast<uint64_t>(n);
    if (total > kMaxChecksummedFileBytes) {
      return InvalidArgumentError(path.string() + ": grew past the artifact file limit");
    }
    EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<size_t>(n));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(ctx.get(), digest, &size) != 1) return InternalError("SHA-256 failed");
  return ToHex(digest, size);
}

}  // namespace

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    // Only on a broken OpenSSL; an empty string never equals a checksum.
    return std::string();
  }
  return ToHex(digest, size);
}

bool IsSha256Hex(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool IsArtifactFileName(std::string_view name) {
  if (name.empty() || name.size() > 255 || name.front() == '.') return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<ArtifactChecksums> ChecksumArtifactDirectory(const fs::path& dir) {
  ArtifactChecksums out;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return IOError(dir.string() + ": " + ec.message());
  for (const fs::directory_entry& entry : it) {
    const std::string name = entry.path().filename().string();
    const fs::file_status status = entry.symlink_status(ec);
    if (ec) return IOError(entry.path().string() + ": " + ec.message());
    if (!fs::is_regular_file(status)) {
      return InvalidArgumentError(entry.path().string() +
                                  ": an artifact holds only regular files (found a " +
                                  (fs::is_directory(status) ? "directory"
                                   : fs::is_symlink(status) ? "symlink"
                                                            : "special file") +
                                  ")");
    }
    if (!IsArtifactFileName(name)) {
      return InvalidArgumentError(entry.path().string() + ": not a valid artifact file name");
    }
    if (out.size() >= kMaxArtifactFiles) {
      return InvalidArgumentError(dir.string() + ": more than " +
                                  std::to_string(kMaxArtifactFiles) + " files");
    }
    CHURNML_ASSIGN_OR_RETURN(out[name], Sha256File(entry.path()));
  }
  return out;
}

std::string FormatChecksums(const ArtifactChecksums& checksums) {
  std::string out;
  for (const auto& [name, hex] : checksums) {
    out += hex;
    out += "  ";
    out += name;
    out += '\n';
  }
  return out;
}

Result<ArtifactChecksums> ParseChecksums(std::string_view text) {
  ArtifactChecksums out;
  size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const size_t end = text.find('\n');
    if (end == std::string_view::npos) {
      return InvalidArgumentError("checksum record line " + std::to_string(line_number) +
                                  " does not end with a newline");
    }
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end + 1);
    if (line.size() < 67 || line.substr(64, 2) != "  " || !IsSha256Hex(line.substr(0, 64)) ||
        !IsArtifactFileName(line.substr(66))) {
      return InvalidArgumentError("checksum record line " + std::to_string(line_number) +
                                  " is not \"<sha256 hex>  <file name>\"");
    }
    if (!out.emplace(std::string(line.substr(66)), std::string(line.substr(0, 64))).second ||
        out.size() > kMaxArtifactFiles) {
      return InvalidArgumentError("checksum record line " + std::to_string(line_number) +
                                  " repeats a file or exceeds the file limit");
    }
  }
  return out;
}

}  // namespace churnml::tracking
