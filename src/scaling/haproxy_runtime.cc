#include "scaling/haproxy_runtime.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <optional>

#include "common/errno_text.h"
#include "common/strings.h"

namespace churnml::scaling {
namespace {

constexpr size_t kMaxAnswerBytes = 8 << 20;
using Clock = std::chrono::steady_clock;

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Result<std::vector<ServerStat>> ParseShowStat(std::string_view csv, std::string_view backend) {
  std::vector<ServerStat> servers;
  std::map<std::string, size_t, std::less<>> column;
  bool header = false;
  for (std::string_view line : Split(csv, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (line.starts_with("# ")) {
      const std::vector<std::string_view> names = Split(line.substr(2), ',');
      for (size_t i = 0; i < names.size(); ++i) column.emplace(std::string(names[i]), i);
      header = true;
      continue;
    }
    if (!header) return InvalidArgumentError("show stat: no \"# pxname,svname,...\" header line");
    for (const char* required : {"pxname", "svname", "status", "scur"}) {
      if (!column.contains(required)) {
        return InvalidArgumentError(std::string("show stat: no \"") + required + "\" column");
      }
    }
    const std::vector<std::string_view> f = Split(line, ',');
    auto field = [&](std::string_view name) -> std::string_view {
      auto it = column.find(name);
      return it == column.end() || it->second >= f.size() ? std::string_view() : f[it->second];
    };
    if (field("pxname") != backend) continue;
    const std::string_view name = field("svname");
    if (name == "BACKEND" || name == "FRONTEND") continue;
    ServerStat s;
    s.name = std::string(name);
    s.status = std::string(field("status"));
    s.address = std::string(field("addr"));
    s.sessions = ParseInt(field("scur")).value_or(0);
    s.total_sessions = ParseInt(field("stot")).value_or(0);
    s.weight = ParseInt(field("weight")).value_or(0);
    servers.push_back(std::move(s));
  }
  return servers;
}

HaproxyRuntime::HaproxyRuntime(std::string socket_path, std::chrono::milliseconds timeout)
    : path_(std::move(socket_path)), timeout_(timeout) {}

Result<std::string> HaproxyRuntime::Command(std::string_view command) const {
  if (command.find_first_of("\n\r;") != std::string_view::npos) {
    return InvalidArgumentError("HAProxy command with a newline or ';': refused");
  }
  sockaddr_un addr{};
  if (path_.size() >= sizeof(addr.sun_path)) {
    return InvalidArgumentError("--haproxy-socket " + path_ + ": path too long for a socket");
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return UnavailableError("socket: " + ErrnoText(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    return UnavailableError("HAProxy runtime socket " + path_ + ": " + ErrnoText(errno));
  }
  const std::string line = std::string(command) + "\n";
  if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) {
    return UnavailableError("HAProxy runtime socket " + path_ + ": send failed");
  }
  const Clock::time_point deadline = Clock::now() + timeout_;
  std::string answer;
  char buffer[16384];
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) == 0) {
      return DeadlineExceededError("HAProxy runtime socket " + path_ + ": no answer to \"" +
                                   std::string(command) + "\" within " +
                                   std::to_string(timeout_.count()) + " ms");
    }
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return UnavailableError("HAProxy runtime socket " + path_ + ": " + ErrnoText(errno));
    }
    answer.append(buffer, static_cast<size_t>(n));
    if (answer.size() > kMaxAnswerBytes) {
      return UnavailableError("HAProxy runtime socket " + path_ + ": answer over 8 MiB");
    }
  }
  return answer;
}

Result<std::vector<ServerStat>> HaproxyRuntime::Servers(std::string_view backend) const {
  if (!ValidName(backend)) {
    return InvalidArgumentError("backend \"" + std::string(backend.substr(0, 40)) +
                                "\" is not [A-Za-z0-9_.:-]+");
  }
  CHURNML_ASSIGN_OR_RETURN(std::string csv, Command("show stat"));
  return ParseShowStat(csv, backend);
}

Status HaproxyRuntime::Set(std::string_view backend, std::string_view server,
                           std::string_view what) const {
  if (!ValidName(backend) || !ValidName(server)) {
    return InvalidArgumentError("server \"" + std::string(backend.substr(0, 40)) + "/" +
                                std::string(server.substr(0, 40)) + "\" is not [A-Za-z0-9_.:-]+");
  }
  const std::string command =
      "set server " + std::string(backend) + "/" + std::string(server) + " " + std::string(what);
  CHURNML_ASSIGN_OR_RETURN(std::string answer, Command(command));
  const std::string_view text = Trim(answer);
  if (!text.empty()) {
    return FailedPreconditionError("HAProxy refused \"" + command +
                                   "\": " + std::string(text.substr(0, 200)));
  }
  return Status::Ok();
}

Status HaproxyRuntime::SetState(std::string_view backend, std::string_view server,
                                ServerAdminState state) const {
  const char* name = state == ServerAdminState::kReady   ? "state ready"
                     : state == ServerAdminState::kDrain ? "state drain"
                                                         : "state maint";
  return Set(backend, server, name);
}

Status HaproxyRuntime::SetHealthUp(std::string_view backend, std::string_view server) const {
  return Set(backend, server, "health up");
}

Status HaproxyRuntime::SetAddress(std::string_view backend, std::string_view server,
                                  std::string_view ip, std::string_view port) const {
  if (!ValidName(backend) || !ValidName(server)) {
    return InvalidArgumentError("server \"" + std::string(backend.substr(0, 40)) + "/" +
                                std::string(server.substr(0, 40)) + "\" is not [A-Za-z0-9_.:-]+");
  }
  const bool ip_ok = !ip.empty() && ip.size() <= 45 &&
                     ip.find_first_not_of("0123456789abcdefABCDEF.:") == std::string_view::npos;
  const std::optional<int64_t> port_number = ParseInt(port);
  if (!ip_ok || !port_number || *port_number < 1 || *port_number > 65535) {
    return InvalidArgumentError("\"" + std::string(ip.substr(0, 45)) + "\" port \"" +
                                std::string(port.substr(0, 8)) +
                                "\" is not an IP address and a port 1..65535");
  }
  const std::string command = "set server " + std::string(backend) + "/" + std::string(server) +
                              " addr " + std::string(ip) + " port " + std::to_string(*port_number);
  CHURNML_ASSIGN_OR_RETURN(std::string answer, Command(command));
  const std::string_view text = Trim(answer);
  if (!text.starts_with("IP changed") && !text.starts_with("no need to change")) {
    return FailedPreconditionError("HAProxy refused \"" + command +
                                   "\": " + std::string(text.substr(0, 200)));
  }
  return Status::Ok();
}

}  // namespace churnml::scaling
