// HAProxy's runtime API over its stats socket (`stats socket PATH level
// admin`, which `churnml deploy haproxy --stats-socket` writes): one command
// per connection, answers bounded in size and time. The local actuator
// (local_actuator.h) moves servers between ready, drain and maint with it.
//
// Errors: Unavailable when the socket cannot be reached or the answer is
// over the limit; DeadlineExceeded past the timeout; FailedPrecondition
// when HAProxy refuses a command (its message quoted); InvalidArgument for a
// backend or server name that is not [A-Za-z0-9_.:-]+ (names go into the
// command text, so nothing else may reach it). Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace churnml::scaling {

struct ServerStat {
  std::string name;            // svname
  std::string status;          // "UP", "DOWN", "MAINT", "DRAIN", "UP 1/2", "no check", ...
  std::string address;         // addr, "127.0.0.1:8001" (empty on old versions)
  int64_t sessions = 0;        // scur: streams on the server now
  int64_t total_sessions = 0;  // stot
  int64_t weight = 0;
};

// The servers of `backend` in `show stat` CSV (the header line names the
// columns). InvalidArgument when the header lacks pxname/svname/status/scur.
Result<std::vector<ServerStat>> ParseShowStat(std::string_view csv, std::string_view backend);

enum class ServerAdminState { kReady, kDrain, kMaint };

class HaproxyRuntime {
 public:
  explicit HaproxyRuntime(std::string socket_path,
                          std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));

  // Sends one command line and returns HAProxy's whole answer.
  Result<std::string> Command(std::string_view command) const;

  Result<std::vector<ServerStat>> Servers(std::string_view backend) const;
  Status SetState(std::string_view backend, std::string_view server, ServerAdminState state) const;
  // `set server B/S health up`: the replica was just checked ready by the
  // caller, so it takes traffic without waiting for `rise` checks.
  Status SetHealthUp(std::string_view backend, std::string_view server) const;
  // `set server B/S addr IP port PORT`: the slot now points at IP:PORT
  // (an IPv4 or IPv6 address, a port 1..65535; InvalidArgument otherwise).
  // HAProxy answers "IP changed ..." or "no need to change ...": anything
  // else is FailedPrecondition quoting it.
  Status SetAddress(std::string_view backend, std::string_view server, std::string_view ip,
                    std::string_view port) const;

  const std::string& socket_path() const { return path_; }

 private:
  Status Set(std::string_view backend, std::string_view server, std::string_view what) const;

  std::string path_;
  std::chrono::milliseconds timeout_;
};

}  // namespace churnml::scaling
