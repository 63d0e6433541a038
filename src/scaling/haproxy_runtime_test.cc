#include "scaling/haproxy_runtime.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace churnml::scaling {
namespace {

// Abbreviated `show stat` as HAProxy 2.6 prints it (the real one has ~100
// columns; the parser goes by the header's names, not positions).
constexpr char kShowStat[] =
    "# pxname,svname,qcur,qmax,scur,smax,slim,stot,status,weight,addr,\n"
    "churnml,FRONTEND,,,3,9,4096,120,OPEN,,,\n"
    "churnml_replicas,r1,0,0,2,5,,60,UP,100,127.0.0.1:8001,\n"
    "churnml_replicas,r2,0,0,0,3,,40,DRAIN,0,127.0.0.1:8002,\n"
    "churnml_replicas,r3,0,0,0,0,,0,MAINT,100,127.0.0.1:8003,\n"
    "churnml_replicas,BACKEND,0,0,2,9,410,100,UP,100,,\n"
    "other,r1,0,0,7,7,,7,UP,1,10.0.0.1:80,\n";

TEST(HaproxyRuntime, ParsesServersOfOneBackendByColumnName) {
  Result<std::vector<ServerStat>> servers = ParseShowStat(kShowStat, "churnml_replicas");
  ASSERT_TRUE(servers.ok()) << servers.status().ToString();
  ASSERT_EQ(servers->size(), 3u);
  EXPECT_EQ((*servers)[0].name, "r1");
  EXPECT_EQ((*servers)[0].sessions, 2);
  EXPECT_EQ((*servers)[0].total_sessions, 60);
  EXPECT_EQ((*servers)[0].address, "127.0.0.1:8001");
  EXPECT_EQ((*servers)[1].status, "DRAIN");
  EXPECT_EQ((*servers)[2].status, "MAINT");
}

TEST(HaproxyRuntime, RefusesStatWithoutAHeader) {
  EXPECT_FALSE(ParseShowStat("churnml_replicas,r1,0,0,2\n", "churnml_replicas").ok());
  EXPECT_FALSE(ParseShowStat("# pxname,svname\nchurnml_replicas,r1\n", "churnml_replicas").ok());
}

// A unix-socket peer that records one command and answers it.
class UnixSocketPeer {
 public:
  explicit UnixSocketPeer(std::string answer) {
    char dir[] = "/tmp/churnml-hart-XXXXXX";
    dir_ = ::mkdtemp(dir);
    path_ = dir_ + "/s.sock";
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, path_.c_str());
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    ::listen(fd_, 1);
    thread_ = std::thread([this, answer = std::move(answer)] {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      char buf[512];
      while (command_.find('\n') == std::string::npos) {
        const ssize_t n = ::recv(c, buf, sizeof(buf), 0);
        if (n <= 0) break;
        command_.append(buf, static_cast<size_t>(n));
      }
      (void)!::send(c, answer.data(), answer.size(), MSG_NOSIGNAL);
      ::close(c);
    });
  }
  ~UnixSocketPeer() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
    ::unlink(path_.c_str());
    ::rmdir(dir_.c_str());
  }
  const std::string& path() const { return path_; }
  const std::string& command() const { return command_; }

 private:
  std::string dir_, path_, command_;
  int fd_ = -1;
  std::thread thread_;
};

TEST(HaproxyRuntime, SendsOneCommandLineAndAcceptsAnEmptyAnswer) {
  UnixSocketPeer peer("\n");
  HaproxyRuntime runtime(peer.path());
  EXPECT_TRUE(runtime.SetState("churnml_replicas", "r2", ServerAdminState::kDrain).ok());
  EXPECT_EQ(peer.command(), "set server churnml_replicas/r2 state drain\n");
}

TEST(HaproxyRuntime, AnAnswerToASetIsHAProxyRefusing) {
  UnixSocketPeer peer("No such server.\n\n");
  HaproxyRuntime runtime(peer.path());
  const Status s = runtime.SetState("churnml_replicas", "r9", ServerAdminState::kReady);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("No such server."), std::string::npos);
}

TEST(HaproxyRuntime, SetAddressAcceptsHAProxysChangeAnswers) {
  {
    UnixSocketPeer peer(
        "IP changed from '127.0.0.1' to '127.0.0.2', port changed from '18001' to '18005' by "
        "'stats socket command'\n\n");
    HaproxyRuntime runtime(peer.path());
    EXPECT_TRUE(runtime.SetAddress("churnml_replicas", "r1", "127.0.0.2", "18005").ok());
    EXPECT_EQ(peer.command(), "set server churnml_replicas/r1 addr 127.0.0.2 port 18005\n");
  }
  {
    UnixSocketPeer peer(
        "no need to change the addr, no need to change the port by 'stats socket command'\n\n");
    EXPECT_TRUE(HaproxyRuntime(peer.path()).SetAddress("b", "r1", "fd00::5", "8000").ok());
  }
  {
    UnixSocketPeer peer("Invalid addr '10.0.0.999' by 'stats socket command'\n\n");
    const Status s = HaproxyRuntime(peer.path()).SetAddress("b", "r1", "10.0.0.999", "8000");
    EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(s.message().find("Invalid addr"), std::string::npos);
  }
  HaproxyRuntime nowhere("/nonexistent/socket");
  EXPECT_EQ(nowhere.SetAddress("b", "r1", "10.0.0.1 port 1; shutdown", "80").code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(nowhere.SetAddress("b", "r1", "10.0.0.1", "0").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(nowhere.SetAddress("b", "r1", "10.0.0.1", "8o").code(), StatusCode::kInvalidArgument);
}

TEST(HaproxyRuntime, NamesCannotInjectCommands) {
  HaproxyRuntime runtime("/nonexistent/socket");
  EXPECT_EQ(runtime.SetState("b", "r1; shutdown sessions", ServerAdminState::kMaint).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(runtime.SetState("b\nshow info", "r1", ServerAdminState::kMaint).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(runtime.Command("show stat\nshutdown frontend x").status().code(),
            StatusCode::kInvalidArgument);
}

TEST(HaproxyRuntime, AMissingSocketIsUnavailableNamingIt) {
  HaproxyRuntime runtime("/nonexistent/haproxy.sock");
  Result<std::vector<ServerStat>> servers = runtime.Servers("churnml_replicas");
  ASSERT_FALSE(servers.ok());
  EXPECT_EQ(servers.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(servers.status().message().find("/nonexistent/haproxy.sock"), std::string::npos);
}

}  // namespace
}  // namespace churnml::scaling
