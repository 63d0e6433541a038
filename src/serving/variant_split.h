// A/B variants of `churnml serve` (docs/serving.md, "Experiments"): the
// `--variant NAME=MODELREF:WEIGHT` flag, and the sticky split that assigns a
// request to a variant by a hash of its customer id (so a customer always
// sees the same variant), or of the request id when it carries none.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace churnml::serving {

// At most this many variants besides the primary model.
inline constexpr size_t kMaxVariants = 8;

struct VariantSpec {
  std::string name;   // [A-Za-z0-9_-], 1..32 characters; not "primary"
  std::string ref;    // NAME@ALIAS, NAME/VERSION or a model directory
  double weight = 0;  // share of customers in percent, (0, 100)
};

// Parses NAME=MODELREF:WEIGHT (the weight after the last ':'). Errors name
// the flag and what is wrong.
Result<VariantSpec> ParseVariantSpec(std::string_view text);

// 64-bit FNV-1a: the stable hash behind the split (documented, so an
// analyst can recompute a customer's variant).
uint64_t StableHash(std::string_view key);

class VariantSplit {
 public:
  // `weights[0]` is the primary's share; every weight in percent, summing
  // to 100 (within 1e-9). InvalidArgument otherwise.
  static Result<VariantSplit> Create(const std::vector<double>& weights);
  VariantSplit() = default;

  // The variant of `key`: StableHash(key) mod 10,000 falls in variant i's
  // band of weight_i × 100 basis points (bands in variant order).
  size_t Pick(std::string_view key) const;
  size_t size() const { return upper_.size(); }

 private:
  std::vector<uint32_t> upper_;  // exclusive upper bound of each band, in basis points
};

// The split in force, replaced whole at run time (SIGHUP reload of the
// variant weights). The request path reads it through a per-thread Reader
// like ModelSlot: one atomic load of a generation counter per request, the
// shared_ptr only after a change.
class SplitSlot {
 public:
  struct Reader {
    const SplitSlot* slot = nullptr;
    uint64_t generation = 0;
    std::shared_ptr<const VariantSplit> split;
  };

  // The split in force (null before the first Set).
  const VariantSplit* Read(Reader& reader) const {
    const uint64_t generation = generation_.load(std::memory_order_acquire);
    if (reader.slot != this || reader.generation != generation) {
      reader.slot = this;
      reader.generation = generation;
      reader.split = split_.load(std::memory_order_acquire);
    }
    return reader.split.get();
  }
  void Set(VariantSplit split) {
    split_.store(std::make_shared<const VariantSplit>(std::move(split)), std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_release);
  }

 private:
  std::atomic<std::shared_ptr<const VariantSplit>> split_;
  std::atomic<uint64_t> generation_{1};
};

}  // namespace churnml::serving
