#include "common/fingerprint.h"

#include <xxhash.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "common/errno_text.h"

namespace churnml {

struct Fingerprinter::State {
  XXH3_state_t* xxh = XXH3_createState();
  ~State() { XXH3_freeState(xxh); }
};

Fingerprinter::Fingerprinter() : state_(std::make_unique<State>()) {
  XXH3_128bits_reset(state_->xxh);
}
Fingerprinter::~Fingerprinter() = default;

void Fingerprinter::Update(std::string_view bytes) {
  XXH3_128bits_update(state_->xxh, bytes.data(), bytes.size());
}

std::string Fingerprinter::HexDigest() const {
  XXH128_hash_t h = XXH3_128bits_digest(state_->xxh);
  char buf[33];
  std::snprintf(buf, sizeof(buf), "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return buf;
}

Result<std::string> FingerprintFile(const std::filesystem::path& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return IOError("cannot open " + path.string() + ": " + ErrnoText(errno));
  Fingerprinter fp;
  std::vector<char> buf(1 << 20);
  size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) fp.Update({buf.data(), n});
  bool bad = std::ferror(f) != 0;
  std::fclose(f);
  if (bad) return IOError("cannot read " + path.string());
  return fp.HexDigest();
}

}  // namespace churnml
