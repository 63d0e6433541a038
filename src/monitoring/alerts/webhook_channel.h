// POSTs each notification as JSON (EncodeWebhookPayload in alert_json.h,
// shaped like Alertmanager's webhook payload) to a URL.
#pragma once

#include <chrono>
#include <string>

#include "monitoring/alerts/alert_channel.h"

namespace churnml::monitoring {

class WebhookChannel final : public AlertChannel {
 public:
  WebhookChannel(std::string name, std::string url, std::chrono::milliseconds timeout,
                 std::string external_url)
      : name_(std::move(name)),
        url_(std::move(url)),
        timeout_(timeout),
        external_url_(std::move(external_url)) {}
  const std::string& name() const override { return name_; }
  // Errors: the HTTP client's (Unavailable for a refused connection or a
  // non-2xx answer, DeadlineExceeded after `timeout`).
  Status Send(const Notification& notification) override;

 private:
  std::string name_;
  std::string url_;
  std::chrono::milliseconds timeout_;
  std::string external_url_;
};

}  // namespace churnml::monitoring
