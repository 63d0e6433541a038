// The client side of the server's /alerts endpoints (alert_json.h lists
// them), used by `churnml alerts list|silence|expire`.
//
// Errors: the HTTP client's (Unavailable, DeadlineExceeded) when the server
// cannot be reached; for an error answer, the server's {"error"} message
// with the code mapped from the HTTP status: 400 InvalidArgument, 401/403
// FailedPrecondition ("... (check --api-key-file)"), 404 NotFound, 409
// FailedPrecondition, anything else Unavailable.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/status.h"
#include "monitoring/alerts/alert_types.h"

namespace churnml::monitoring {

struct AlertsClientOptions {
  std::string server;                       // http://host:port of `churnml serve`
  std::string api_key;                      // sent as "Authorization: Bearer <key>" when set
  std::chrono::milliseconds timeout{5000};  // per request
};

class AlertsClient {
 public:
  explicit AlertsClient(AlertsClientOptions options);

  Result<std::vector<Alert>> ListAlerts() const;
  Result<std::vector<Silence>> ListSilences() const;
  // Returns the new silence's id.
  Result<std::string> AddSilence(const Silence& silence) const;
  Status ExpireSilence(const std::string& id) const;

 private:
  Result<std::string> Call(const std::string& method, const std::string& path,
                           const std::string& body) const;
  AlertsClientOptions options_;
};

// The first key in an API key file (one per line; blank lines and lines
// starting with # are skipped). IOError if unreadable, InvalidArgument if
// it holds no key.
Result<std::string> ReadFirstApiKey(const std::string& path);

// "name=value" (equality) or "name=~regex" (regex), as given to --matcher.
// InvalidArgument names the flag value.
Result<SilenceMatcher> ParseMatcherFlag(const std::string& text);

}  // namespace churnml::monitoring
