// Code rules: injection (SQL, shell, eval), path traversal, XSS, weak
// cryptography and randomness, and unsafe deserialization. Python rules are
// evaluated on the syntax tree (MakeTreeRule / tree_check; python_analysis.cc):
// their keywords only pick the files worth parsing. The other languages keep
// their patterns, most of which fire only when the dangerous call receives a
// non-literal (formatted, concatenated or variable) argument.
#include "audit/rule_builder.h"
#include "audit/rule_registry.h"

// The tables use designated initializers and leave defaulted PatternSpec
// fields out on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace churnml::audit {
namespace {

using rules::kCpp;
using rules::kHtml;
using rules::kJs;
using rules::kPy;
using rules::kSh;
using rules::MakeRule;
using rules::MakeTreeRule;
constexpr auto kCrit = Severity::kCritical;
constexpr auto kHigh = Severity::kHigh;
constexpr auto kMed = Severity::kMedium;
constexpr auto kLow = Severity::kLow;
constexpr auto kA01 = OwaspCategory::kA01BrokenAccessControl;
constexpr auto kA02 = OwaspCategory::kA02CryptographicFailures;
constexpr auto kA03 = OwaspCategory::kA03Injection;
constexpr auto kA07 = OwaspCategory::kA07AuthenticationFailures;
constexpr auto kA08 = OwaspCategory::kA08IntegrityFailures;

// A JavaScript argument that is not a plain string literal, including template
// literals with ${...}.
#define CML_JS_NONLITERAL R"((?:`[^`]*\$\{|[^"'`\s)]|(?:"[^"\n]*"|'[^'\n]*')\s*\+))"
// Balanced-enough argument list: text without parentheses or one nested pair.
#define CML_ARGS R"((?:[^()]|\([^()]*\))*)"

std::vector<Rule> InjectionRules() {
  std::vector<Rule> r;
  r.push_back(MakeTreeRule(
      "CML-I001", "sql-formatted-query",
      "SQL built by string formatting (or from request data) passed to execute", kHigh,
      Confidence::kHigh, 89, kA03,
      "Pass values as query parameters (cursor.execute(sql, params)); never format them into "
      "the SQL text.",
      {"execute", "read_sql", "raw(", "mogrify", "text("}, KeywordCase::kSensitive,
      TreeCheck::kSqlExecute));
  r.push_back(MakeRule(
      "CML-I002", "sql-template-query", "SQL built by template or concatenation passed to query",
      kHigh, Confidence::kHigh, 89, kA03,
      "Use bind parameters ($1, ?) and pass values separately to the driver.", kJs,
      {.keywords = {"query(", "execute(", "raw("},
       .regex = R"(\b(?:query|execute|raw)\s*\(\s*(?:`[^`]*\$\{|(?:"[^"\n]*"|'[^'\n]*')\s*\+))",
       .scope = MatchScope::kStatement}));
  r.push_back(MakeTreeRule("CML-I003", "sql-string-building",
                           "SQL text built by formatting or concatenation", kMed, Confidence::kLow,
                           89, kA03, "Keep SQL text constant and bind values as parameters.",
                           {"select ", "insert into", "update ", "delete from"},
                           KeywordCase::kInsensitive, TreeCheck::kSqlBuilding));
  r.push_back(MakeTreeRule(
      "CML-I010", "os-command-nonliteral", "Shell command run by os.system/os.popen", kHigh,
      Confidence::kHigh, 78, kA03,
      "Call subprocess.run with an argument list and shell=False; validate anything user "
      "supplied.",
      {"system", "popen", "getoutput", "getstatusoutput"}, KeywordCase::kSensitive,
      TreeCheck::kShellCommand));
  r.push_back(MakeTreeRule(
      "CML-I011", "subprocess-shell-true", "subprocess with shell=True", kHigh, Confidence::kHigh,
      78, kA03, "Pass an argument list and drop shell=True (shlex.split a fixed string if needed).",
      {"shell"}, KeywordCase::kSensitive, TreeCheck::kSubprocessShell));
  r.push_back(
      MakeRule("CML-I012", "c-system-nonliteral", "system()/popen() on a non-literal command",
               kHigh, Confidence::kMedium, 78, kA03,
               "Use posix_spawn or execve with a fixed program and an argument vector.", kCpp,
               {.keywords = {"system(", "popen(", "system (", "popen ("},
                .keyword_case = KeywordCase::kSensitive,
                .regex = R"((?:^|[^\w.>:]|std::)(?:system|popen)\s*\(\s*(?:[^"\s)]|"[^"]*"\s*\+))",
                .scope = MatchScope::kStatement}));
  r.push_back(MakeRule("CML-I013", "exec-nonliteral-program",
                       "exec-family call with a non-literal program", kMed, Confidence::kMedium, 78,
                       kA03, "Run a fixed, absolute program path and validate every argument.",
                       kCpp,
                       {.keywords = {"execl", "execv"},
                        .keyword_case = KeywordCase::kSensitive,
                        .regex = R"(\bexec(?:l|lp|le|v|vp|vpe|ve)\s*\(\s*[^"\s)])",
                        .scope = MatchScope::kStatement}));
  r.push_back(MakeRule("CML-I014", "shell-eval", "eval of a variable in a shell script", kMed,
                       Confidence::kMedium, 78, kA03,
                       "Avoid eval; use arrays for commands and quote every expansion.", kSh,
                       {.keywords = {"eval "},
                        .keyword_case = KeywordCase::kSensitive,
                        .regex = R"((?:^|[;&|]\s*|\s)eval\s+["']?[^"'\s]*\$)"}));
  r.push_back(
      MakeRule("CML-I015", "js-child-process-exec", "child_process exec on a non-literal command",
               kHigh, Confidence::kHigh, 78, kA03,
               "Use execFile/spawn with an argument array, not a shell string.", kJs,
               {.keywords = {"exec(", "execSync("},
                .keyword_case = KeywordCase::kSensitive,
                .regex = R"((?:^|[^.\w]|child_process\.)exec(?:Sync)?\s*\(\s*)" CML_JS_NONLITERAL,
                .scope = MatchScope::kStatement}));
  r.push_back(MakeTreeRule(
      "CML-I020", "python-eval-nonliteral", "eval/exec of code", kHigh, Confidence::kHigh, 95, kA03,
      "Parse data with json or ast.literal_eval; never evaluate text that can come from outside.",
      {"eval", "exec"}, KeywordCase::kSensitive, TreeCheck::kEval));
  r.push_back(
      MakeRule("CML-I021", "js-eval-nonliteral", "eval/new Function of a non-literal", kHigh,
               Confidence::kHigh, 95, kA03, "Parse data with JSON.parse; never evaluate strings.",
               kJs | kHtml,
               {.keywords = {"eval(", "Function("},
                .keyword_case = KeywordCase::kSensitive,
                .regex = R"((?:(?:^|[^.\w])eval|\bnew\s+Function)\s*\(\s*)" CML_JS_NONLITERAL,
                .scope = MatchScope::kStatement}));
  return r;
}

