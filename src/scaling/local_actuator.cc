#include "scaling/local_actuator.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <thread>

#include "common/errno_text.h"
#include "common/strings.h"
#include "scaling/http_fetch.h"

extern char** environ;

namespace churnml::scaling {
namespace {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool Ready(const std::string& host, int port) {
  Result<HttpAnswer> answer =
      HttpGet("http://" + host + ":" + std::to_string(port) + "/v2/health/ready",
              std::chrono::milliseconds(1000), 64 * 1024);
  return answer.ok() && answer->status == 200;
}

bool Answers(const std::string& host, int port) {
  return HttpGet("http://" + host + ":" + std::to_string(port) + "/v2/health/live",
                 std::chrono::milliseconds(1000), 64 * 1024)
      .ok();
}

}  // namespace

LocalActuator::LocalActuator(const LocalActuatorOptions& options)
    : options_(options), runtime_(options.haproxy_socket), pool_(0, options.pool) {}

Result<std::unique_ptr<LocalActuator>> LocalActuator::Open(const LocalActuatorOptions& options) {
  std::unique_ptr<LocalActuator> actuator(new LocalActuator(options));
  CHURNML_ASSIGN_OR_RETURN(std::vector<ServerStat> servers,
                           actuator->runtime_.Servers(options.backend));
  if (servers.empty()) {
    return FailedPreconditionError("HAProxy backend \"" + options.backend + "\" at " +
                                   options.haproxy_socket + " has no servers to use as slots");
  }
  for (const ServerStat& s : servers) {
    const size_t colon = s.address.rfind(':');
    const std::string host = s.address.substr(0, colon == std::string::npos ? 0 : colon);
    const int64_t port =
        colon == std::string::npos ? -1 : ParseInt(s.address.substr(colon + 1)).value_or(-1);
    if (!host.starts_with("127.") || port < 1 || port > 65535) {
      return FailedPreconditionError("server " + options.backend + "/" + s.name + " address \"" +
                                     s.address +
                                     "\": the local actuator needs a loopback IPv4 host:port");
    }
    if (Answers(host, static_cast<int>(port))) {
      return FailedPreconditionError("server " + options.backend + "/" + s.name + " (" + s.address +
                                     ") already answers: the actuator starts its own replicas");
    }
    actuator->slots_.push_back({s.name, host, static_cast<int>(port), -1});
  }
  for (const Slot& slot : actuator->slots_) {
    CHURNML_RETURN_IF_ERROR(
        actuator->runtime_.SetState(options.backend, slot.server, ServerAdminState::kMaint));
  }
  actuator->pool_ = ReplicaPool(actuator->slots_.size(), options.pool);
  return actuator;
}

LocalActuator::~LocalActuator() { Shutdown(); }

std::vector<std::string> LocalActuator::MetricsUrls() const {
  std::vector<std::string> urls;
  for (size_t i = 0; i < slots_.size(); ++i) {
    const SlotState state = pool_.state(i);
    if (state == SlotState::kServing || state == SlotState::kDraining) {
      urls.push_back("http://" + slots_[i].host + ":" + std::to_string(slots_[i].port) +
                     "/metrics");
    }
  }
  return urls;
}

std::vector<SlotObservation> LocalActuator::Observe() {
  std::vector<SlotObservation> seen(slots_.size());
  Result<std::vector<ServerStat>> stats = runtime_.Servers(options_.backend);
  for (size_t i = 0; i < slots_.size(); ++i) {
    Slot& slot = slots_[i];
    if (slot.pid > 0) {
      int status = 0;
      const pid_t done = ::waitpid(slot.pid, &status, WNOHANG);
      if (done == slot.pid) slot.pid = -1;
    }
    seen[i].process_alive = slot.pid > 0;
    const SlotState state = pool_.state(i);
    if (seen[i].process_alive && state == SlotState::kStarting) {
      seen[i].ready = Ready(slot.host, slot.port);
    }
    // Without HAProxy's view the drain cannot be judged: count a session
    // so the slot keeps draining (up to max_drain_ms).
    seen[i].sessions = 1;
    if (stats.ok()) {
      for (const ServerStat& s : *stats) {
        if (s.name == slot.server) seen[i].sessions = s.sessions;
      }
    }
  }
  return seen;
}

std::vector<ActuatorEvent> LocalActuator::Apply(int desired, int64_t now_ms) {
  std::vector<ActuatorEvent> events;
  for (const PoolAction& action : pool_.Step(desired, Observe(), now_ms)) {
    events.push_back({slots_[action.slot].server, action.kind, action.reason, Act(action)});
  }
  return events;
}

Status LocalActuator::Act(const PoolAction& action) {
  Slot& slot = slots_[action.slot];
  switch (action.kind) {
    case PoolActionKind::kStart:
      return StartProcess(slot);
    case PoolActionKind::kEnable: {
      CHURNML_RETURN_IF_ERROR(
          runtime_.SetState(options_.backend, slot.server, ServerAdminState::kReady));
      // Checked ready just now: take traffic without waiting for `rise` checks.
      // Refused when the server has no health check; it then is up already.
      runtime_.SetHealthUp(options_.backend, slot.server).IgnoreError();
      return Status::Ok();
    }
    case PoolActionKind::kDrain:
      return runtime_.SetState(options_.backend, slot.server, ServerAdminState::kDrain);
    case PoolActionKind::kStop: {
      Status maint = runtime_.SetState(options_.backend, slot.server, ServerAdminState::kMaint);
      StopProcess(slot.pid, options_.stop_timeout);
      slot.pid = -1;
      return maint;
    }
  }
  return Status::Ok();
}

Result<pid_t> SpawnProcess(const std::vector<std::string>& argv, const std::string& log_path) {
  if (argv.empty()) return InvalidArgumentError("no program to start");
  std::vector<std::string> args = argv;
  std::vector<char*> raw;
  raw.reserve(args.size() + 1);
  for (std::string& a : args) raw.push_back(a.data());
  raw.push_back(nullptr);
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0);
  if (!log_path.empty()) {
    posix_spawn_file_actions_addopen(&files, 2, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                     0644);
  }
  posix_spawn_file_actions_adddup2(&files, 2, 1);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Callers block SIGINT/SIGTERM to wait for them; a child must not inherit
  // that, or its own handling of SIGTERM (serve's drain) would never run.
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, args[0].c_str(), &files, &attr, raw.data(), environ);
  posix_spawn_file_actions_destroy(&files);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return UnavailableError("cannot start " + args[0] + ": " + ErrnoText(rc));
  return pid;
}

void StopProcess(pid_t pid, std::chrono::milliseconds timeout) {
  if (pid <= 0) return;
  ::kill(pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid || (done < 0 && errno != EINTR)) return;
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Status LocalActuator::StartProcess(Slot& slot) {
  std::vector<std::string> args = {options_.executable, "serve",  "--host",
                                   slot.host,           "--port", std::to_string(slot.port)};
  args.insert(args.end(), options_.serve_args.begin(), options_.serve_args.end());
  const std::string log =
      options_.log_dir.empty() ? "" : options_.log_dir + "/" + slot.server + ".log";
  CHURNML_ASSIGN_OR_RETURN(slot.pid, SpawnProcess(args, log));
  return Status::Ok();
}

void LocalActuator::Shutdown() {
  const int64_t start = SteadyMs();
  while (pool_.Count(SlotState::kOff) < static_cast<int>(slots_.size())) {
    for (const PoolAction& action : pool_.Step(0, Observe(), SteadyMs())) {
      Act(action).IgnoreError();
    }
    if (SteadyMs() - start > options_.pool.max_drain_ms + 1000) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  for (Slot& slot : slots_) {
    StopProcess(slot.pid, options_.stop_timeout);
    slot.pid = -1;
  }
}

}  // namespace churnml::scaling
