#include "monitoring/alerts/log_channel.h"

#include <spdlog/spdlog.h>

#include "common/strings.h"

namespace churnml::monitoring {

std::string LogChannel::Format(const Notification& n) {
  std::string line = "alert " + std::string(NotificationStatusName(n.status)) +
                     " group=" + n.group_key + " alerts=";
  for (size_t i = 0; i < n.alerts.size(); ++i) {
    const NotifiedAlert& a = n.alerts[i];
    if (i > 0) line += ",";
    auto name = a.labels.find("alertname");
    line += (name == a.labels.end() ? "?" : name->second) + "(" + FormatDouble(a.value) + ")";
    if (a.status == NotificationStatus::kResolved) line += ":resolved";
  }
  return line;
}

Status LogChannel::Send(const Notification& n) {
  if (n.status == NotificationStatus::kFiring) {
    spdlog::warn("{}", Format(n));
  } else {
    spdlog::info("{}", Format(n));
  }
  return Status::Ok();
}

}  // namespace churnml::monitoring
