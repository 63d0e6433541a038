// Operator-controlled faults on the model call, for chaos drills and the
// end-to-end tests of the fallback chain, the model breaker and the health
// state (like Envoy's fault-injection filter). Off unless serve runs with
// --enable-fault-injection; then POST /admin/faults sets them at run time.
// A delay really sleeps on the request's thread, as a slow model would.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "common/random.h"
#include "common/status.h"

namespace churnml::serving {

struct FaultSettings {
  std::chrono::microseconds delay{0};  // added before every model call
  double error_rate = 0;               // share of model calls that fail, 0..1
};

class FaultInjector {
 public:
  void Set(const FaultSettings& settings) {
    delay_us_.store(settings.delay.count(), std::memory_order_relaxed);
    error_per_million_.store(static_cast<uint32_t>(settings.error_rate * 1e6),
                             std::memory_order_relaxed);
  }
  FaultSettings Get() const {
    return {std::chrono::microseconds(delay_us_.load(std::memory_order_relaxed)),
            error_per_million_.load(std::memory_order_relaxed) / 1e6};
  }
  // Applies the faults to one model call: sleeps, then fails or not.
  Status BeforeModelCall();

 private:
  std::atomic<int64_t> delay_us_{0};
  std::atomic<uint32_t> error_per_million_{0};
};

}  // namespace churnml::serving
