#include "monitoring/alerts/webhook_channel.h"

#include "monitoring/alerts/alert_json.h"
#include "monitoring/alerts/http_client.h"

namespace churnml::monitoring {

Status WebhookChannel::Send(const Notification& n) {
  return Post(url_, "application/json", EncodeWebhookPayload(n, name_, external_url_), timeout_)
      .status();
}

}  // namespace churnml::monitoring
