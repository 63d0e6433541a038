// A destination for notifications (log, webhook, Alertmanager). Channels
// are called only from their DeliveryQueue's worker thread, one
// notification at a time; they never retry themselves (the queue does).
#pragma once

#include <memory>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "monitoring/alerts/alert_rule.h"
#include "monitoring/alerts/alert_types.h"

namespace churnml::monitoring {

class AlertChannel {
 public:
  virtual ~AlertChannel() = default;
  virtual const std::string& name() const = 0;
  // Delivers one notification. Unavailable / DeadlineExceeded mean "not
  // delivered, worth retrying" (the HTTP client's errors).
  virtual Status Send(const Notification& notification) = 0;
};

// Builds the channel `config` describes. `external_url` becomes the
// generatorURL / externalURL of HTTP payloads.
Result<std::unique_ptr<AlertChannel>> MakeAlertChannel(const ChannelConfig& config,
                                                       const std::string& external_url);

}  // namespace churnml::monitoring
