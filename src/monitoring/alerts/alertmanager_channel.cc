#include "monitoring/alerts/alertmanager_channel.h"

#include "monitoring/alerts/alert_json.h"
#include "monitoring/alerts/http_client.h"

namespace churnml::monitoring {

AlertmanagerChannel::AlertmanagerChannel(std::string name, std::string base_url,
                                         std::chrono::milliseconds timeout,
                                         std::string generator_url)
    : name_(std::move(name)), timeout_(timeout), generator_url_(std::move(generator_url)) {
  while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();
  url_ = base_url + "/api/v2/alerts";
}

Status AlertmanagerChannel::Send(const Notification& n) {
  return Post(url_, "application/json", EncodeAlertmanagerAlerts(n, generator_url_), timeout_)
      .status();
}

}  // namespace churnml::monitoring
