// JSON bodies of the alert endpoints and channels, shared by the server's
// handlers, the `churnml alerts` commands and the channels. The nlohmann
// JSON adapter of this library: decoding errors are InvalidArgument naming
// the field ("matchers[0].name: expected a string").
//
//   GET    /alerts                  {"alerts":[Alert...]}
//   GET    /alerts/silences         {"silences":[Silence...]}
//   POST   /alerts/silences         {"matchers":[{"name","value","isRegex"}],
//                                    "startsAt"?, "endsAt", "createdBy", "comment"}
//                                    → {"silenceID":"s000001"}
//   DELETE /alerts/silences/{id}
// Times are RFC 3339 UTC strings.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "monitoring/alerts/alert_types.h"

namespace churnml::monitoring {

// {"alerts":[{"name","labels","annotations","state","activeSince",
//   "firingSince"?,"value","silenced"}]}
std::string EncodeAlerts(const std::vector<Alert>& alerts);
Result<std::vector<Alert>> DecodeAlerts(std::string_view body);

// {"silences":[{"id","matchers","startsAt","endsAt","createdBy","comment",
//   "status":{"state":"active"}}]}; the state is computed at `now`.
std::string EncodeSilences(const std::vector<Silence>& silences, WallTime now);
Result<std::vector<Silence>> DecodeSilences(std::string_view body);

// The POST /alerts/silences body. A missing startsAt decodes as the zero
// time point, which AlertEvaluator::AddSilence reads as "now".
std::string EncodeSilenceRequest(const Silence& silence);
Result<Silence> DecodeSilenceRequest(std::string_view body);

std::string EncodeSilenceId(const std::string& id);  // {"silenceID":"..."}
Result<std::string> DecodeSilenceId(std::string_view body);

// {"error":"message"}: the body of a failed alerts request.
std::string EncodeError(const std::string& message);
// The message of an {"error":"..."} body; nullopt for any other body.
std::optional<std::string> DecodeError(std::string_view body);

// The webhook channel's body, modelled on Alertmanager's webhook payload:
// {"version":"4","receiver","status","groupKey","groupLabels",
//  "commonLabels","commonAnnotations","externalURL","sequence",
//  "alerts":[{"status","labels","annotations","startsAt","endsAt","value",
//  "generatorURL"}]}. endsAt is "0001-01-01T00:00:00Z" while firing.
std::string EncodeWebhookPayload(const Notification& n, const std::string& receiver,
                                 const std::string& external_url);

// Alertmanager's POST /api/v2/alerts body: [{"labels","annotations",
// "startsAt","endsAt"?,"generatorURL"}]; endsAt is the resolve time for a
// resolved alert and left out for a firing one.
std::string EncodeAlertmanagerAlerts(const Notification& n, const std::string& generator_url);

}  // namespace churnml::monitoring
