// Writes each notification as one spdlog line (warn for firing, info for
// resolved): the channel that cannot fail, for development and as a record
// next to the HTTP channels.
#pragma once

#include <string>

#include "monitoring/alerts/alert_channel.h"

namespace churnml::monitoring {

class LogChannel final : public AlertChannel {
 public:
  explicit LogChannel(std::string name) : name_(std::move(name)) {}
  const std::string& name() const override { return name_; }
  Status Send(const Notification& notification) override;

  // The line Send logs: `alert firing group={alertname="X"} alerts=X(12.5)`.
  static std::string Format(const Notification& notification);

 private:
  std::string name_;
};

}  // namespace churnml::monitoring
