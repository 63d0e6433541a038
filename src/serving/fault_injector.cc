#include "serving/fault_injector.h"

#include <functional>
#include <thread>

namespace churnml::serving {

Status FaultInjector::BeforeModelCall() {
  int64_t delay = delay_us_.load(std::memory_order_relaxed);
  uint32_t error = error_per_million_.load(std::memory_order_relaxed);
  if (delay == 0 && error == 0) return Status::Ok();
  if (delay > 0) std::this_thread::sleep_for(std::chrono::microseconds(delay));
  if (error > 0) {
    thread_local Rng rng(std::hash<std::thread::id>{}(std::this_thread::get_id()));
    if (rng.Next() % 1'000'000 < error) return InternalError("injected model fault");
  }
  return Status::Ok();
}

}  // namespace churnml::serving
