// nlohmann::json throws on type errors; every call into it stays in this
// file and becomes an InvalidArgument Status here.
#include "monitoring/alerts/alert_json.h"

#include <nlohmann/json.hpp>

namespace churnml::monitoring {
namespace {

using nlohmann::json;

constexpr const char* kZeroTime = "0001-01-01T00:00:00Z";

json LabelsJson(const LabelSet& labels) {
  json out = json::object();
  for (const auto& [k, v] : labels) out[k] = v;
  return out;
}

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// Field readers that name the field on a type error.
Result<std::string> GetString(const json& obj, const std::string& key, const std::string& where,
                              bool required) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) return InvalidArgumentError(where + key + ": missing");
    return std::string();
  }
  if (!it->is_string()) return InvalidArgumentError(where + key + ": expected a string");
  return it->get<std::string>();
}

Result<WallTime> GetTime(const json& obj, const std::string& key, const std::string& where,
                         bool required) {
  CHURNML_ASSIGN_OR_RETURN(std::string text, GetString(obj, key, where, required));
  if (text.empty()) return WallTime{};
  std::optional<WallTime> t = ParseTimestamp(text);
  if (!t) return InvalidArgumentError(where + key + ": \"" + text + "\" is not an RFC 3339 time");
  return *t;
}

Result<LabelSet> GetLabels(const json& obj, const std::string& key, const std::string& where) {
  LabelSet out;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return out;
  if (!it->is_object()) return InvalidArgumentError(where + key + ": expected an object");
  for (const auto& [k, v] : it->items()) {
    if (!v.is_string()) return InvalidArgumentError(where + key + "." + k + ": expected a string");
    out[k] = v.get<std::string>();
  }
  return out;
}

Result<json> ParseJson(std::string_view body) {
  json j = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgumentError("body is not valid JSON");
  return j;
}

json SilenceJson(const Silence& s) {
  json matchers = json::array();
  for (const SilenceMatcher& m : s.matchers) {
    matchers.push_back({{"name", m.name}, {"value", m.value}, {"isRegex", m.is_regex}});
  }
  json out = {{"matchers", matchers},
              {"endsAt", FormatTimestamp(s.ends_at)},
              {"createdBy", s.created_by},
              {"comment", s.comment}};
  if (s.starts_at != WallTime{}) out["startsAt"] = FormatTimestamp(s.starts_at);
  if (!s.id.empty()) out["id"] = s.id;
  return out;
}

Result<Silence> SilenceFromJson(const json& j, const std::string& where) {
  if (!j.is_object()) return InvalidArgumentError(where + "expected an object");
  Silence s;
  CHURNML_ASSIGN_OR_RETURN(s.id, GetString(j, "id", where, false));
  auto matchers = j.find("matchers");
  if (matchers == j.end() || !matchers->is_array()) {
    return InvalidArgumentError(where + "matchers: expected a list");
  }
  for (size_t i = 0; i < matchers->size(); ++i) {
    const json& m = (*matchers)[i];
    const std::string mw = where + "matchers[" + std::to_string(i) + "].";
    if (!m.is_object())
      return InvalidArgumentError(mw.substr(0, mw.size() - 1) + ": expected an object");
    SilenceMatcher sm;
    CHURNML_ASSIGN_OR_RETURN(sm.name, GetString(m, "name", mw, true));
    CHURNML_ASSIGN_OR_RETURN(sm.value, GetString(m, "value", mw, true));
    auto re = m.find("isRegex");
    if (re != m.end() && !re->is_null()) {
      if (!re->is_boolean()) return InvalidArgumentError(mw + "isRegex: expected true or false");
      sm.is_regex = re->get<bool>();
    }
    s.matchers.push_back(std::move(sm));
  }
  CHURNML_ASSIGN_OR_RETURN(s.starts_at, GetTime(j, "startsAt", where, false));
  CHURNML_ASSIGN_OR_RETURN(s.ends_at, GetTime(j, "endsAt", where, true));
  CHURNML_ASSIGN_OR_RETURN(s.created_by, GetString(j, "createdBy", where, false));
  CHURNML_ASSIGN_OR_RETURN(s.comment, GetString(j, "comment", where, false));
  return s;
}

json AlertLabelsWithName(const NotifiedAlert& a) { return LabelsJson(a.labels); }

// Labels (or annotations) every alert of the notification shares.
LabelSet Common(const Notification& n, LabelSet NotifiedAlert::*field) {
  if (n.alerts.empty()) return {};
  LabelSet common = n.alerts[0].*field;
  for (const NotifiedAlert& a : n.alerts) {
    for (auto it = common.begin(); it != common.end();) {
      auto other = (a.*field).find(it->first);
      it = other != (a.*field).end() && other->second == it->second ? std::next(it)
                                                                    : common.erase(it);
    }
  }
  return common;
}

}  // namespace

std::string EncodeAlerts(const std::vector<Alert>& alerts) {
  json list = json::array();
  for (const Alert& a : alerts) {
    json j = {{"name", a.name},
              {"labels", LabelsJson(a.labels)},
              {"annotations", LabelsJson(a.annotations)},
              {"state", std::string(AlertStateName(a.state))},
              {"activeSince", FormatTimestamp(a.active_since)},
              {"value", a.value},
              {"silenced", a.silenced}};
    if (a.firing_since) j["firingSince"] = FormatTimestamp(*a.firing_since);
    list.push_back(std::move(j));
  }
  return Dump(json{{"alerts", list}});
}

