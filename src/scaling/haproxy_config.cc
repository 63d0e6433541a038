#include "scaling/haproxy_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace churnml::scaling {
namespace {

// Characters a value may use so it stays one token on its config line:
// nothing HAProxy reads as a separator, comment or quote.
bool IsPlainToken(std::string_view text, std::string_view extra) {
  if (text.empty() || text.size() > 255) return false;
  return std::all_of(text.begin(), text.end(), [extra](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           extra.find(c) != std::string_view::npos;
  });
}

std::string Ms(std::chrono::milliseconds value) { return std::to_string(value.count()) + "ms"; }

Status CheckPositive(std::chrono::milliseconds value, std::string_view name) {
  if (value.count() <= 0 || value > std::chrono::hours(24)) {
    return InvalidArgumentError(fmt::format("{} {} ms is not in 1 ms..24 h", name, value.count()));
  }
  return Status::Ok();
}

Status Validate(const HaproxyConfigOptions& o) {
  if (o.replicas.empty() || o.replicas.size() > kMaxReplicas) {
    return InvalidArgumentError(
        fmt::format("--replicas {} is not in 1..{}", o.replicas.size(), kMaxReplicas));
  }
  for (size_t i = 0; i < o.replicas.size(); ++i) {
    const HaproxyReplica& r = o.replicas[i];
    if (!IsPlainToken(r.host, ".-_:")) {
      return InvalidArgumentError(
          fmt::format("replica {}: host \"{}\" is not a host name or IP address", i + 1, r.host));
    }
    if (r.port == 0) return InvalidArgumentError(fmt::format("replica {}: port 0", i + 1));
    if (r.weight < 1 || r.weight > 256) {
      return InvalidArgumentError(
          fmt::format("replica {}: weight {} is not in 1..256", i + 1, r.weight));
    }
  }
  const size_t colon = o.bind.rfind(':');
  if (!IsPlainToken(o.bind, ".-_:[]*") || colon == std::string::npos ||
      colon + 1 == o.bind.size() ||
      !std::all_of(o.bind.begin() + static_cast<std::ptrdiff_t>(colon) + 1, o.bind.end(),
                   [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) {
    return InvalidArgumentError("--bind \"" + o.bind +
                                "\" is not ADDRESS:PORT (e.g. 0.0.0.0:8080)");
  }
  if (!o.stats_socket.empty() && !IsPlainToken(o.stats_socket, "/._-+")) {
    return InvalidArgumentError("--stats-socket \"" + o.stats_socket +
                                "\" is not a plain path (letters, digits and / . _ - +)");
  }
  if (!IsPlainToken(o.customer_header, "-_")) {
    return InvalidArgumentError("--customer-header \"" + o.customer_header +
                                "\" is not a header name (letters, digits, - and _)");
  }
  CHURNML_RETURN_IF_ERROR(CheckPositive(o.check_interval, "--check-interval"));
  CHURNML_RETURN_IF_ERROR(CheckPositive(o.agent_interval, "--agent-interval"));
  CHURNML_RETURN_IF_ERROR(CheckPositive(o.connect_timeout, "connect timeout"));
  CHURNML_RETURN_IF_ERROR(CheckPositive(o.server_timeout, "server timeout"));
  CHURNML_RETURN_IF_ERROR(CheckPositive(o.client_timeout, "client timeout"));
  CHURNML_RETURN_IF_ERROR(CheckPositive(o.queue_timeout, "queue timeout"));
  if (o.slow_start.count() < 0 || o.slow_start > std::chrono::hours(1)) {
    return InvalidArgumentError(
        fmt::format("--slow-start {} ms is not in 0..1 h", o.slow_start.count()));
  }
  if (o.fall < 1 || o.fall > 100 || o.rise < 1 || o.rise > 100) {
    return InvalidArgumentError(fmt::format("fall {} / rise {} not in 1..100", o.fall, o.rise));
  }
  if (o.retries < 0 || o.retries > 10) {
    return InvalidArgumentError(fmt::format("--retries {} is not in 0..10", o.retries));
  }
  if (o.maxconn < 1 || o.maxconn > 1000000) {
    return InvalidArgumentError(fmt::format("--maxconn {} is not in 1..1000000", o.maxconn));
  }
  return Status::Ok();
}

const BalanceStrategyInfo& Info(BalanceStrategy strategy) {
  for (const BalanceStrategyInfo& info : BalanceStrategies()) {
    if (info.strategy == strategy) return info;
  }
  return BalanceStrategies().front();
}

// The backend's balance lines for `o.strategy`.
std::string BalanceLines(const HaproxyConfigOptions& o) {
  switch (o.strategy) {
    case BalanceStrategy::kRoundRobin:
    case BalanceStrategy::kWeighted:
      return "    balance roundrobin\n";
    case BalanceStrategy::kLeastConn:
      return "    balance leastconn\n";
    case BalanceStrategy::kRandomTwo:
      return "    balance random(2)\n";
    case BalanceStrategy::kHashCustomer:
      // Consistent hashing: removing one replica moves only its customers.
      return fmt::format(
          "    balance hdr({})\n"
          "    hash-type consistent\n",
          o.customer_header);
  }
  return "";
}

}  // namespace

const std::vector<BalanceStrategyInfo>& BalanceStrategies() {
  static const std::vector<BalanceStrategyInfo> kStrategies = {
      {BalanceStrategy::kRoundRobin, "roundrobin", "each replica in turn"},
      {BalanceStrategy::kWeighted, "weighted",
       "round robin in proportion to static weights (--weights)"},
      {BalanceStrategy::kLeastConn, "leastconn", "the replica with the fewest requests in flight"},
      {BalanceStrategy::kRandomTwo, "random2",
       "power of two choices: the less loaded of two random replicas"},
      {BalanceStrategy::kHashCustomer, "hash-customer",
       "consistent hashing on the customer id header: one customer, one replica"},
  };
  return kStrategies;
}

Result<BalanceStrategy> ParseBalanceStrategy(std::string_view name) {
  std::string names;
  for (const BalanceStrategyInfo& info : BalanceStrategies()) {
    if (info.name == name) return info.strategy;
    names += (names.empty() ? "" : ", ") + std::string(info.name);
  }
  return InvalidArgumentError("--strategy \"" + std::string(name) + "\" is not one of " + names);
}

std::string_view BalanceStrategyName(BalanceStrategy strategy) { return Info(strategy).name; }

Result<std::string> RenderHaproxyConfig(const HaproxyConfigOptions& o) {
  CHURNML_RETURN_IF_ERROR(Validate(o));
  const BalanceStrategyInfo& info = Info(o.strategy);
  const bool any_agent = std::any_of(o.replicas.begin(), o.replicas.end(),
                                     [](const HaproxyReplica& r) { return r.agent_port != 0; });
  std::string out;
  out += "# haproxy.cfg for churnml serve replicas, written by `churnml deploy haproxy`\n";
  out += fmt::format("# strategy {}: {}\n", info.name, info.summary);
  out += "# Check with `haproxy -c -f FILE`; run with `haproxy -f FILE` (HAProxy 2.6).\n";
  out += "# docs/deploy.md explains every section.\n\n";

  out += "global\n";
  out += fmt::format("    maxconn {}\n", o.maxconn);
  out += "    log stderr format short local0 notice\n";
  if (!o.stats_socket.empty()) {
    // The runtime API: drain, weights and add/remove at run time.
    out += fmt::format("    stats socket {} mode 600 level admin\n", o.stats_socket);
  }
  out += "\n";

  out += "defaults\n";
  out += "    mode http\n";
  out += "    log global\n";
  out += "    option dontlognull\n";
  out += fmt::format("    timeout connect {}\n", Ms(o.connect_timeout));
  out += fmt::format("    timeout client {}\n", Ms(o.client_timeout));
  out += fmt::format("    timeout server {}\n", Ms(o.server_timeout));
  out += fmt::format("    timeout queue {}\n", Ms(o.queue_timeout));
  out += "    timeout http-request 10s\n";
  out += "    timeout http-keep-alive 60s\n";
  out += fmt::format("    timeout check {}\n", Ms(std::max(o.check_interval, o.connect_timeout)));
  out += fmt::format("    retries {}\n", o.retries);
  // Every retry goes to another replica, not the one that just failed.
  out += "    option redispatch 1\n";
  // A replica that dies mid-request (reset, empty answer) or answers 502/503/504
  // is retried on another; L7 retries are switched off below for every route
  // that is not an idempotent prediction.
  out += "    retry-on conn-failure empty-response junk-response response-timeout 502 503 504\n\n";

  out += "frontend churnml\n";
  out += fmt::format("    bind {}\n", o.bind);
  out += "    option forwardfor\n";
  out += "    default_backend churnml_replicas\n\n";

  out += "backend churnml_replicas\n";
  out += BalanceLines(o);
  out += "    option httpchk\n";
  out += "    http-check send meth GET uri /v2/health/ready ver HTTP/1.1 hdr Host churnml\n";
  out += "    http-check expect status 200\n";
  out += "    # Predictions are pure functions of the request: safe to send twice.\n";
  out += "    acl churnml_idempotent path /predict /predict/batch\n";
  out += "    acl churnml_idempotent path_reg ^/v2/models/[^/]+(/versions/[^/]+)?/infer$\n";
  out += "    http-request disable-l7-retry if !churnml_idempotent\n";
  out += "    http-response set-header X-Churnml-Replica %[srv_name]\n";
  std::string defaults = fmt::format("    default-server check inter {} fall {} rise {}",
                                     Ms(o.check_interval), o.fall, o.rise);
  if (o.slow_start.count() > 0) defaults += " slowstart " + Ms(o.slow_start);
  if (any_agent) defaults += " agent-inter " + Ms(o.agent_interval);
  out += defaults + "\n";
  for (size_t i = 0; i < o.replicas.size(); ++i) {
    const HaproxyReplica& r = o.replicas[i];
    out += fmt::format("    server r{} {}:{} weight {}", i + 1, r.host, r.port, r.weight);
    if (r.agent_port != 0) out += fmt::format(" agent-check agent-port {}", r.agent_port);
    out += "\n";
  }
  return out;
}

}  // namespace churnml::scaling
