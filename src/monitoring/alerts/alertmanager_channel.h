// Sends notifications to a Prometheus Alertmanager: POST
// <base>/api/v2/alerts with EncodeAlertmanagerAlerts (alert_json.h). A
// resolved alert carries endsAt = the resolve time, which Alertmanager
// reads as "resolved". A firing alert carries no endsAt, so Alertmanager
// resolves it by itself after its resolve_timeout unless it is sent again:
// keep repeat_interval below that (docs/alerts.md).
#pragma once

#include <chrono>
#include <string>

#include "monitoring/alerts/alert_channel.h"

namespace churnml::monitoring {

class AlertmanagerChannel final : public AlertChannel {
 public:
  // `base_url`: http://host:port (a trailing slash is ignored).
  AlertmanagerChannel(std::string name, std::string base_url, std::chrono::milliseconds timeout,
                      std::string generator_url);
  const std::string& name() const override { return name_; }
  Status Send(const Notification& notification) override;

 private:
  std::string name_;
  std::string url_;  // base + /api/v2/alerts
  std::chrono::milliseconds timeout_;
  std::string generator_url_;
};

}  // namespace churnml::monitoring
