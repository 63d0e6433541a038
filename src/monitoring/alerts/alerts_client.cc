#include "monitoring/alerts/alerts_client.h"

#include <fstream>
#include <string_view>

#include "common/strings.h"
#include "monitoring/alerts/alert_json.h"
#include "monitoring/alerts/http_client.h"

namespace churnml::monitoring {
namespace {

// The {"error":"..."} message of an error answer, else the start of the body.
std::string ErrorMessage(const std::string& body) {
  std::optional<std::string> message = DecodeError(body);
  return message ? *message : body.substr(0, 200);
}

}  // namespace

AlertsClient::AlertsClient(AlertsClientOptions options) : options_(std::move(options)) {
  while (!options_.server.empty() && options_.server.back() == '/') options_.server.pop_back();
}

Result<std::string> AlertsClient::Call(const std::string& method, const std::string& path,
                                       const std::string& body) const {
  HttpRequest req;
  req.method = method;
  req.url = options_.server + path;
  req.body = body;
  req.content_type = body.empty() ? "" : "application/json";
  req.timeout = options_.timeout;
  if (!options_.api_key.empty())
    req.headers.emplace_back("Authorization", "Bearer " + options_.api_key);
  CHURNML_ASSIGN_OR_RETURN(HttpResponse resp, SendHttp(req));
  if (resp.status >= 200 && resp.status < 300) return std::move(resp.body);
  const std::string message = method + " " + req.url + ": HTTP " + std::to_string(resp.status) +
                              ": " + ErrorMessage(resp.body);
  switch (resp.status) {
    case 400:
      return InvalidArgumentError(message);
    case 401:
    case 403:
      return FailedPreconditionError(message + " (check --api-key-file)");
    case 404:
      return NotFoundError(message);
    case 409:
      return FailedPreconditionError(message);
    default:
      return UnavailableError(message);
  }
}

Result<std::vector<Alert>> AlertsClient::ListAlerts() const {
  CHURNML_ASSIGN_OR_RETURN(std::string body, Call("GET", "/alerts", ""));
  Result<std::vector<Alert>> alerts = DecodeAlerts(body);
  if (!alerts.ok()) return alerts.status().WithContext("GET /alerts answer");
  return alerts;
}

Result<std::vector<Silence>> AlertsClient::ListSilences() const {
  CHURNML_ASSIGN_OR_RETURN(std::string body, Call("GET", "/alerts/silences", ""));
  Result<std::vector<Silence>> silences = DecodeSilences(body);
  if (!silences.ok()) return silences.status().WithContext("GET /alerts/silences answer");
  return silences;
}

Result<std::string> AlertsClient::AddSilence(const Silence& silence) const {
  CHURNML_ASSIGN_OR_RETURN(std::string body,
                           Call("POST", "/alerts/silences", EncodeSilenceRequest(silence)));
  Result<std::string> id = DecodeSilenceId(body);
  if (!id.ok()) return id.status().WithContext("POST /alerts/silences answer");
  return id;
}

Status AlertsClient::ExpireSilence(const std::string& id) const {
  if (id.empty() || id.find_first_of("/?#% ") != std::string::npos) {
    return InvalidArgumentError("silence id \"" + id + "\" is not valid");
  }
  return Call("DELETE", "/alerts/silences/" + id, "").status();
}

Result<std::string> ReadFirstApiKey(const std::string& path) {
  std::ifstream in(path);
  if (!in) return IOError(path + ": cannot open the API key file");
  std::string line;
  while (std::getline(in, line)) {
    const std::string_view key = Trim(line);
    if (key.empty() || key.front() == '#') continue;
    return std::string(key);
  }
  return InvalidArgumentError(path + ": no API key in the file");
}

Result<SilenceMatcher> ParseMatcherFlag(const std::string& text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    return InvalidArgumentError("--matcher \"" + text + "\": expected name=value or name=~regex");
  }
  SilenceMatcher m;
  m.name = std::string(Trim(text.substr(0, eq)));
  std::string value = text.substr(eq + 1);
  if (!value.empty() && value.front() == '~') {
    m.is_regex = true;
    value.erase(0, 1);
  }
  m.value = value;
  return m;
}

}  // namespace churnml::monitoring
