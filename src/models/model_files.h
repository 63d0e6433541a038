// ModelFiles: the bytes of an artifact's files as a model kind's loader sees
// them, and the bounded readers every artifact file goes through.
//
// The artifact loader (pipeline/model_artifact.cc) reads each file once —
// size-bounded, regular files only — checks its checksum, and hands the same
// bytes to the parser, so what was verified is exactly what is parsed (no
// second read of a path that could have changed in between). Model kinds
// never open their files by path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/status.h"

namespace churnml {

// Largest artifact file any loader reads, in bytes (1 GiB). XGBoost's JSON
// for 1,000 trees of depth 6 is about 25 MB; the limit is far above what
// churnml writes and keeps a hostile file from costing more than a bounded
// multiple of its size in memory.
inline constexpr size_t kMaxArtifactFileBytes = size_t{1} << 30;
// Largest descriptive JSON file (model.json, preprocessor.json,
// hyperparameters.json: a few KB when churnml writes them), in bytes (64 MiB).
// Parsing JSON into a tree costs up to ~35 times the text's size in memory
// (an empty object is 2 bytes of text and ~100 bytes parsed), so these small
// files get a small limit.
inline constexpr size_t kMaxArtifactMetadataBytes = size_t{64} << 20;

// Deepest nesting of arrays/objects accepted in an artifact's JSON files.
// churnml writes at most 6 levels; nlohmann's comparison and dump recurse.
inline constexpr int kMaxArtifactJsonDepth = 64;

// Reads `path` whole. Refuses (InvalidArgument, naming the path) anything
// that is not a regular file — a symlink, a FIFO (which would block), a
// device such as /dev/zero (endless) — and files over `max_bytes`.
// NotFound when it does not exist; IOError for other read errors.
Result<std::string> ReadBoundedFile(const std::filesystem::path& path,
                                    size_t max_bytes = kMaxArtifactFileBytes);

// Memory the parsed form of one artifact JSON file may take (1 GiB):
// about 30 million numbers, far above XGBoost's JSON for 10,000 trees.
inline constexpr uint64_t kMaxParsedJsonBytes = uint64_t{1} << 30;

// Parses `text` as JSON without throwing. InvalidArgument naming `what`
// (usually the file) for invalid JSON, nesting deeper than `max_depth`, or a
// document whose parsed form would take more than `max_parsed_bytes` (a
// file of empty objects costs ~35 times its size); depth and size are
// estimated by a linear scan before the parser runs.
Result<nlohmann::json> ParseBoundedJson(std::string_view text, const std::string& what,
                                        int max_depth = kMaxArtifactJsonDepth,
                                        uint64_t max_parsed_bytes = kMaxParsedJsonBytes);

class ModelFiles {
 public:
  // Returns the bytes of the file `name` (a plain file name) of the
  // artifact, or an error naming it.
  using Reader = std::function<Result<std::string>(std::string_view name)>;

  ModelFiles(std::filesystem::path dir, Reader reader)
      : dir_(std::move(dir)), reader_(std::move(reader)) {}

  // Plain reads of `dir`'s files with ReadBoundedFile, no checksums (model
  // unit tests, tools).
  static ModelFiles FromDirectory(const std::filesystem::path& dir);

  Result<std::string> Read(std::string_view name) const { return reader_(name); }
  // For messages: where `name` lives.
  std::filesystem::path PathOf(std::string_view name) const { return dir_ / name; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  Reader reader_;
};

}  // namespace churnml
