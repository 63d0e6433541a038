#include "serving/agent_check.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>

#include "common/atomic_file.h"
#include "common/errno_text.h"
#include "monitoring/alerts/http_client.h"
#include "monitoring/process_metrics.h"

namespace churnml::serving {
namespace {

using Json = nlohmann::json;

double NumberOr(const Json& object, const char* key, double fallback) {
  if (!object.is_object()) return fallback;
  auto it = object.find(key);
  return it != object.end() && it->is_number() ? it->get<double>() : fallback;
}

}  // namespace

Status AgentWeightPolicy::Validate() const {
  if (degraded_percent < 1 || degraded_percent > 100) {
    return InvalidArgumentError("agent degraded weight " + std::to_string(degraded_percent) +
                                "% is not in 1..100");
  }
  if (min_percent < 1 || min_percent > 100) {
    return InvalidArgumentError("agent minimum weight " + std::to_string(min_percent) +
                                "% is not in 1..100");
  }
  if (!(max_in_flight > 0) || !std::isfinite(max_in_flight)) {
    return InvalidArgumentError("agent max in flight must be > 0");
  }
  if (!(cpu_high > 0 && cpu_high <= 1)) {
    return InvalidArgumentError("agent CPU threshold must be in (0, 1]");
  }
  if (swap_ramp.count() < 0) return InvalidArgumentError("agent swap ramp must be >= 0");
  return Status::Ok();
}

std::string AgentReply::Line() const {
  if (drain) return "drain\n";
  return "up ready " + std::to_string(percent) + "%\n";
}

AgentReply ComputeAgentReply(const AgentSignals& s, const AgentWeightPolicy& policy, double ramp,
                             bool draining) {
  AgentReply reply;
  if (draining) {
    reply.drain = true;
    reply.reason = "shutting down";
    return reply;
  }
  if (s.health == reliability::HealthState::kCritical) {
    reply.drain = true;
    reply.reason = "health critical";
    return reply;
  }
  const double min_factor = policy.min_percent / 100.0;
  if (!s.reachable) {
    reply.percent = policy.min_percent;
    reply.reason = "own /health did not answer in time";
    return reply;
  }
  // The weight is the health's share times the tightest of the load limits.
  double base = 1;
  std::string reason;
  if (s.health == reliability::HealthState::kDegraded) {
    base = policy.degraded_percent / 100.0;
    reason = "health degraded";
  }
  double factor = 1;
  auto tighten = [&](double candidate, std::string why) {
    if (candidate < factor) {
      factor = candidate;
      reason = reason.empty() ? std::move(why) : reason + ", " + why;
    }
  };
  if (s.latency_ratio > 1.05) {
    tighten(1 / s.latency_ratio,
            "latency " + std::to_string(s.latency_ratio).substr(0, 4) + "x its baseline");
  }
  if (s.in_flight > policy.max_in_flight) {
    tighten(policy.max_in_flight / s.in_flight, "in flight above the limit");
  }
  if (s.cpu_share > policy.cpu_high) {
    const double over = (s.cpu_share - policy.cpu_high) / std::max(1e-9, 1 - policy.cpu_high);
    tighten(1 - std::min(1.0, over) * (1 - min_factor), "CPU busy");
  }
  if (ramp < 1) {
    tighten(min_factor + std::max(0.0, ramp) * (1 - min_factor), "warming up after a model swap");
  }
  const double weight = std::clamp(base * factor, min_factor, 1.0);
  reply.percent = std::clamp(static_cast<int>(std::lround(weight * 100)), policy.min_percent, 100);
  if (reply.percent < 100) reply.reason = reason;
  return reply;
}

Result<AgentSignals> ParseHealthBody(std::string_view body, std::chrono::milliseconds interval) {
  const Json json = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("status") || !json["status"].is_string()) {
    return InvalidArgumentError("/health answer is not serving's health JSON (no \"status\")");
  }
  AgentSignals s;
  const std::string status = json["status"].get<std::string>();
  if (status == "healthy") {
    s.health = reliability::HealthState::kHealthy;
  } else if (status == "degraded") {
    s.health = reliability::HealthState::kDegraded;
  } else if (status == "critical") {
    s.health = reliability::HealthState::kCritical;
  } else {
    return InvalidArgumentError("/health status \"" + status.substr(0, 32) +
                                "\" is not healthy, degraded or critical");
  }
  const Json empty = Json::object();
  const Json& details = json.contains("details") ? json["details"] : empty;
  const double requests = NumberOr(details, "requests", 0);
  const double mean_ms = NumberOr(details, "mean_latency_ms", 0);
  const double baseline_ms = NumberOr(details, "baseline_latency_ms", 0);
  const bool baseline_ready = details.is_object() && details.contains("baseline_ready") &&
                              details["baseline_ready"].is_boolean() &&
                              details["baseline_ready"].get<bool>();
  const double seconds = std::max(1e-3, std::chrono::duration<double>(interval).count());
  s.in_flight = std::max(0.0, requests / seconds * mean_ms / 1000);
  // Negative: no judgement in this interval (the probe holds the last one).
  s.latency_ratio = baseline_ready && baseline_ms > 0 && requests > 0 ? mean_ms / baseline_ms : -1;
  if (json.contains("model") && json["model"].is_object() && json["model"].contains("version") &&
      json["model"]["version"].is_string()) {
    s.model_version = json["model"]["version"].get<std::string>();
  }
  return s;
}

OwnHealthProbe::OwnHealthProbe(std::string url, std::chrono::milliseconds interval,
                               std::chrono::milliseconds timeout)
    : url_(std::move(url)), interval_(interval), timeout_(timeout) {}

