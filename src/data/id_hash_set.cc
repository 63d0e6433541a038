#include "data/id_hash_set.h"

#include <xxhash.h>

#include <random>
#include <string>

#include "common/strings.h"

namespace churnml {

namespace {

uint64_t RandomSeed() {
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

}  // namespace

IdHashSet::IdHashSet(HashFunction hash) : hash_function_(hash), seed_(RandomSeed()) {}

uint64_t IdHashSet::Hash(std::string_view id) const {
  const uint64_t h = hash_function_ != nullptr ? hash_function_(id)
                                               : XXH3_64bits_withSeed(id.data(), id.size(), seed_);
  return h == 0 ? 1 : h;
}

size_t IdHashSet::SlotOf(uint64_t hash) const {
  // Multiply-shift maps the hash onto any table size, not just powers of two.
  __extension__ using U128 = unsigned __int128;  // __extension__: no -Wpedantic noise
  return static_cast<size_t>((static_cast<U128>(hash) * hashes_.size()) >> 64);
}

void IdHashSet::Reserve(size_t ids) {
  const size_t slots = ids + ids / 4 + 16;  // at most 80% full
  if (slots > hashes_.size()) Rehash(slots);
}

void IdHashSet::Rehash(size_t slots) {
  std::vector<uint64_t> old_hashes = std::move(hashes_);
  std::vector<uint32_t> old_rows = std::move(rows_);
  hashes_.assign(slots, 0);
  rows_.assign(slots, 0);
  for (size_t s = 0; s < old_hashes.size(); ++s) {
    if (old_hashes[s] == 0) continue;
    size_t i = SlotOf(old_hashes[s]);
    while (hashes_[i] != 0) i = i + 1 == hashes_.size() ? 0 : i + 1;
    hashes_[i] = old_hashes[s];
    rows_[i] = old_rows[s];
  }
}

Result<int64_t> IdHashSet::Insert(uint64_t hash, int64_t row) {
  if (row <= 0 || row > int64_t{UINT32_MAX}) {
    return InvalidArgumentError("row " + FormatCount(row) +
                                ": the duplicate-id check handles at most 4,294,967,295 rows");
  }
  if (hash == 0) hash = 1;
  if ((used_ + 1) * 5 > hashes_.size() * 4) Rehash(hashes_.empty() ? 1024 : hashes_.size() * 2);
  for (size_t i = SlotOf(hash);; i = i + 1 == hashes_.size() ? 0 : i + 1) {
    if (hashes_[i] == 0) {
      hashes_[i] = hash;
      rows_[i] = static_cast<uint32_t>(row);
      ++used_;
      return int64_t{0};
    }
    if (hashes_[i] == hash) return static_cast<int64_t>(rows_[i]);
  }
}

size_t IdHashSet::memory_bytes() const {
  return hashes_.capacity() * sizeof(uint64_t) + rows_.capacity() * sizeof(uint32_t);
}

}  // namespace churnml
