// A security rule is data: stable identity, how bad a hit is, how sure we are,
// where it sits in CWE and the OWASP Top 10 (2021), a short fix, and how it
// matches (a literal-prefiltered RE2 pattern, or a whole-file check).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/language.h"

namespace churnml::audit {

enum class Severity { kLow = 0, kMedium = 1, kHigh = 2, kCritical = 3 };
enum class Confidence { kLow = 0, kMedium = 1, kHigh = 2 };

// "low", "medium", "high", "critical".
std::string_view SeverityName(Severity s);
std::optional<Severity> ParseSeverity(std::string_view name);
std::string_view ConfidenceName(Confidence c);

// OWASP Top 10 (2021) categories, A01..A10.
enum class OwaspCategory {
  kA01BrokenAccessControl = 1,
  kA02CryptographicFailures,
  kA03Injection,
  kA04InsecureDesign,
  kA05SecurityMisconfiguration,
  kA06VulnerableComponents,
  kA07AuthenticationFailures,
  kA08IntegrityFailures,
  kA09LoggingFailures,
  kA10ServerSideRequestForgery,
};
inline constexpr int kOwaspCategoryCount = 10;
// "A03:2021".
std::string OwaspCode(OwaspCategory c);
// "Injection".
std::string_view OwaspTitle(OwaspCategory c);

// What a matched secret is checked against before it counts as a finding.
enum class SecretCheck {
  kNone,        // the pattern alone decides
  kGeneric,     // stop words, identifier-looking values and low entropy are dropped
  kWeakApiKey,  // a literal API key shorter than 32 characters
};

// How much text the pattern sees around a keyword hit.
enum class MatchScope {
  kLine,       // the physical line holding the keyword
  kStatement,  // that line plus continuation lines while brackets stay open
};

// Whether a hit inside a comment counts. Secrets leak from comments too;
// code rules skip comments (and, in C/C++, function declarations).
enum class InComments { kSkip, kScan };

// A pattern rule: fires when one of `keywords` occurs (ASCII
// case-insensitively) and `regex` (RE2 syntax) matches the scoped text.
enum class KeywordCase { kInsensitive, kSensitive };

struct PatternSpec {
  std::vector<std::string> keywords;
  KeywordCase keyword_case = KeywordCase::kInsensitive;
  std::string regex;
  // When non-empty and it matches the scoped text, the hit is dropped.
  std::string exclude_regex;
  MatchScope scope = MatchScope::kLine;
  // Capture group holding a secret value (redacted in snippets); 0 = none.
  int secret_group = 0;
  SecretCheck secret_check = SecretCheck::kNone;
  // Minimum Shannon entropy (bits per character) of the secret group.
  double min_entropy = 0.0;
  InComments in_comments = InComments::kSkip;
};

// Whole-file checks (Dockerfile structure, Kubernetes manifests, file modes)
// are selected by kind; the matcher implements each kind once.
enum class FileCheck {
  kNone,
  kDockerfileRunsAsRoot,
  kDockerfileNoHealthcheck,
  kDockerfileLatestTag,
  kKubernetesMissingLimits,
  kWorldWritableFile,
  kReadablePrivateKey,
  kVulnerableDependency,  // needs advisories; see advisories.h
  kUnpinnedRequirement,
  kKubernetesNoNonRoot,
};

// Python rules evaluated on the syntax tree (python_rules.cc). For Python
// files the rule's keywords only decide whether the file is parsed; the
// pattern (if any) still runs on the rule's other languages.
enum class TreeCheck {
  kNone,
  kSqlExecute,       // SQL built by formatting, or from a source, passed to execute
  kSqlBuilding,      // SQL text built by formatting (not passed to execute here)
  kShellCommand,     // os.system / os.popen / commands / subprocess.getoutput
  kSubprocessShell,  // subprocess.*(..., shell=True)
  kEval,             // eval / exec
  kPathFromRequest,  // file APIs on a path from a request
  kArchiveExtract,   // extractall without filter= / members=
  kMarkup,           // Markup / mark_safe on a non-literal
  kTemplateString,   // render_template_string on a non-literal
  kJinjaAutoescape,  // autoescape=False
  kWeakHash,         // MD5 / SHA-1
  kWeakCipher,       // DES, RC4, Blowfish, ECB mode
  kInsecureRandom,   // random.* flowing into a secret-named value
  kTlsVerify,        // verify=False, CERT_NONE, unverified contexts
  kPickle,           // pickle-family loads
  kPickleRequest,    // pickle-family loads of request data
  kTorchLoad,        // torch.load without weights_only=True
  kYamlLoad,         // yaml.load without a safe loader
  kNumpyPickle,      // numpy.load(allow_pickle=True)
};

struct Rule {
  std::string id;     // stable, e.g. "CML-S001"; never reused
  std::string name;   // kebab-case, e.g. "aws-access-key-id"
  std::string title;  // one line a person reads
  Severity severity = Severity::kMedium;
  Confidence confidence = Confidence::kMedium;
  int cwe = 0;
  OwaspCategory owasp = OwaspCategory::kA05SecurityMisconfiguration;
  std::string fix;  // one or two sentences
  LanguageSet languages = kAllLanguages;
  PatternSpec pattern;  // used when file_check == kNone
  FileCheck file_check = FileCheck::kNone;
  TreeCheck tree_check = TreeCheck::kNone;  // Python files: evaluated on the tree
};

}  // namespace churnml::audit
