// Per-key token buckets for request rate limits (429 with Retry-After and
// X-RateLimit-* headers).
//
// Each key (an API key id, or a client address) has a bucket of `burst`
// tokens that refills at `rate` tokens per second (fractional rates such
// as 0.5 are fine); a request takes one token or is refused. Time comes
// from a Clock, so tests drive a ManualClock.
//
// Thread safety: Acquire may run on any number of threads. Buckets live
// in shards chosen by a hash of the key, each with its own mutex, so
// requests with different keys rarely contend and there is no global lock.
//
// Memory is bounded: at most `max_keys` buckets are kept. When a shard is
// full, buckets that have refilled completely (indistinguishable from a
// new one) are dropped first, then the least recently used one.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"
#include "common/mutex.h"
#include "common/status.h"

namespace churnml::serving {

struct RateLimitOptions {
  double rate = 100;        // tokens added per second, > 0
  double burst = 200;       // bucket capacity in requests, >= 1
  size_t max_keys = 10000;  // buckets kept at most, >= 1
};

// What to answer and which headers to send.
struct RateLimitDecision {
  bool allowed = false;
  int64_t limit = 0;                // X-RateLimit-Limit: the burst (bucket capacity)
  int64_t remaining = 0;            // X-RateLimit-Remaining: whole tokens left
  int64_t reset_seconds = 0;        // X-RateLimit-Reset: seconds until the bucket is full
  int64_t retry_after_seconds = 0;  // Retry-After when refused (>= 1), else 0
};

class RateLimiter {
 public:
  // InvalidArgument when rate <= 0, burst < 1 or max_keys == 0 (naming the
  // field). `clock` must outlive the limiter.
  static Result<std::unique_ptr<RateLimiter>> Create(const RateLimitOptions& options,
                                                     const Clock& clock);

  // Takes one token from `key`'s bucket if it has one.
  RateLimitDecision Acquire(std::string_view key);

  // Buckets currently held (for tests and metrics).
  size_t bucket_count() const;
  const RateLimitOptions& options() const { return options_; }

 private:
  static constexpr size_t kShards = 16;

  struct Bucket {
    double tokens = 0;
    Clock::TimePoint updated;
  };
  // Heterogeneous lookup: Acquire finds a bucket without copying the key.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
  };
  struct Shard {
    mutable Mutex mu;
    std::unordered_map<std::string, Bucket, KeyHash, std::equal_to<>> buckets
        CHURNML_GUARDED_BY(mu);
  };

  RateLimiter(const RateLimitOptions& options, const Clock& clock);
  // Tokens in `bucket` at `now`, capped at the burst.
  double Refilled(const Bucket& bucket, Clock::TimePoint now) const;
  // Makes room for one more bucket in `shard`.
  void Evict(Shard& shard, Clock::TimePoint now) CHURNML_REQUIRES(shard.mu);

  RateLimitOptions options_;
  const Clock& clock_;
  size_t max_per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace churnml::serving
