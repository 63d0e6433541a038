#include "monitoring/alerts/alert_channel.h"

#include "monitoring/alerts/alertmanager_channel.h"
#include "monitoring/alerts/http_client.h"
#include "monitoring/alerts/log_channel.h"
#include "monitoring/alerts/webhook_channel.h"

namespace churnml::monitoring {

Result<std::unique_ptr<AlertChannel>> MakeAlertChannel(const ChannelConfig& config,
                                                       const std::string& external_url) {
  const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config.timeout);
  switch (config.type) {
    case ChannelType::kLog:
      return std::unique_ptr<AlertChannel>(std::make_unique<LogChannel>(config.name));
    case ChannelType::kWebhook: {
      Result<ParsedUrl> url = ParseHttpUrl(config.url);
      if (!url.ok()) return url.status().WithContext("channel \"" + config.name + "\"");
      return std::unique_ptr<AlertChannel>(
          std::make_unique<WebhookChannel>(config.name, config.url, timeout, external_url));
    }
    case ChannelType::kAlertmanager: {
      Result<ParsedUrl> url = ParseHttpUrl(config.url);
      if (!url.ok()) return url.status().WithContext("channel \"" + config.name + "\"");
      return std::unique_ptr<AlertChannel>(
          std::make_unique<AlertmanagerChannel>(config.name, config.url, timeout, external_url));
    }
  }
  return InvalidArgumentError("channel \"" + config.name + "\": unknown type");
}

}  // namespace churnml::monitoring