Result<std::vector<Alert>> DecodeAlerts(std::string_view body) {
  CHURNML_ASSIGN_OR_RETURN(json j, ParseJson(body));
  auto list = j.is_object() ? j.find("alerts") : j.end();
  if (list == j.end() || !list->is_array()) return InvalidArgumentError("alerts: expected a list");
  std::vector<Alert> out;
  for (size_t i = 0; i < list->size(); ++i) {
    const json& a = (*list)[i];
    const std::string where = "alerts[" + std::to_string(i) + "].";
    if (!a.is_object()) return InvalidArgumentError(where + ": expected an object");
    Alert alert;
    CHURNML_ASSIGN_OR_RETURN(alert.name, GetString(a, "name", where, true));
    CHURNML_ASSIGN_OR_RETURN(alert.labels, GetLabels(a, "labels", where));
    CHURNML_ASSIGN_OR_RETURN(alert.annotations, GetLabels(a, "annotations", where));
    CHURNML_ASSIGN_OR_RETURN(std::string state, GetString(a, "state", where, true));
    if (state == "pending") {
      alert.state = AlertState::kPending;
    } else if (state == "firing") {
      alert.state = AlertState::kFiring;
    } else if (state == "inactive") {
      alert.state = AlertState::kInactive;
    } else {
      return InvalidArgumentError(where + "state: \"" + state +
                                  "\" is not pending, firing or inactive");
    }
    CHURNML_ASSIGN_OR_RETURN(alert.active_since, GetTime(a, "activeSince", where, false));
    CHURNML_ASSIGN_OR_RETURN(WallTime firing, GetTime(a, "firingSince", where, false));
    if (firing != WallTime{}) alert.firing_since = firing;
    if (auto v = a.find("value"); v != a.end() && v->is_number()) alert.value = v->get<double>();
    if (auto s = a.find("silenced"); s != a.end() && s->is_boolean())
      alert.silenced = s->get<bool>();
    out.push_back(std::move(alert));
  }
  return out;
}

std::string EncodeSilences(const std::vector<Silence>& silences, WallTime now) {
  json list = json::array();
  for (const Silence& s : silences) {
    json j = SilenceJson(s);
    j["status"] = {{"state", std::string(SilenceStateName(SilenceStateAt(s, now)))}};
    list.push_back(std::move(j));
  }
  return Dump(json{{"silences", list}});
}

Result<std::vector<Silence>> DecodeSilences(std::string_view body) {
  CHURNML_ASSIGN_OR_RETURN(json j, ParseJson(body));
  auto list = j.is_object() ? j.find("silences") : j.end();
  if (list == j.end() || !list->is_array())
    return InvalidArgumentError("silences: expected a list");
  std::vector<Silence> out;
  for (size_t i = 0; i < list->size(); ++i) {
    CHURNML_ASSIGN_OR_RETURN(Silence s,
                             SilenceFromJson((*list)[i], "silences[" + std::to_string(i) + "]."));
    out.push_back(std::move(s));
  }
  return out;
}

std::string EncodeSilenceRequest(const Silence& silence) {
  Silence s = silence;
  s.id.clear();
  return Dump(SilenceJson(s));
}

Result<Silence> DecodeSilenceRequest(std::string_view body) {
  CHURNML_ASSIGN_OR_RETURN(json j, ParseJson(body));
  CHURNML_ASSIGN_OR_RETURN(Silence s, SilenceFromJson(j, ""));
  s.id.clear();
  return s;
}

std::string EncodeSilenceId(const std::string& id) { return Dump(json{{"silenceID", id}}); }

Result<std::string> DecodeSilenceId(std::string_view body) {
  CHURNML_ASSIGN_OR_RETURN(json j, ParseJson(body));
  if (!j.is_object()) return InvalidArgumentError("expected an object with silenceID");
  return GetString(j, "silenceID", "", true);
}

std::string EncodeError(const std::string& message) { return Dump(json{{"error", message}}); }

std::optional<std::string> DecodeError(std::string_view body) {
  Result<json> j = ParseJson(body);
  if (!j.ok() || !j->is_object()) return std::nullopt;
  auto it = j->find("error");
  if (it == j->end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::string EncodeWebhookPayload(const Notification& n, const std::string& receiver,
                                 const std::string& external_url) {
  json alerts = json::array();
  for (const NotifiedAlert& a : n.alerts) {
    alerts.push_back({{"status", std::string(NotificationStatusName(a.status))},
                      {"labels", AlertLabelsWithName(a)},
                      {"annotations", LabelsJson(a.annotations)},
                      {"startsAt", FormatTimestamp(a.starts_at)},
                      {"endsAt", a.ends_at ? FormatTimestamp(*a.ends_at) : kZeroTime},
                      {"value", a.value},
                      {"generatorURL", external_url}});
  }
  json out = {{"version", "4"},
              {"receiver", receiver},
              {"status", std::string(NotificationStatusName(n.status))},
              {"groupKey", n.group_key},
              {"groupLabels", LabelsJson(n.group_labels)},
              {"commonLabels", LabelsJson(Common(n, &NotifiedAlert::labels))},
              {"commonAnnotations", LabelsJson(Common(n, &NotifiedAlert::annotations))},
              {"externalURL", external_url},
              {"sequence", n.sequence},
              {"alerts", alerts}};
  return Dump(out);
}

std::string EncodeAlertmanagerAlerts(const Notification& n, const std::string& generator_url) {
  json out = json::array();
  for (const NotifiedAlert& a : n.alerts) {
    json j = {{"labels", AlertLabelsWithName(a)},
              {"annotations", LabelsJson(a.annotations)},
              {"startsAt", FormatTimestamp(a.starts_at)}};
    if (a.ends_at) j["endsAt"] = FormatTimestamp(*a.ends_at);
    if (!generator_url.empty()) j["generatorURL"] = generator_url;
    out.push_back(std::move(j));
  }
  return Dump(out);
}

}  // namespace churnml::monitoring
