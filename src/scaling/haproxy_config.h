// haproxy.cfg for `churnml serve` replicas behind Debian's HAProxy 2.6
// (`churnml deploy haproxy`, docs/deploy.md). churnml does not balance
// traffic itself: this writes the configuration of an engine operators
// already run, with one of five balancing strategies, health checks on
// /v2/health/ready, L7 retries limited to the idempotent prediction routes,
// slow start, and optionally the agent-check of `serve --agent-port`.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace churnml::scaling {

enum class BalanceStrategy {
  kRoundRobin,    // balance roundrobin: each replica in turn (by weight)
  kWeighted,      // roundrobin with the operator's static weights
  kLeastConn,     // balance leastconn: the replica with the fewest open requests
  kRandomTwo,     // balance random(2): the less loaded of two random replicas
  kHashCustomer,  // balance hdr(X-Customer-ID) + hash-type consistent: sticky per customer
};

struct BalanceStrategyInfo {
  BalanceStrategy strategy;
  std::string_view name;     // the --strategy value
  std::string_view summary;  // one line for --help and the config's header
};

// The strategies in the order --help lists them (the registry of names).
const std::vector<BalanceStrategyInfo>& BalanceStrategies();

// The strategy named `name`, or InvalidArgument listing the valid names.
Result<BalanceStrategy> ParseBalanceStrategy(std::string_view name);
std::string_view BalanceStrategyName(BalanceStrategy strategy);

struct HaproxyReplica {
  std::string host = "127.0.0.1";
  uint16_t port = 0;        // the replica's HTTP port, 1..65535
  uint16_t agent_port = 0;  // its `serve --agent-port`; 0 = no agent-check
  int weight = 100;         // HAProxy weight 1..256 (the agent scales it by percent)
};

struct HaproxyConfigOptions {
  BalanceStrategy strategy = BalanceStrategy::kRoundRobin;
  std::vector<HaproxyReplica> replicas;  // 1..kMaxReplicas
  std::string bind = "127.0.0.1:8080";   // the frontend's address:port
  // The runtime API's unix socket (admin level; `churnml autoscale` and the
  // tests use it); empty = none.
  std::string stats_socket;
  // The header that carries the customer id for kHashCustomer (requests
  // without it are balanced round robin).
  std::string customer_header = "X-Customer-ID";
  std::chrono::milliseconds check_interval{1000};  // health check period
  std::chrono::milliseconds agent_interval{1000};  // agent-check period
  std::chrono::milliseconds slow_start{10000};     // weight ramp after DOWN -> UP; 0 = off
  int fall = 2;                                    // failed checks before a replica is DOWN
  int rise = 2;                                    // passed checks before it is UP again
  int retries = 3;  // attempts after the first (connection and, for prediction routes, L7)
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds server_timeout{30000};  // a replica's answer
  std::chrono::milliseconds client_timeout{30000};
  std::chrono::milliseconds queue_timeout{5000};  // waiting for a free replica slot
  // Connections at most (global maxconn). HAProxy needs about twice as many
  // file descriptors and refuses to start when `ulimit -n` is lower.
  int maxconn = 4096;
};

inline constexpr size_t kMaxReplicas = 256;

// The whole haproxy.cfg text, or InvalidArgument naming the option that is
// out of range (no replicas, a port of 0, a weight outside 1..256, a header
// name that is not a token, a bind address without a port, ...).
Result<std::string> RenderHaproxyConfig(const HaproxyConfigOptions& options);

}  // namespace churnml::scaling
