// The name → rule registry. Rules are registered explicitly at start-up by
// RegisterBuiltinRules (no static initialisers); a caller may add its own.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "audit/rule.h"
#include "common/status.h"

namespace churnml::audit {

class RuleRegistry {
 public:
  // AlreadyExists when the ID or name is taken; InvalidArgument when the rule
  // has no ID, no title, or neither a pattern nor a file check.
  Status Register(Rule rule);

  // nullptr when unknown. Accepts the ID ("CML-S001") or the name.
  const Rule* Find(std::string_view id_or_name) const;

  // In registration order.
  const std::vector<Rule>& rules() const { return rules_; }

  // Resolves a comma-separated selection: IDs, names, or ID prefixes ending in
  // '*' ("CML-S*"). Empty selects every rule. InvalidArgument names an unknown
  // entry and lists the valid prefixes.
  Result<std::vector<const Rule*>> Select(std::string_view list) const;

 private:
  std::vector<Rule> rules_;
  std::map<std::string, size_t, std::less<>> index_;  // ID and name → position
};

// Registers every built-in rule family: secrets, injection, path traversal,
// XSS, cryptography, deserialization, configuration, dependencies.
Status RegisterBuiltinRules(RuleRegistry& registry);

// One function per family, each in its own *_rules.cc file.
Status RegisterSecretRules(RuleRegistry& registry);
Status RegisterCodeRules(RuleRegistry& registry);
Status RegisterConfigRules(RuleRegistry& registry);

}  // namespace churnml::audit
