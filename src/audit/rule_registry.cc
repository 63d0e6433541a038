#include "audit/rule_registry.h"

#include <algorithm>

#include "common/strings.h"

namespace churnml::audit {

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::kLow:
      return "low";
    case Severity::kMedium:
      return "medium";
    case Severity::kHigh:
      return "high";
    case Severity::kCritical:
      return "critical";
  }
  return "low";
}

std::optional<Severity> ParseSeverity(std::string_view name) {
  for (Severity s : {Severity::kLow, Severity::kMedium, Severity::kHigh, Severity::kCritical}) {
    if (SeverityName(s) == name) return s;
  }
  return std::nullopt;
}

std::string_view ConfidenceName(Confidence c) {
  switch (c) {
    case Confidence::kLow:
      return "low";
    case Confidence::kMedium:
      return "medium";
    case Confidence::kHigh:
      return "high";
  }
  return "low";
}

std::string OwaspCode(OwaspCategory c) {
  int n = static_cast<int>(c);
  return std::string("A") + (n < 10 ? "0" : "") + std::to_string(n) + ":2021";
}

std::string_view OwaspTitle(OwaspCategory c) {
  switch (c) {
    case OwaspCategory::kA01BrokenAccessControl:
      return "Broken Access Control";
    case OwaspCategory::kA02CryptographicFailures:
      return "Cryptographic Failures";
    case OwaspCategory::kA03Injection:
      return "Injection";
    case OwaspCategory::kA04InsecureDesign:
      return "Insecure Design";
    case OwaspCategory::kA05SecurityMisconfiguration:
      return "Security Misconfiguration";
    case OwaspCategory::kA06VulnerableComponents:
      return "Vulnerable and Outdated Components";
    case OwaspCategory::kA07AuthenticationFailures:
      return "Identification and Authentication Failures";
    case OwaspCategory::kA08IntegrityFailures:
      return "Software and Data Integrity Failures";
    case OwaspCategory::kA09LoggingFailures:
      return "Security Logging and Monitoring Failures";
    case OwaspCategory::kA10ServerSideRequestForgery:
      return "Server-Side Request Forgery";
  }
  return "";
}

Status RuleRegistry::Register(Rule rule) {
  if (rule.id.empty() || rule.name.empty() || rule.title.empty()) {
    return InvalidArgumentError("audit rule \"" + rule.id + "\" needs an ID, a name and a title");
  }
  bool python_tree_only =
      rule.tree_check != TreeCheck::kNone && rule.languages == LanguageBit(Language::kPython);
  if (rule.file_check == FileCheck::kNone &&
      (rule.pattern.keywords.empty() || (rule.pattern.regex.empty() && !python_tree_only))) {
    return InvalidArgumentError("audit rule " + rule.id +
                                " needs keywords and a regex (or a Python tree check), or a "
                                "file check");
  }
  if (index_.count(rule.id) || index_.count(rule.name)) {
    return AlreadyExistsError("audit rule " + rule.id + " (" + rule.name +
                              ") is already registered");
  }
  index_.emplace(rule.id, rules_.size());
  index_.emplace(rule.name, rules_.size());
  rules_.push_back(std::move(rule));
  return Status::Ok();
}

const Rule* RuleRegistry::Find(std::string_view id_or_name) const {
  auto it = index_.find(id_or_name);
  return it == index_.end() ? nullptr : &rules_[it->second];
}

Result<std::vector<const Rule*>> RuleRegistry::Select(std::string_view list) const {
  std::vector<const Rule*> out;
  if (Trim(list).empty()) {
    for (const Rule& r : rules_) out.push_back(&r);
    return out;
  }
  std::vector<bool> chosen(rules_.size(), false);
  for (std::string_view raw : Split(list, ',')) {
    std::string_view item = Trim(raw);
    if (item.empty()) continue;
    bool matched = false;
    if (item.back() == '*') {
      std::string_view prefix = item.substr(0, item.size() - 1);
      for (size_t i = 0; i < rules_.size(); ++i) {
        if (std::string_view(rules_[i].id).substr(0, prefix.size()) == prefix) {
          chosen[i] = matched = true;
        }
      }
    } else if (auto it = index_.find(item); it != index_.end()) {
      chosen[it->second] = matched = true;
    }
    if (!matched) {
      return InvalidArgumentError(
          "--rules: unknown rule \"" + std::string(item) +
          "\" (use an ID such as CML-S001, a rule name, or a prefix: CML-S* secrets, CML-I* "
          "injection, CML-P* path traversal, CML-X* XSS, CML-C* crypto, CML-D* "
          "deserialization, CML-K* configuration, CML-V* dependencies)");
    }
  }
  for (size_t i = 0; i < rules_.size(); ++i) {
    if (chosen[i]) out.push_back(&rules_[i]);
  }
  return out;
}

Status RegisterBuiltinRules(RuleRegistry& registry) {
  CHURNML_RETURN_IF_ERROR(RegisterSecretRules(registry));
  CHURNML_RETURN_IF_ERROR(RegisterCodeRules(registry));
  CHURNML_RETURN_IF_ERROR(RegisterConfigRules(registry));
  return Status::Ok();
}

}  // namespace churnml::audit
