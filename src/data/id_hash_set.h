// The duplicate-id check of `data validate` in 12 bytes per id: a 64-bit
// hash and the row of the first id with that hash, nothing of the id itself.
// An equal hash is only a candidate duplicate; csv_loader.cc confirms or
// refutes every candidate exactly by re-reading the rows involved from the
// file (rare for distinct ids: the hash is seeded per process, so collisions
// cannot be prepared in a file). Not thread-safe: call from the in-order
// consumer.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace churnml {

class IdHashSet {
 public:
  using HashFunction = uint64_t (*)(std::string_view id);
  // `hash` replaces the seeded XXH3 (tests force collisions with it).
  explicit IdHashSet(HashFunction hash = nullptr);

  // Makes room for `ids` entries without growing (growing holds the old and
  // the new table at once).
  void Reserve(size_t ids);
  uint64_t Hash(std::string_view id) const;
  // 0 when no earlier id had `hash` (records `row`, which must be positive),
  // else the first row whose id had it. Rows above 2^32 - 1 are refused.
  Result<int64_t> Insert(uint64_t hash, int64_t row);

  size_t size() const { return used_; }
  size_t memory_bytes() const;

 private:
  size_t SlotOf(uint64_t hash) const;
  void Rehash(size_t slots);

  HashFunction hash_function_;
  uint64_t seed_;
  std::vector<uint64_t> hashes_;  // 0 = empty (a hash of 0 is stored as 1)
  std::vector<uint32_t> rows_;
  size_t used_ = 0;
};

}  // namespace churnml
