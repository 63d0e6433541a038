// A real Prometheus Alertmanager started by the test, fed through
// AlertmanagerChannel and read back with GET /api/v2/alerts.
#include "monitoring/alerts/alertmanager_channel.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "monitoring/alerts/http_client.h"
#include "monitoring/alerts/test_http_receiver.h"

extern char** environ;

namespace churnml::monitoring {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kAlertmanager = "/usr/bin/prometheus-alertmanager";

class AlertmanagerProcess {
 public:
  bool Start(const fs::path& dir, uint16_t port) {
    fs::create_directories(dir);
    fs::copy_file(fs::path(CHURNML_SOURCE_DIR) / "deploy/alerts/alertmanager.yml", dir / "am.yml",
                  fs::copy_options::overwrite_existing);
    std::vector<std::string> args = {kAlertmanager,
                                     "--config.file=" + (dir / "am.yml").string(),
                                     "--storage.path=" + dir.string(),
                                     "--web.listen-address=127.0.0.1:" + std::to_string(port),
                                     "--cluster.listen-address=",
                                     "--log.level=warn"};
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string log = (dir / "alertmanager.log").string();
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    const int rc = posix_spawn(&pid_, kAlertmanager, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    return rc == 0;
  }
  ~AlertmanagerProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }

 private:
  pid_t pid_ = -1;
};

Result<HttpResponse> Get(const std::string& url) {
  HttpRequest req;
  req.url = url;
  req.timeout = 2000ms;
  return SendHttp(req);
}

// The alerts Alertmanager lists for `name` (its default filter: active,
// silenced, inhibited and unprocessed, not resolved).
std::vector<nlohmann::json> ListedAlerts(const std::string& base, const std::string& name) {
  std::vector<nlohmann::json> out;
  auto r = Get(base + "/api/v2/alerts");
  if (!r.ok() || r->status != 200) return out;
  for (const auto& a : nlohmann::json::parse(r->body)) {
    if (a.at("labels").value("alertname", "") == name) out.push_back(a);
  }
  return out;
}

bool Eventually(const std::function<bool()>& done) {
  const auto give_up = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < give_up) {
    if (done()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return done();
}

TEST(AlertmanagerChannel, FiringAlertIsActiveAndItsResolutionRemovesIt) {
  if (!fs::exists(kAlertmanager)) GTEST_SKIP() << kAlertmanager << " is not installed";
  const char* tmp = std::getenv("CHURNML_TEST_TMPDIR");
  const fs::path dir = fs::path(tmp ? tmp : fs::temp_directory_path().string()) /
                       ("alertmanager-" + std::to_string(getpid()));
  fs::remove_all(dir);
  const uint16_t port = testing::FreePort();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  AlertmanagerProcess am;
  ASSERT_TRUE(am.Start(dir, port));
  ASSERT_TRUE(Eventually([&] {
    auto r = Get(base + "/-/ready");
    return r.ok() && r->status == 200;
  })) << "alertmanager did not become ready; see "
      << (dir / "alertmanager.log");

  AlertmanagerChannel channel("am", base + "/", 2000ms, "http://churnml.test/alerts");
  Notification n;
  n.status = NotificationStatus::kFiring;
  n.group_key = "{alertname=\"ChurnmlTestAlert\"}";
  const auto starts = std::chrono::system_clock::now() - 1min;
  n.alerts.push_back(NotifiedAlert{NotificationStatus::kFiring,
                                   {{"alertname", "ChurnmlTestAlert"}, {"severity", "page"}},
                                   {{"summary", "from the churnml alerts test"}},
                                   starts,
                                   std::nullopt,
                                   3});
  ASSERT_TRUE(channel.Send(n).ok());
  ASSERT_TRUE(Eventually([&] {
    auto listed = ListedAlerts(base, "ChurnmlTestAlert");
    return listed.size() == 1 && listed[0].at("status").at("state") == "active";
  }));
  auto listed = ListedAlerts(base, "ChurnmlTestAlert");
  EXPECT_EQ(listed.at(0).at("labels").at("severity"), "page");
  EXPECT_EQ(listed.at(0).at("annotations").at("summary"), "from the churnml alerts test");
  EXPECT_EQ(listed.at(0).at("generatorURL"), "http://churnml.test/alerts");

  n.status = NotificationStatus::kResolved;
  n.alerts[0].status = NotificationStatus::kResolved;
  n.alerts[0].ends_at = std::chrono::system_clock::now();
  ASSERT_TRUE(channel.Send(n).ok());
  ASSERT_TRUE(Eventually([&] {
    auto after = ListedAlerts(base, "ChurnmlTestAlert");
    if (after.empty()) return true;
    auto ends = ParseTimestamp(after[0].at("endsAt").get<std::string>());
    return ends && *ends <= std::chrono::system_clock::now();
  }));
  fs::remove_all(dir);
}

TEST(AlertmanagerChannel, DownAlertmanagerIsUnavailable) {
  AlertmanagerChannel channel("am", "http://127.0.0.1:" + std::to_string(testing::FreePort()),
                              200ms, "");
  Notification n;
  n.alerts.push_back(NotifiedAlert{});
  EXPECT_EQ(channel.Send(n).code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace churnml::monitoring
