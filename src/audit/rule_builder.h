// Shorthands the *_rules.cc tables use to stay readable as data.
#pragma once

#include <string>
#include <vector>

#include "audit/rule.h"

namespace churnml::audit::rules {

inline constexpr LanguageSet kPy = LanguageBit(Language::kPython);
inline constexpr LanguageSet kCpp = LanguageBit(Language::kCpp);
inline constexpr LanguageSet kSh = LanguageBit(Language::kShell);
inline constexpr LanguageSet kJs = LanguageBit(Language::kJavaScript);
inline constexpr LanguageSet kYaml = LanguageBit(Language::kYaml);
inline constexpr LanguageSet kDocker = LanguageBit(Language::kDockerfile);
inline constexpr LanguageSet kEnv = LanguageBit(Language::kEnv);
inline constexpr LanguageSet kConf = LanguageBit(Language::kConfig);
inline constexpr LanguageSet kReq = LanguageBit(Language::kRequirements);
inline constexpr LanguageSet kHtml = LanguageBit(Language::kHtml);
inline constexpr LanguageSet kCMake = LanguageBit(Language::kCMake);
inline constexpr LanguageSet kText = LanguageBit(Language::kOther);

inline Rule MakeRule(std::string id, std::string name, std::string title, Severity severity,
                     Confidence confidence, int cwe, OwaspCategory owasp, std::string fix,
                     LanguageSet languages, PatternSpec pattern) {
  Rule r;
  r.id = std::move(id);
  r.name = std::move(name);
  r.title = std::move(title);
  r.severity = severity;
  r.confidence = confidence;
  r.cwe = cwe;
  r.owasp = owasp;
  r.fix = std::move(fix);
  r.languages = languages;
  r.pattern = std::move(pattern);
  return r;
}

inline Rule MakeFileRule(std::string id, std::string name, std::string title, Severity severity,
                         Confidence confidence, int cwe, OwaspCategory owasp, std::string fix,
                         LanguageSet languages, FileCheck check) {
  Rule r = MakeRule(std::move(id), std::move(name), std::move(title), severity, confidence, cwe,
                    owasp, std::move(fix), languages, PatternSpec{});
  r.file_check = check;
  return r;
}

// A Python rule evaluated on the syntax tree (python_analysis.cc): the
// keywords only select the Python files that need a parse.
inline Rule MakeTreeRule(std::string id, std::string name, std::string title, Severity severity,
                         Confidence confidence, int cwe, OwaspCategory owasp, std::string fix,
                         std::vector<std::string> keywords, KeywordCase keyword_case,
                         TreeCheck check) {
  PatternSpec pattern;
  pattern.keywords = std::move(keywords);
  pattern.keyword_case = keyword_case;
  Rule r = MakeRule(std::move(id), std::move(name), std::move(title), severity, confidence, cwe,
                    owasp, std::move(fix), kPy, std::move(pattern));
  r.tree_check = check;
  return r;
}

}  // namespace churnml::audit::rules