AgentSignals OwnHealthProbe::Sample() {
  AgentSignals signals;
  monitoring::HttpRequest request;
  request.url = url_;
  request.timeout = timeout_;
  Result<monitoring::HttpResponse> response = monitoring::SendHttp(request);
  Result<AgentSignals> parsed = response.ok() && response->status == 200
                                    ? ParseHealthBody(response->body, interval_)
                                    : Result<AgentSignals>(UnavailableError("no answer"));
  if (parsed.ok()) {
    signals = *parsed;
  } else {
    signals.reachable = false;
  }
  // A replica that lost its traffic (its weight fell) has no new latency
  // to judge: hold the last ratio and let it decay back to 1 over a few
  // samples, so it earns traffic back gradually instead of flapping.
  if (signals.latency_ratio >= 0) {
    last_latency_ratio_ = signals.latency_ratio;
  } else {
    last_latency_ratio_ = 1 + (last_latency_ratio_ - 1) * 0.7;
    signals.latency_ratio = last_latency_ratio_;
  }
  // Process CPU share since the previous sample.
  const auto now = std::chrono::steady_clock::now();
  if (Result<std::string> stat = ReadFile("/proc/self/stat"); stat.ok()) {
    if (Result<monitoring::ProcStat> parsed_stat = monitoring::ParseProcStat(*stat);
        parsed_stat.ok()) {
      const uint64_t ticks = parsed_stat->utime_ticks + parsed_stat->stime_ticks;
      const double wall = std::chrono::duration<double>(now - last_sample_).count();
      const long per_second = sysconf(_SC_CLK_TCK);
      const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
      if (last_cpu_ticks_ != 0 && wall > 0 && per_second > 0 && ticks >= last_cpu_ticks_) {
        signals.cpu_share = std::clamp(static_cast<double>(ticks - last_cpu_ticks_) /
                                           static_cast<double>(per_second) / wall / cores,
                                       0.0, 1.0);
      }
      last_cpu_ticks_ = ticks;
    }
  }
  last_sample_ = now;
  return signals;
}

Result<std::unique_ptr<AgentCheck>> AgentCheck::Start(const AgentCheckOptions& options,
                                                      SignalSource source) {
  CHURNML_RETURN_IF_ERROR(options.policy.Validate());
  const std::string where = options.host + ":" + std::to_string(options.port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port_text = std::to_string(options.port);
  const std::string host = options.host == "localhost" ? "127.0.0.1" : options.host;
  if (int rc = getaddrinfo(host.c_str(), port_text.c_str(), &hints, &found); rc != 0) {
    return InvalidArgumentError("--agent-port: cannot resolve " + where + ": " + gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, &freeaddrinfo);
  const int fd = socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return IOError("--agent-port: socket: " + ErrnoText(errno));
  const int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  if (bind(fd, found->ai_addr, found->ai_addrlen) != 0 || listen(fd, 64) != 0) {
    const std::string error = ErrnoText(errno);
    close(fd);
    return IOError("--agent-port: cannot listen on " + where + ": " + error);
  }
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
  const uint16_t port =
      ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                        : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  std::unique_ptr<AgentCheck> agent(new AgentCheck(options, std::move(source), fd, port));
  agent->thread_ = std::thread([a = agent.get()] { a->Run(); });
  return agent;
}

AgentCheck::AgentCheck(AgentCheckOptions options, SignalSource source, int fd, uint16_t port)
    : options_(std::move(options)), source_(std::move(source)), listen_fd_(fd), port_(port) {}

AgentCheck::~AgentCheck() {
  Stop();
  close(listen_fd_);
}

void AgentCheck::Stop() {
  stopping_.store(true, std::memory_order_release);
  if (thread_.joinable()) thread_.join();
}

AgentReply AgentCheck::last_reply() const {
  MutexLock lock(&reply_mu_);
  return reply_;
}

AgentReply AgentCheck::Reply() {
  const auto now = std::chrono::steady_clock::now();
  const bool draining = draining_.load(std::memory_order_acquire);
  {
    MutexLock lock(&reply_mu_);
    if (!draining && last_sample_ != std::chrono::steady_clock::time_point{} &&
        now - last_sample_ < options_.min_sample_interval && !reply_.drain) {
      return reply_;
    }
  }
  AgentSignals signals = draining ? AgentSignals{} : source_();
  last_sample_ = now;
  if (!signals.model_version.empty() && signals.model_version != version_) {
    // The first version seen is the one the server started with: only a
    // later change is a swap.
    if (!version_.empty() && options_.policy.swap_ramp.count() > 0) {
      ramping_ = true;
      ramp_start_ = now;
    }
    version_ = signals.model_version;
  }
  double ramp = 1;
  if (ramping_) {
    ramp = std::chrono::duration<double>(now - ramp_start_) /
           std::chrono::duration<double>(options_.policy.swap_ramp);
    if (ramp >= 1) ramping_ = false;
  }
  AgentReply reply = ComputeAgentReply(signals, options_.policy, std::min(1.0, ramp), draining);
  MutexLock lock(&reply_mu_);
  reply_ = reply;
  return reply;
}

void AgentCheck::Run() {
  while (!stopping_.load(std::memory_order_acquire)) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    const int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    // HAProxy sends nothing unless agent-send is set; anything it sends is
    // read and ignored so closing does not reset the connection.
    timeval timeout{1, 0};
    setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    char ignored[256];
    while (recv(client, ignored, sizeof(ignored), MSG_DONTWAIT) > 0) {
    }
    const std::string line = Reply().Line();
    (void)send(client, line.data(), line.size(), MSG_NOSIGNAL);
    shutdown(client, SHUT_WR);
    close(client);
  }
}

}  // namespace churnml::serving
