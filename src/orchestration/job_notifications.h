// Wakes idle workers when a job is submitted: PostgreSQL LISTEN on the
// channel "churnml_jobs" (JobQueue::Submit notifies it on commit). SQLite
// has no notifications; workers there poll. The only file of this layer
// that includes libpqxx.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"

namespace churnml::orchestration {

class JobNotifications {
 public:
  virtual ~JobNotifications() = default;
  // Blocks until a notification arrives (true) or `timeout` passes (false).
  // Unavailable when the connection is lost; the caller reconnects.
  virtual Result<bool> Wait(std::chrono::milliseconds timeout) = 0;
};

// Listens on a PostgreSQL store URI (postgresql://…, artifact_root and
// other churnml-only parameters are ignored). Unavailable when it cannot
// connect.
Result<std::unique_ptr<JobNotifications>> ListenForJobs(const std::string& store_uri,
                                                        std::chrono::seconds connect_timeout);

}  // namespace churnml::orchestration
