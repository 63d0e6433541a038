#include "audit/file_walker.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "audit/ignore_rules.h"
#include "common/atomic_file.h"
#include "common/errno_text.h"

namespace churnml::audit {
namespace fs = std::filesystem;
namespace {

constexpr std::array<std::string_view, 44> kBinaryExtensions{
    ".png", ".jpg", ".jpeg", ".gif",   ".bmp", ".ico",    ".webp", ".pdf",     ".zip",
    ".gz",  ".tgz", ".bz2",  ".xz",    ".zst", ".7z",     ".tar",  ".jar",     ".war",
    ".so",  ".o",   ".a",    ".dylib", ".dll", ".exe",    ".pyc",  ".pyo",     ".class",
    ".whl", ".pt",  ".pth",  ".onnx",  ".pkl", ".joblib", ".h5",   ".parquet", ".npy",
    ".npz", ".bin", ".woff", ".woff2", ".ttf", ".sqlite", ".db",   ".ubj"};

std::string Join(const std::string& dir, std::string_view name) {
  return dir.empty() ? std::string(name) : dir + "/" + std::string(name);
}

// The enclosing git work tree of `dir`, or empty.
fs::path FindGitTop(const fs::path& dir) {
  std::error_code ec;
  for (fs::path p = dir; !p.empty(); p = p.parent_path()) {
    if (fs::exists(p / ".git", ec)) return p;
    if (p == p.parent_path()) break;
  }
  return {};
}

void AddIgnoreFile(IgnoreRules& rules, const fs::path& file, std::string_view base) {
  Result<std::string> text = ReadFile(file);
  if (text.ok()) rules.AddPatterns(base, *text);
}

// Relative path of `p` under `base` with '/' separators, or empty if not under.
std::string RelativeTo(const fs::path& p, const fs::path& base) {
  std::string ps = p.generic_string();
  std::string bs = base.generic_string();
  if (bs == "/") return ps.substr(1);
  if (ps == bs) return "";
  if (ps.size() > bs.size() && ps.compare(0, bs.size(), bs) == 0 && ps[bs.size()] == '/') {
    return ps.substr(bs.size() + 1);
  }
  return ps;
}

class Walker {
 public:
  Walker(const WalkOptions& options, WalkResult& out) : options_(options), out_(out) {}

  // Walks one root. `ignore_root` is the git top (or the root itself).
  Status WalkRoot(const fs::path& root) {
    struct stat st;
    if (lstat(root.c_str(), &st) != 0) {
      return NotFoundError("audit: " + root.string() + ": " + ErrnoText(errno));
    }
    fs::path dir = S_ISDIR(st.st_mode) ? root : root.parent_path();
    ignore_root_ = options_.respect_gitignore ? FindGitTop(dir) : fs::path();
    if (ignore_root_.empty()) ignore_root_ = dir;
    rules_ = IgnoreRules();
    excludes_ = IgnoreRules();
    root_prefix_ = RelativeTo(dir, ignore_root_);
    for (const std::string& e : options_.excludes) excludes_.AddPatterns("", e);
    if (options_.respect_gitignore) {
      AddIgnoreFile(rules_, ignore_root_ / ".git" / "info" / "exclude", "");
      // .gitignore files from the git top down to the root folder.
      fs::path p = ignore_root_;
      AddIgnoreFile(rules_, p / ".gitignore", "");
      std::string rel;
      for (const auto& part : fs::path(root_prefix_)) {
        p /= part;
        rel = Join(rel, part.string());
        AddIgnoreFile(rules_, p / ".gitignore", rel);
      }
    }
    if (!S_ISDIR(st.st_mode)) {
      AddFile(root, st);  // an explicit file is scanned even if ignored
      return Status::Ok();
    }
    return WalkDir(dir, root_prefix_, "");
  }

 private:
  bool Ignored(const std::string& git_rel, const std::string& root_rel, bool is_dir) const {
    if (!excludes_.empty() && excludes_.IsIgnored(root_rel, is_dir)) return true;
    return options_.respect_gitignore && rules_.IsIgnored(git_rel, is_dir);
  }

