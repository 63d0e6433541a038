// Collects the files a scan reads: walks each root, honours .gitignore files
// (from the enclosing git work tree down), .git/info/exclude and configured
// excludes, never follows symlinks, and skips huge or obviously binary files
// by size and extension (binary content is detected later, when read).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "audit/finding.h"
#include "common/status.h"

namespace churnml::audit {

struct WalkOptions {
  std::vector<std::filesystem::path> roots;  // files or folders
  // gitignore-syntax patterns, relative to each root.
  std::vector<std::string> excludes;
  bool respect_gitignore = true;
  int64_t max_file_bytes = 4 << 20;  // bytes; larger files are skipped and counted
  // Folder reported paths are relative to. Empty: the current folder when
  // every root is inside it, else the deepest folder holding every root.
  std::filesystem::path base;
};

struct FileEntry {
  std::filesystem::path absolute;
  std::string relative;  // relative to the report base, '/' separators
  int64_t size = 0;      // bytes
  uint32_t mode = 0;     // st_mode
};

struct WalkResult {
  std::vector<FileEntry> files;  // sorted by relative path
  std::string base;              // absolute folder `relative` is relative to
  ScanStats stats;               // skipped_* counts filled in
  std::vector<ScanWarning> warnings;
};

// NotFound when a root does not exist; IOError when a root cannot be read.
// Unreadable folders below a root are counted and reported as warnings.
Result<WalkResult> WalkFiles(const WalkOptions& options);

// True for extensions that are never text (images, archives, model weights).
bool HasBinaryExtension(std::string_view path);

}  // namespace churnml::audit
