// `churnml autoscale run --actuator haproxy`: scales a pool of local
// `churnml serve` replicas behind a real HAProxy through its runtime API.
//
// Design (docs/deploy.md, "The local actuator"): HAProxy's configuration
// pre-declares one server per slot (`churnml deploy haproxy --replicas
// MAX`); the actuator owns the processes. At Open every slot goes to
// `maint` (no traffic, no checks). To add a replica it starts `churnml
// serve` on the slot's address, waits until /v2/health/ready answers 200,
// then sets the server `ready` and `health up`. To remove one it sets the
// server `drain` (HAProxy sends it nothing new), waits until HAProxy shows
// no session on it (ReplicaPool's drain rules), sets `maint`, then SIGTERMs
// the process (serve drains what is left) and reaps it. The decisions are
// ReplicaPool's (replica_pool.h); this class only observes and acts.
//
// Not thread-safe: one loop drives it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "scaling/haproxy_runtime.h"
#include "scaling/replica_pool.h"

namespace churnml::scaling {

// Starts `argv` (argv[0] looked up in PATH when it has no '/') with stdin
// from /dev/null, stdout and stderr appended to `log_path` ("" = this
// process's stderr), SIGINT/SIGTERM unblocked and at their defaults.
// Unavailable naming the program when it cannot start.
Result<pid_t> SpawnProcess(const std::vector<std::string>& argv, const std::string& log_path);

// SIGTERM, then SIGKILL after `timeout`; reaps the child. No-op for pid <= 0.
void StopProcess(pid_t pid, std::chrono::milliseconds timeout);

struct LocalActuatorOptions {
  std::string haproxy_socket;                // HAProxy's runtime socket (level admin)
  std::string backend = "churnml_replicas";  // the backend whose servers are the slots
  std::string executable;                    // the churnml binary to start
  std::vector<std::string> serve_args;       // after `serve --host H --port P`
  std::string log_dir;                       // replicas' stderr to DIR/<server>.log; "" = inherit
  ReplicaPoolOptions pool;
  std::chrono::milliseconds stop_timeout{30'000};  // SIGTERM → SIGKILL
};

struct ActuatorEvent {
  std::string server;
  PoolActionKind action;
  std::string reason;
  Status status;  // the action's outcome
};

class LocalActuator {
 public:
  // Reads the slots (servers of `backend`, loopback addresses only) from
  // HAProxy and puts each in maint. FailedPrecondition when a slot's
  // address already answers (the actuator starts its own replicas) or is
  // not a loopback IPv4 address; errors of the runtime socket as they come.
  static Result<std::unique_ptr<LocalActuator>> Open(const LocalActuatorOptions& options);
  ~LocalActuator();  // Shutdown()
  LocalActuator(const LocalActuator&) = delete;
  LocalActuator& operator=(const LocalActuator&) = delete;

  // One tick towards `desired` replicas (clamped to the slot count). A
  // failed action is reported in its event and retried by a later tick;
  // it never stops the loop.
  std::vector<ActuatorEvent> Apply(int desired, int64_t now_ms);

  int serving() const { return pool_.Count(SlotState::kServing); }
  size_t slots() const { return slots_.size(); }
  // /metrics of the slots that run a process (starting slots excluded).
  std::vector<std::string> MetricsUrls() const;

  // Drains every slot (bounded by max_drain_ms) and stops every process.
  void Shutdown();

 private:
  struct Slot {
    std::string server;
    std::string host;
    int port = 0;
    pid_t pid = -1;
  };
  explicit LocalActuator(const LocalActuatorOptions& options);
  std::vector<SlotObservation> Observe();
  Status Act(const PoolAction& action);
  Status StartProcess(Slot& slot);

  LocalActuatorOptions options_;
  HaproxyRuntime runtime_;
  std::vector<Slot> slots_;
  ReplicaPool pool_;
};

}  // namespace churnml::scaling
