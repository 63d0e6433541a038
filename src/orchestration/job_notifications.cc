#include "orchestration/job_notifications.h"

#include <pqxx/pqxx>

#include "tracking/store_uri.h"

namespace churnml::orchestration {
namespace {

// The URI without churnml's own query parameter (artifact_root).
std::string LibpqUri(const std::string& uri) {
  size_t q = uri.find('?');
  if (q == std::string::npos) return uri;
  std::string kept;
  size_t start = q + 1;
  while (start <= uri.size()) {
    size_t end = uri.find('&', start);
    if (end == std::string::npos) end = uri.size();
    std::string part = uri.substr(start, end - start);
    if (!part.empty() && part.rfind("artifact_root=", 0) != 0) {
      kept += (kept.empty() ? "" : "&") + part;
    }
    start = end + 1;
  }
  return uri.substr(0, q) + (kept.empty() ? "" : "?" + kept);
}

class Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& c, bool* flag)
      : pqxx::notification_receiver(c, "churnml_jobs"), flag_(flag) {}
  void operator()(const std::string& /*payload*/, int /*backend_pid*/) override { *flag_ = true; }

 private:
  bool* flag_;
};

class PostgresJobNotifications final : public JobNotifications {
 public:
  explicit PostgresJobNotifications(std::unique_ptr<pqxx::connection> c, std::string description)
      : connection_(std::move(c)),
        receiver_(std::make_unique<Receiver>(*connection_, &received_)),
        description_(std::move(description)) {}
  ~PostgresJobNotifications() override { receiver_.reset(); }

  Result<bool> Wait(std::chrono::milliseconds timeout) override {
    try {
      received_ = false;
      connection_->get_notifs();
      if (received_) return true;
      long ms = static_cast<long>(timeout.count());
      connection_->await_notification(ms / 1000, (ms % 1000) * 1000);
      return received_;
    } catch (const std::exception& e) {
      std::string what = e.what();
      return UnavailableError("listening on " + description_ + ": " +
                              what.substr(0, what.find('\n')));
    }
  }

 private:
  std::unique_ptr<pqxx::connection> connection_;
  bool received_ = false;
  std::unique_ptr<Receiver> receiver_;
  std::string description_;
};

}  // namespace

Result<std::unique_ptr<JobNotifications>> ListenForJobs(const std::string& store_uri,
                                                        std::chrono::seconds connect_timeout) {
  std::string uri = LibpqUri(store_uri);
  std::string description = tracking::RedactStoreUri(uri);
  if (uri.find("connect_timeout=") == std::string::npos) {
    uri += uri.find('?') == std::string::npos ? '?' : '&';
    uri += "connect_timeout=" + std::to_string(std::max<int64_t>(1, connect_timeout.count()));
  }
  try {
    auto connection = std::make_unique<pqxx::connection>(uri);
    return std::unique_ptr<JobNotifications>(
        std::make_unique<PostgresJobNotifications>(std::move(connection), description));
  } catch (const std::exception& e) {
    std::string what = tracking::RedactSecretsIn(e.what(), uri);
    return UnavailableError("cannot listen on " + description + ": " +
                            what.substr(0, what.find('\n')));
  }
}

}  // namespace churnml::orchestration