std::vector<Rule> PathAndXssRules() {
  std::vector<Rule> r;
  r.push_back(MakeTreeRule("CML-P001", "python-path-from-request",
                           "File path built from request input", kHigh, Confidence::kMedium, 22,
                           kA01,
                           "Resolve the path, then check it stays under an allowed base directory "
                           "(werkzeug.utils.safe_join or Path.resolve().is_relative_to(base)).",
                           {"request", "route(", "@app.", "@router.", "@api.", "@bp."},
                           KeywordCase::kSensitive, TreeCheck::kPathFromRequest));
  r.push_back(MakeRule(
      "CML-P002", "js-path-from-request", "File path built from request input", kHigh,
      Confidence::kMedium, 22, kA01,
      "Normalise with path.resolve and reject paths outside the allowed base directory.", kJs,
      {.keywords = {"fs.", "path.join(", "path.resolve(", "sendFile(", "download(",
                    "createReadStream("},
       .regex =
           R"(\b(?:fs\.\w+|path\.(?:join|resolve)|res\.sendFile|res\.download|createReadStream)\s*\()" CML_ARGS
           R"(\breq\.(?:params|query|body|headers|cookies))",
       .scope = MatchScope::kStatement}));
  r.push_back(MakeTreeRule(
      "CML-P003", "archive-extractall", "Archive extracted without a member filter", kMed,
      Confidence::kMedium, 22, kA01,
      "Pass filter=\"data\" (Python 3.12+) or check every member's resolved path before "
      "extracting.",
      {"extractall"}, KeywordCase::kSensitive, TreeCheck::kArchiveExtract));
  r.push_back(MakeRule("CML-X001", "inner-html-assignment",
                       "innerHTML/outerHTML set from a non-literal", kHigh, Confidence::kMedium, 79,
                       kA03, "Set textContent, or sanitise with DOMPurify before inserting HTML.",
                       kJs | kHtml,
                       {.keywords = {"innerHTML", "outerHTML"},
                        .keyword_case = KeywordCase::kSensitive,
                        .regex = R"(\.(?:inner|outer)HTML\s*\+?=\s*)" CML_JS_NONLITERAL}));
  r.push_back(MakeRule(
      "CML-X002", "document-write", "document.write/insertAdjacentHTML of a non-literal", kMed,
      Confidence::kMedium, 79, kA03, "Build DOM nodes and set textContent instead.", kJs | kHtml,
      {.keywords = {"document.write", "insertAdjacentHTML("},
       .keyword_case = KeywordCase::kSensitive,
       .regex =
           R"((?:\bdocument\.write(?:ln)?\s*\(\s*|insertAdjacentHTML\s*\(\s*["'][^"']*["']\s*,\s*))" CML_JS_NONLITERAL,
       .scope = MatchScope::kStatement}));
  r.push_back(MakeRule(
      "CML-X003", "dangerously-set-inner-html", "dangerouslySetInnerHTML with a non-literal", kHigh,
      Confidence::kMedium, 79, kA03,
      "Render text as children, or sanitise with DOMPurify before passing __html.", kJs,
      {.keywords = {"dangerouslySetInnerHTML"},
       .keyword_case = KeywordCase::kSensitive,
       .regex = R"(dangerouslySetInnerHTML\s*=\s*\{\s*\{\s*__html\s*:\s*(?:`[^`]*\$\{|[^"'`\s}]))",
       .scope = MatchScope::kStatement}));
  r.push_back(MakeTreeRule(
      "CML-X004", "markup-non-literal", "Markup()/mark_safe() on a non-literal", kHigh,
      Confidence::kMedium, 79, kA03,
      "Let the template escape values; use Markup.format / format_html with escaped arguments.",
      {"Markup", "mark_safe"}, KeywordCase::kSensitive, TreeCheck::kMarkup));
  r.push_back(MakeRule(
      "CML-X005", "template-safe-filter", "Template output marked |safe", kMed, Confidence::kMedium,
      79, kA03,
      "Drop |safe and let autoescaping work, or sanitise the value (bleach) before marking it.",
      kHtml | kPy, {.keywords = {"|safe", "| safe"}, .regex = R"(\{\{[^}]*\|\s*safe\b[^}]*\}\})"}));
  r.push_back(MakeTreeRule(
      "CML-X006", "render-template-string", "render_template_string on a non-literal", kHigh,
      Confidence::kHigh, 1336, kA03,
      "Render a template file with values as context variables; never build template text from "
      "input.",
      {"render_template_string"}, KeywordCase::kSensitive, TreeCheck::kTemplateString));
  r.push_back(MakeTreeRule("CML-X007", "jinja-autoescape-off",
                           "Jinja2 environment with autoescape disabled", kMed, Confidence::kHigh,
                           79, kA03,
                           "Use autoescape=select_autoescape() (or True) for any HTML output.",
                           {"autoescape"}, KeywordCase::kSensitive, TreeCheck::kJinjaAutoescape));
  return r;
}

