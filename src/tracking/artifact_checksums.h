// SHA-256 checksums of a model artifact's files: what the store records when
// a version is registered, and what the artifact loader compares the bytes
// it reads with.
//
// SHA-256 rather than the XXH3-128 used for data fingerprints: these
// checksums defend against someone who can write the artifact folder but not
// the database, and XXH3 is not collision resistant (a tampered file can be
// made to keep its XXH3 value); OpenSSL's SHA-256 runs at several hundred
// MB/s here, and artifacts are hashed only when written, registered and
// loaded.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "common/status.h"

namespace churnml::tracking {

// file name → 64 lowercase hex digits.
using ArtifactChecksums = std::map<std::string, std::string>;

// Most files an artifact may hold, and the largest one hashed (1 GiB).
inline constexpr size_t kMaxArtifactFiles = 256;
inline constexpr size_t kMaxChecksummedFileBytes = size_t{1} << 30;

// 64 lowercase hex digits.
std::string Sha256Hex(std::string_view bytes);
bool IsSha256Hex(std::string_view text);

// A file name an artifact may list: 1–255 characters of [A-Za-z0-9._-], not
// starting with '.' (no paths, no hidden or temporary files).
bool IsArtifactFileName(std::string_view name);

// Hashes every file directly in `dir`. InvalidArgument (naming the entry)
// for a subdirectory, a symlink, anything but a regular file, a name that
// IsArtifactFileName refuses, more than kMaxArtifactFiles files or a file
// over kMaxChecksummedFileBytes; IOError when reading fails.
Result<ArtifactChecksums> ChecksumArtifactDirectory(const std::filesystem::path& dir);

// The store's text form: one "<hex>  <name>\n" line per file, sorted by
// name (the format `sha256sum -c` reads). Parse refuses anything else.
std::string FormatChecksums(const ArtifactChecksums& checksums);
Result<ArtifactChecksums> ParseChecksums(std::string_view text);

}  // namespace churnml::tracking