  Status WalkDir(const fs::path& dir, const std::string& git_rel, const std::string& root_rel) {
    DIR* d = opendir(dir.c_str());
    if (d == nullptr) {
      ++out_.stats.skipped_unreadable;
      out_.warnings.push_back(
          {RelativeTo(dir, base_), 0, std::string("cannot read folder: ") + ErrnoText(errno)});
      return Status::Ok();
    }
    std::vector<std::string> names;
    // NOLINTNEXTLINE(concurrency-mt-unsafe): `d` is this call's own stream
    while (dirent* e = readdir(d)) {
      std::string_view n = e->d_name;
      if (n == "." || n == ".." || n == ".git") continue;
      names.emplace_back(n);
    }
    closedir(d);
    std::sort(names.begin(), names.end());
    if (options_.respect_gitignore && !root_rel.empty() &&
        std::binary_search(names.begin(), names.end(), std::string(".gitignore"))) {
      AddIgnoreFile(rules_, dir / ".gitignore", git_rel);
    }
    for (const std::string& name : names) {
      fs::path child = dir / name;
      struct stat st;
      if (lstat(child.c_str(), &st) != 0) {
        ++out_.stats.skipped_unreadable;
        continue;
      }
      if (S_ISLNK(st.st_mode)) continue;
      bool is_dir = S_ISDIR(st.st_mode);
      if (!is_dir && !S_ISREG(st.st_mode)) continue;
      std::string child_git = Join(git_rel, name);
      std::string child_root = Join(root_rel, name);
      if (Ignored(child_git, child_root, is_dir)) {
        ++out_.stats.skipped_ignored;
        continue;
      }
      if (is_dir) {
        CHURNML_RETURN_IF_ERROR(WalkDir(child, child_git, child_root));
      } else {
        AddFile(child, st);
      }
    }
    return Status::Ok();
  }

  void AddFile(const fs::path& path, const struct stat& st) {
    if (HasBinaryExtension(path.filename().string())) {
      ++out_.stats.skipped_binary;
      return;
    }
    if (st.st_size > options_.max_file_bytes) {
      ++out_.stats.skipped_too_large;
      return;
    }
    FileEntry e;
    e.absolute = path;
    e.relative = RelativeTo(path, base_);
    e.size = st.st_size;
    e.mode = st.st_mode;
    out_.files.push_back(std::move(e));
  }

 public:
  fs::path base_;

 private:
  const WalkOptions& options_;
  WalkResult& out_;
  fs::path ignore_root_;
  std::string root_prefix_;
  IgnoreRules rules_;
  IgnoreRules excludes_;
};

// The report base: the current folder when every root is inside it,
// otherwise the deepest folder holding every root.
fs::path ReportBase(const std::vector<fs::path>& roots) {
  std::error_code ec;
  fs::path cwd = fs::current_path(ec);
  std::vector<fs::path> dirs;
  for (const fs::path& r : roots) {
    fs::path abs = fs::weakly_canonical(fs::absolute(r, ec), ec);
    dirs.push_back(fs::is_directory(abs, ec) ? abs : abs.parent_path());
  }
  bool all_under_cwd = !cwd.empty();
  for (const fs::path& d : dirs) {
    std::string rel = RelativeTo(d, cwd);
    if (!(d == cwd || rel != d.generic_string())) all_under_cwd = false;
  }
  if (all_under_cwd) return cwd;
  fs::path common = dirs.empty() ? fs::path("/") : dirs.front();
  for (const fs::path& d : dirs) {
    while (!common.empty() && common != common.parent_path() && d != common &&
           RelativeTo(d, common) == d.generic_string()) {
      common = common.parent_path();
    }
  }
  return common;
}

}  // namespace

bool HasBinaryExtension(std::string_view path) {
  size_t dot = path.rfind('.');
  if (dot == std::string_view::npos) return false;
  std::string ext(path.substr(dot));
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::find(kBinaryExtensions.begin(), kBinaryExtensions.end(), ext) !=
         kBinaryExtensions.end();
}

Result<WalkResult> WalkFiles(const WalkOptions& options) {
  if (options.roots.empty()) return InvalidArgumentError("audit: no path to scan");
  WalkResult out;
  Walker walker(options, out);
  std::error_code base_ec;
  walker.base_ = options.base.empty()
                     ? ReportBase(options.roots)
                     : fs::weakly_canonical(fs::absolute(options.base, base_ec), base_ec);
  out.base = walker.base_.string();
  std::error_code ec;
  for (const fs::path& root : options.roots) {
    fs::path abs = fs::weakly_canonical(fs::absolute(root, ec), ec);
    if (ec) return IOError("audit: " + root.string() + ": " + ec.message());
    CHURNML_RETURN_IF_ERROR(walker.WalkRoot(abs));
  }
  std::sort(out.files.begin(), out.files.end(),
            [](const FileEntry& a, const FileEntry& b) { return a.relative < b.relative; });
  out.files.erase(
      std::unique(out.files.begin(), out.files.end(),
                  [](const FileEntry& a, const FileEntry& b) { return a.relative == b.relative; }),
      out.files.end());
  return out;
}

}  // namespace churnml::audit