std::vector<Rule> CryptoAndDeserializationRules() {
  std::vector<Rule> r;
  r.push_back(MakeTreeRule(
      "CML-C001", "weak-hash-python", "MD5 or SHA-1 used for hashing", kMed, Confidence::kMedium,
      328, kA02,
      "Use hashlib.sha256 (or blake2b); for non-security checksums pass usedforsecurity=False.",
      {"md5", "sha1"}, KeywordCase::kInsensitive, TreeCheck::kWeakHash));
  r.push_back(MakeRule(
      "CML-C002", "weak-hash-native", "MD5 or SHA-1 used via OpenSSL or Node crypto", kMed,
      Confidence::kMedium, 328, kA02, "Use SHA-256 or better (EVP_sha256, createHash('sha256')).",
      kCpp | kJs,
      {.keywords = {"MD5", "SHA1", "EVP_md5", "EVP_sha1", "createHash("},
       .keyword_case = KeywordCase::kSensitive,
       .regex =
           R"(\b(?:MD5|SHA1|MD5_Init|SHA1_Init|EVP_md5|EVP_sha1)\s*\(|\bcreateHash\s*\(\s*["'](?i:md5|sha1)["'])"}));
  r.push_back(MakeRule(
      "CML-C003", "weak-cipher", "DES, RC4, Blowfish or ECB mode", kHigh, Confidence::kHigh, 327,
      kA02, "Use AES-GCM or ChaCha20-Poly1305 from a vetted library.", kPy | kCpp | kJs,
      {.keywords = {"DES", "ARC4", "ECB", "Blowfish", "EVP_des", "EVP_rc4", "_ecb", "createCipher"},
       .keyword_case = KeywordCase::kSensitive,
       // churnml:ignore CML-C003 -- the rule's own pattern names the ciphers
       .regex =
           R"(\b(?:Cipher\.DES3?|DES3?\.new|ARC4\.new|Blowfish\.new|algorithms\.(?:TripleDES|ARC4|Blowfish)|modes\.ECB|MODE_ECB|EVP_des_\w+\s*\(|EVP_rc4\w*\s*\(|EVP_\w+_ecb\s*\()|\bcreateCipher(?:iv)?\s*\(\s*["'](?i:des|rc4|bf|[\w-]*-ecb))"}));
  r.back().tree_check = TreeCheck::kWeakCipher;  // Python files: on the syntax tree
  r.push_back(MakeRule(
      "CML-C004", "insecure-random-token", "Non-cryptographic random used for a secret", kHigh,
      Confidence::kMedium, 338, kA02,
      "Use secrets.token_urlsafe / secrets.choice (Python) or crypto.randomBytes (Node).",
      kPy | kJs,
      {.keywords = {"random", "Math.random"},
       .keyword_case = KeywordCase::kSensitive,
       .regex =
           R"((?i:token|password|passwd|secret|nonce|salt|otp|session_?id|api_?key|csrf)\w*\s*(?:=|:)[^=].*(?:\brandom\.(?:random|randint|choice|choices|randrange|getrandbits|sample)|\bMath\.random)\s*\()"}));
  r.back().tree_check = TreeCheck::kInsecureRandom;
  r.push_back(MakeRule(
      "CML-C005", "tls-verification-disabled", "TLS certificate verification disabled", kHigh,
      Confidence::kHigh, 295, kA07,
      "Keep verification on; point the client at the right CA bundle instead.", kAllLanguages,
      {.keywords = {"verify", "CERT_NONE", "_create_unverified_context", "rejectUnauthorized",
                    "CURLOPT_SSL_VERIFY", "InsecureSkipVerify", "NODE_TLS_REJECT_UNAUTHORIZED"},
       .regex =
           R"(\bverify\s*=\s*False\b|\bssl\.CERT_NONE\b|\b_create_unverified_context\s*\(|\brejectUnauthorized\s*:\s*false\b|\bCURLOPT_SSL_VERIFY(?:PEER|HOST)\s*,\s*0|\bInsecureSkipVerify\s*:\s*true\b|\bNODE_TLS_REJECT_UNAUTHORIZED\s*=\s*["']?0)",
       .scope = MatchScope::kStatement}));
  r.back().tree_check = TreeCheck::kTlsVerify;
  r.push_back(MakeRule(
      "CML-C006", "download-without-tls-check", "curl/wget with certificate checks off", kHigh,
      Confidence::kHigh, 295, kA07,
      "Drop -k/--insecure/--no-check-certificate; install the CA certificate instead.",
      kSh | rules::kDocker | rules::kYaml,
      {.keywords = {"curl", "wget"},
       .keyword_case = KeywordCase::kSensitive,
       .regex = R"(\bcurl\b[^|;&]*\s(?:-k|--insecure)\b|\bwget\b[^|;&]*\s--no-check-certificate\b)",
       .scope = MatchScope::kStatement}));
  r.push_back(MakeTreeRule(
      "CML-D001", "pickle-load", "pickle/joblib/marshal load of data", kMed, Confidence::kMedium,
      502, kA08,
      "Load only files you produced and verified (checksum or signature); prefer safe formats "
      "(safetensors, ONNX, JSON).",
      {"pickle", "dill", "joblib", "marshal", "shelve", "Unpickler"}, KeywordCase::kSensitive,
      TreeCheck::kPickle));
  r.push_back(
      MakeTreeRule("CML-D002", "pickle-load-request", "pickle/joblib/marshal load of request data",
                   kCrit, Confidence::kHigh, 502, kA08,
                   "Never unpickle client data; accept JSON and validate it against a schema.",
                   {"pickle", "dill", "joblib", "marshal", "shelve", "Unpickler"},
                   KeywordCase::kSensitive, TreeCheck::kPickleRequest));
  r.push_back(MakeTreeRule("CML-D003", "torch-load-unsafe", "torch.load without weights_only=True",
                           kMed, Confidence::kHigh, 502, kA08,
                           "Pass weights_only=True, or store weights as safetensors.", {"torch"},
                           KeywordCase::kSensitive, TreeCheck::kTorchLoad));
  r.push_back(MakeTreeRule("CML-D004", "yaml-unsafe-load", "yaml.load without a safe loader", kHigh,
                           Confidence::kHigh, 502, kA08,
                           "Use yaml.safe_load, or Loader=yaml.SafeLoader.", {"yaml"},
                           KeywordCase::kSensitive, TreeCheck::kYamlLoad));
  r.push_back(MakeTreeRule("CML-D005", "numpy-allow-pickle", "numpy.load with allow_pickle=True",
                           kMed, Confidence::kHigh, 502, kA08,
                           "Keep allow_pickle=False; store object arrays another way.",
                           {"allow_pickle"}, KeywordCase::kSensitive, TreeCheck::kNumpyPickle));
  (void)kLow;
  return r;
}

#undef CML_JS_NONLITERAL
#undef CML_ARGS

}  // namespace

Status RegisterCodeRules(RuleRegistry& registry) {
  for (auto family : {InjectionRules, PathAndXssRules, CryptoAndDeserializationRules}) {
    for (Rule& r : family()) CHURNML_RETURN_IF_ERROR(registry.Register(std::move(r)));
  }
  return Status::Ok();
}

}  // namespace churnml::audit
