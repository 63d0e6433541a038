// Content fingerprints (XXH3-128) for data sets and artifacts: fast enough to
// hash a training file on every run, stable across machines.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace churnml {

// Incremental hasher. Not thread-safe.
class Fingerprinter {
 public:
  Fingerprinter();
  ~Fingerprinter();
  Fingerprinter(const Fingerprinter&) = delete;
  Fingerprinter& operator=(const Fingerprinter&) = delete;

  void Update(std::string_view bytes);
  // 32 lowercase hex digits.
  std::string HexDigest() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Hashes a whole file. IOError names the path.
Result<std::string> FingerprintFile(const std::filesystem::path& path);

}  // namespace churnml
