// HAProxy's agent-check for `churnml serve --agent-port N` (docs/deploy.md):
// a tiny TCP responder that answers every connection with one line, the
// weight this replica asks for, so the balancer shifts traffic away from a
// struggling replica before it fails:
//   "up ready 100%\n"  healthy and idle;
//   "up ready 40%\n"   degraded, slower than its own baseline, busy, or
//                      ramping up after a model swap;
//   "drain\n"          health critical, or the server is shutting down
//                      (SIGTERM): no new requests, the ones in flight finish.
// HAProxy scales the server's configured weight by the percentage.
//
// The signals come from the server's own GET /health, read over loopback
// (OwnHealthProbe), and the process's CPU time from /proc/self/stat; the
// weight is a pure function of them (ComputeAgentReply), tested alone.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "common/mutex.h"
#include "common/status.h"
#include "reliability/health_monitor.h"

namespace churnml::serving {

// What the agent judges the replica by.
struct AgentSignals {
  // The replica's own /health answered within the probe's timeout. A
  // replica too busy to answer it gets the minimum weight.
  bool reachable = true;
  reliability::HealthState health = reliability::HealthState::kHealthy;
  // Mean latency of the last health interval over the health monitor's
  // baseline (1 when there is no baseline yet or no traffic).
  double latency_ratio = 1;
  // Requests in flight on average over the last interval (Little's law:
  // request rate x mean latency).
  double in_flight = 0;
  // Process CPU time over wall time since the previous sample, divided by
  // the cores: 0..1.
  double cpu_share = 0;
  // The model version being served, "" if unknown: a change starts a ramp.
  std::string model_version;
};

struct AgentWeightPolicy {
  int degraded_percent = 50;  // weight while health is degraded, 1..100
  int min_percent = 10;       // lowest weight short of drain, 1..100
  // In flight above which the weight drops in proportion (max / in_flight);
  // > 0.
  double max_in_flight = 8;
  // CPU share above which the weight drops linearly to min_percent at 1.0;
  // in (0, 1].
  double cpu_high = 0.9;
  // After a model swap the weight ramps from min_percent to full over this
  // (HAProxy's slowstart covers a restart; 0 = no ramp).
  std::chrono::milliseconds swap_ramp{10000};

  // This policy, or InvalidArgument naming the field out of range.
  Status Validate() const;
};

struct AgentReply {
  bool drain = false;
  int percent = 100;   // 1..100 when !drain
  std::string reason;  // why the weight is below 100 ("" when it is not)
  // The agent-check line HAProxy reads ("up ready 73%\n" or "drain\n").
  std::string Line() const;
};

// The reply for `signals`. `ramp` is how far a swap ramp has come, 0..1
// (1 = none running); `draining` is set once the server begins to stop.
AgentReply ComputeAgentReply(const AgentSignals& signals, const AgentWeightPolicy& policy,
                             double ramp, bool draining);

// Reads a GET /health body (serving's JSON: "status", "details" with
// "requests", "mean_latency_ms", "baseline_latency_ms", "baseline_ready",
// and "model" with "version") into signals; `interval` is the health
// monitor's interval (to turn a count into a rate). InvalidArgument when the
// body is not that JSON.
Result<AgentSignals> ParseHealthBody(std::string_view body, std::chrono::milliseconds interval);

// Samples the server's own /health over HTTP and the process CPU time.
// Not thread-safe (the agent calls it from its one thread).
class OwnHealthProbe {
 public:
  // `url`: http://127.0.0.1:PORT/health. `interval`: the health monitor's.
  OwnHealthProbe(std::string url, std::chrono::milliseconds interval,
                 std::chrono::milliseconds timeout);
  AgentSignals Sample();

 private:
  std::string url_;
  std::chrono::milliseconds interval_;
  std::chrono::milliseconds timeout_;
  uint64_t last_cpu_ticks_ = 0;
  std::chrono::steady_clock::time_point last_sample_{};
  double last_latency_ratio_ = 1;  // held, and decaying to 1, while there is no traffic
};

struct AgentCheckOptions {
  std::string host = "127.0.0.1";  // address to listen on
  uint16_t port = 0;               // 0 = any free port (see port())
  AgentWeightPolicy policy;
  // Signals are sampled at most this often; connections in between reuse
  // the last reply (HAProxy connects once per agent-inter per backend).
  std::chrono::milliseconds min_sample_interval{200};
};

class AgentCheck {
 public:
  using SignalSource = std::function<AgentSignals()>;
  // Listening and answering, or IOError naming the address (port in use,
  // bad address) / InvalidArgument for a bad policy. `source` is called
  // from the agent's thread only.
  static Result<std::unique_ptr<AgentCheck>> Start(const AgentCheckOptions& options,
                                                   SignalSource source);
  ~AgentCheck();
  AgentCheck(const AgentCheck&) = delete;
  AgentCheck& operator=(const AgentCheck&) = delete;

  uint16_t port() const { return port_; }
  // From now on every reply is "drain" (SIGTERM). Thread-safe.
  void SetDraining() { draining_.store(true, std::memory_order_release); }
  // The last reply sent (for logs and tests). Thread-safe.
  AgentReply last_reply() const CHURNML_EXCLUDES(reply_mu_);
  // Stops listening and joins the thread. Idempotent.
  void Stop();

 private:
  AgentCheck(AgentCheckOptions options, SignalSource source, int fd, uint16_t port);
  void Run();
  AgentReply Reply() CHURNML_EXCLUDES(reply_mu_);

  const AgentCheckOptions options_;
  const SignalSource source_;
  const int listen_fd_;
  const uint16_t port_;
  std::atomic<bool> draining_{false};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  // Agent thread only.
  std::chrono::steady_clock::time_point last_sample_{};
  std::string version_;
  std::chrono::steady_clock::time_point ramp_start_{};
  bool ramping_ = false;
  mutable Mutex reply_mu_;
  AgentReply reply_ CHURNML_GUARDED_BY(reply_mu_);
};

}  // namespace churnml::serving
