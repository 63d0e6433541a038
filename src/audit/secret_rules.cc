// Secrets: provider tokens with a recognisable shape, private-key blocks,
// JWTs, credentials in connection strings, and passwords or keys assigned to
// secret-looking names (filtered by stop words and entropy).
#include "audit/rule_builder.h"
#include "audit/rule_registry.h"

// The tables use designated initializers and leave defaulted PatternSpec
// fields out on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace churnml::audit {
namespace {

using rules::MakeRule;
constexpr auto kCrit = Severity::kCritical;
constexpr auto kHigh = Severity::kHigh;
constexpr auto kMed = Severity::kMedium;
constexpr auto kA07 = OwaspCategory::kA07AuthenticationFailures;
constexpr auto kA02 = OwaspCategory::kA02CryptographicFailures;
constexpr int kHardcodedCredentials = 798;

const char* const kRotate =
    "Revoke and rotate this credential, then load it at run time from the environment or a "
    "secret manager; never commit it.";

}  // namespace

Status RegisterSecretRules(RuleRegistry& registry) {
  std::vector<Rule> rules;
  rules.push_back(MakeRule("CML-S001", "aws-access-key-id", "AWS access key ID", kCrit,
                           Confidence::kHigh, kHardcodedCredentials, kA07, kRotate, kAllLanguages,
                           {.keywords = {"AKIA", "ASIA"},
                            .keyword_case = KeywordCase::kSensitive,
                            .regex = R"(\b((?:AKIA|ASIA)[0-9A-Z]{16})\b)",
                            .secret_group = 1}));
  rules.push_back(MakeRule(
      "CML-S002", "aws-secret-access-key", "AWS secret access key", kCrit, Confidence::kHigh,
      kHardcodedCredentials, kA07, kRotate, kAllLanguages,
      {.keywords = {"aws_secret", "secret_access_key", "awssecret"},
       .regex =
           R"((?i)aws_?secret_?(?:access_?)?key["']?\s*(?:=|:|=>)\s*["']?([A-Za-z0-9/+]{40})\b)",
       .secret_group = 1}));
  rules.push_back(MakeRule(
      "CML-S003", "github-token", "GitHub token", kCrit, Confidence::kHigh, kHardcodedCredentials,
      kA07, kRotate, kAllLanguages,
      {.keywords = {"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"},
       .keyword_case = KeywordCase::kSensitive,
       .regex = R"(\b((?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})\b)",
       .secret_group = 1}));
  rules.push_back(MakeRule("CML-S004", "gitlab-token", "GitLab personal access token", kCrit,
                           Confidence::kHigh, kHardcodedCredentials, kA07, kRotate, kAllLanguages,
                           {.keywords = {"glpat-"},
                            .keyword_case = KeywordCase::kSensitive,
                            .regex = R"(\b(glpat-[A-Za-z0-9_\-]{20})\b)",
                            .secret_group = 1}));
  rules.push_back(MakeRule("CML-S005", "slack-token", "Slack token", kHigh, Confidence::kHigh,
                           kHardcodedCredentials, kA07, kRotate, kAllLanguages,
                           {.keywords = {"xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-"},
                            .keyword_case = KeywordCase::kSensitive,
                            .regex = R"(\b(xox[baprs]-[0-9]{6,}-[0-9A-Za-z-]{8,72}))",
                            .secret_group = 1}));
  rules.push_back(MakeRule(
      "CML-S006", "slack-webhook", "Slack incoming webhook URL", kHigh, Confidence::kHigh,
      kHardcodedCredentials, kA07, kRotate, kAllLanguages,
      {.keywords = {"hooks.slack.com/services/"},
       .regex =
           R"(https://hooks\.slack\.com/services/(T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{20,}))",
       .secret_group = 1}));
  rules.push_back(MakeRule(
      "CML-S007", "private-key-block", "Private key block", kCrit, Confidence::kHigh, 321, kA02,
      "Remove the key from the repository, revoke it, and mount it at run time from a secret "
      "store.",
      kAllLanguages,
      {.keywords = {"-----BEGIN "},
       .keyword_case = KeywordCase::kSensitive,
       .regex =
           R"(-----BEGIN ((?:RSA |DSA |EC |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----)"}));
  rules.push_back(MakeRule(
      "CML-S008", "jwt", "JSON Web Token", kHigh, Confidence::kMedium, kHardcodedCredentials, kA07,
      "Do not commit issued tokens; mint them at run time and keep them short-lived.",
      kAllLanguages,
      {.keywords = {"eyJ"},
       .keyword_case = KeywordCase::kSensitive,
       .regex = R"(\b(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}))",
       .secret_group = 1}));
  rules.push_back(MakeRule("CML-S009", "stripe-live-key", "Stripe live secret key", kCrit,
                           Confidence::kHigh, kHardcodedCredentials, kA07, kRotate, kAllLanguages,
                           {.keywords = {"sk_live_", "rk_live_"},
                            .keyword_case = KeywordCase::kSensitive,
                            .regex = R"(\b((?:sk|rk)_live_[0-9a-zA-Z]{24,}))",
                            .secret_group = 1}));
  rules.push_back(MakeRule("CML-S010", "google-api-key", "Google API key", kHigh, Confidence::kHigh,
                           kHardcodedCredentials, kA07, kRotate, kAllLanguages,
                           {.keywords = {"AIza"},
                            .keyword_case = KeywordCase::kSensitive,
                            .regex = R"(\b(AIza[0-9A-Za-z_\-]{35}))",
                            .secret_group = 1}));
  rules.push_back(MakeRule("CML-S011", "huggingface-token", "Hugging Face access token", kHigh,
                           Confidence::kHigh, kHardcodedCredentials, kA07, kRotate, kAllLanguages,
                           {.keywords = {"hf_"},
                            .keyword_case = KeywordCase::kSensitive,
                            .regex = R"(\b(hf_[A-Za-z]{34})\b)",
                            .secret_group = 1}));
  rules.push_back(
      MakeRule("CML-S012", "openai-api-key", "OpenAI API key", kHigh, Confidence::kHigh,
               kHardcodedCredentials, kA07, kRotate, kAllLanguages,
               {.keywords = {"T3BlbkFJ"},
                .keyword_case = KeywordCase::kSensitive,
                .regex = R"(\b(sk-(?:proj-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}))",
                .secret_group = 1}));
  const std::vector<std::string> kSecretNames = {
      "password", "passwd",      "pwd",           "secret",     "token",
      "api_key",  "apikey",      "api-key",       "access_key", "accesskey",
      "auth_key", "private_key", "client_secret", "credential"};
  // Names that hold a reference to a secret, not the secret itself.
  const char* const kNotASecretName =
      R"((?i)(?:password|passwd|pwd|secret|token|api[_-]?key|access_?key|auth_?key|private_?key|credentials?)[\w.-]*?[_.-](?:file|path|env|name|id|url|var|len|length|type|header|field|dir|ref|policy|min|max|count|prompt|hash|expiry|expires|ttl|timeout)["']?\s*(?::=|=>|=|:))";
  const char* const kSecretName =
      R"((?i)([\w.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access_?key|auth_?key|private_?key|credentials?)[\w.-]*)["']?\s*(?::=|=>|=|:)\s*)";
  rules.push_back(MakeRule("CML-S013", "hardcoded-secret", "Password or key assigned in code",
                           kHigh, Confidence::kMedium, kHardcodedCredentials, kA07, kRotate,
                           rules::kPy | rules::kCpp | rules::kJs | rules::kSh | rules::kHtml |
                               rules::kCMake | rules::kText,
                           {.keywords = kSecretNames,
                            .regex = std::string(kSecretName) + R"([bru]?["']([^"'\s]{6,})["'])",
                            .exclude_regex = kNotASecretName,
                            .secret_group = 2,
                            .secret_check = SecretCheck::kGeneric,
                            .min_entropy = 2.5}));
  rules.push_back(MakeRule(
      "CML-S014", "config-secret", "Password or key in a configuration file", kHigh,
      Confidence::kMedium, kHardcodedCredentials, kA07, kRotate,
      rules::kYaml | rules::kEnv | rules::kConf,
      {.keywords = kSecretNames,
       .regex = std::string(kSecretName) + R"(["']?([^"'\s,#}]{6,})["']?\s*,?\s*(?:#.*)?$)",
       .exclude_regex = kNotASecretName,
       .secret_group = 2,
       .secret_check = SecretCheck::kGeneric,
       .min_entropy = 2.5}));
  rules.push_back(MakeRule(
      "CML-S015", "weak-api-key", "API key shorter than 32 characters", kMed, Confidence::kMedium,
      521, kA07,
      "Generate API keys with at least 32 random characters (e.g. `openssl rand -hex 32`) and "
      "keep them out of the repository.",
      kAllLanguages,
      {.keywords = {"api_key", "apikey", "api-key"},
       .regex =
           R"((?i)([\w.-]*api[_-]?key[\w.-]*)["']?\s*(?::=|=>|=|:)\s*[bru]?["']?([A-Za-z0-9_\-]{8,31})(?:["']|\s|$|[,;})]))",
       .exclude_regex = kNotASecretName,
       .secret_group = 2,
       .secret_check = SecretCheck::kWeakApiKey}));
  rules.push_back(MakeRule(
      "CML-S016", "credentials-in-url", "Password in a connection URL", kHigh, Confidence::kHigh,
      kHardcodedCredentials, kA07, kRotate, kAllLanguages,
      {.keywords = {"postgres://", "postgresql://", "mysql://", "mongodb://", "mongodb+srv://",
                    "redis://", "rediss://", "amqp://", "amqps://", "mssql://", "ftp://",
                    "postgresql+psycopg2://", "mysql+pymysql://"},
       .regex =
           R"(\b[a-z][a-z0-9+.-]*://[^\s:/@'"\[\]{}()<>]+:([^\s:/@'"\[\]{}()<>]{3,})@[^\s'"]+)",
       .secret_group = 1,
       .secret_check = SecretCheck::kGeneric,
       .min_entropy = 1.5}));
  for (Rule& r : rules) {
    r.pattern.in_comments = InComments::kScan;
    CHURNML_RETURN_IF_ERROR(registry.Register(std::move(r)));
  }
  return Status::Ok();
}

}  // namespace churnml::audit
