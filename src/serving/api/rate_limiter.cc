#include "serving/api/rate_limiter.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>

#include "common/strings.h"

namespace churnml::serving {

Result<std::unique_ptr<RateLimiter>> RateLimiter::Create(const RateLimitOptions& options,
                                                         const Clock& clock) {
  if (!(options.rate > 0) || !std::isfinite(options.rate)) {
    return InvalidArgumentError("rate limit: rate must be > 0 requests/s, got " +
                                FormatDouble(options.rate));
  }
  if (!(options.burst >= 1) || !std::isfinite(options.burst)) {
    return InvalidArgumentError("rate limit: burst must be >= 1 request, got " +
                                FormatDouble(options.burst));
  }
  if (options.max_keys == 0) {
    return InvalidArgumentError("rate limit: max_keys must be >= 1");
  }
  return std::unique_ptr<RateLimiter>(new RateLimiter(options, clock));
}

RateLimiter::RateLimiter(const RateLimitOptions& options, const Clock& clock)
    : options_(options),
      clock_(clock),
      max_per_shard_(std::max<size_t>(1, (options.max_keys + kShards - 1) / kShards)) {}

double RateLimiter::Refilled(const Bucket& bucket, Clock::TimePoint now) const {
  const double elapsed = std::max(0.0, std::chrono::duration<double>(now - bucket.updated).count());
  return std::min(options_.burst, bucket.tokens + elapsed * options_.rate);
}

void RateLimiter::Evict(Shard& shard, Clock::TimePoint now) {
  // A full bucket is the same as a missing one: dropping it loses nothing.
  std::erase_if(shard.buckets,
                [&](const auto& entry) { return Refilled(entry.second, now) >= options_.burst; });
  if (shard.buckets.size() < max_per_shard_) return;
  auto oldest = shard.buckets.begin();
  for (auto it = shard.buckets.begin(); it != shard.buckets.end(); ++it) {
    if (it->second.updated < oldest->second.updated) oldest = it;
  }
  shard.buckets.erase(oldest);
}

RateLimitDecision RateLimiter::Acquire(std::string_view key) {
  Shard& shard = shards_[KeyHash{}(key) % kShards];
  const Clock::TimePoint now = clock_.Now();
  MutexLock lock(&shard.mu);
  auto it = shard.buckets.find(key);
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= max_per_shard_) Evict(shard, now);
    it = shard.buckets.emplace(std::string(key), Bucket{options_.burst, now}).first;
  }
  Bucket& bucket = it->second;
  bucket.tokens = Refilled(bucket, now);
  bucket.updated = now;
  RateLimitDecision decision;
  decision.allowed = bucket.tokens >= 1;
  if (decision.allowed) bucket.tokens -= 1;
  const double tokens = bucket.tokens;
  decision.limit = static_cast<int64_t>(std::floor(options_.burst));
  decision.remaining = static_cast<int64_t>(std::floor(tokens));
  decision.reset_seconds =
      static_cast<int64_t>(std::ceil((options_.burst - tokens) / options_.rate));
  if (!decision.allowed) {
    decision.retry_after_seconds =
        std::max<int64_t>(1, static_cast<int64_t>(std::ceil((1 - tokens) / options_.rate)));
  }
  return decision;
}

size_t RateLimiter::bucket_count() const {
  size_t n = 0;
  for (const Shard& shard : shards_) {
    MutexLock lock(&shard.mu);
    n += shard.buckets.size();
  }
  return n;
}

}  // namespace churnml::serving
