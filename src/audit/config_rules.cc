// Configuration rules: debug mode, binding to every interface, Dockerfile
// hygiene, Kubernetes pod security, file permissions, and dependencies.
#include "audit/rule_builder.h"
#include "audit/rule_registry.h"

// The tables use designated initializers and leave defaulted PatternSpec
// fields out on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace churnml::audit {
namespace {

using rules::kConf;
using rules::kDocker;
using rules::kEnv;
using rules::kPy;
using rules::kReq;
using rules::kSh;
using rules::kYaml;
using rules::MakeFileRule;
using rules::MakeRule;
constexpr auto kCrit = Severity::kCritical;
constexpr auto kHigh = Severity::kHigh;
constexpr auto kMed = Severity::kMedium;
constexpr auto kLow = Severity::kLow;
constexpr auto kA01 = OwaspCategory::kA01BrokenAccessControl;
constexpr auto kA05 = OwaspCategory::kA05SecurityMisconfiguration;
constexpr auto kA06 = OwaspCategory::kA06VulnerableComponents;
constexpr auto kA08 = OwaspCategory::kA08IntegrityFailures;
constexpr auto kA09 = OwaspCategory::kA09LoggingFailures;

}  // namespace

Status RegisterConfigRules(RuleRegistry& registry) {
  std::vector<Rule> r;
  r.push_back(MakeRule(
      "CML-K001", "debug-enabled", "Debug mode enabled", kMed, Confidence::kMedium, 489, kA05,
      "Turn debug off outside development; drive it from an environment variable that defaults "
      "to off.",
      kPy | kYaml | kEnv | kConf,
      {.keywords = {"debug", "app.run("},
       .regex =
           R"(\bapp\.run\s*\((?:[^()]|\([^()]*\))*\bdebug\s*=\s*True\b|^\s*(?:DEBUG|FLASK_DEBUG)\s*=\s*(?:True|["']?1["']?)\s*(?:#.*)?$|^\s*["']?(?i:debug)["']?\s*:\s*["']?(?i:true|yes|on)["']?\s*,?\s*(?:#.*)?$)",
       .scope = MatchScope::kStatement}));
  r.push_back(MakeRule(
      "CML-K002", "bind-all-interfaces", "Service bound to all interfaces (0.0.0.0)", kLow,
      Confidence::kLow, 605, kA05,
      "Bind to 127.0.0.1 (or the pod IP) unless the service sits behind a firewall or proxy that "
      "is meant to expose it.",
      kPy | kYaml | kEnv | kConf | kSh,
      {.keywords = {"0.0.0.0"},
       .regex =
           R"((?i:host|bind|listen|address|addr)["']?\s*(?:=|:|\s)\s*["']?(?:https?://)?0\.0\.0\.0\b)"}));
  r.push_back(MakeFileRule(
      "CML-K010", "dockerfile-runs-as-root", "Container runs as root (no non-root USER)", kMed,
      Confidence::kHigh, 250, kA05,
      "Create an unprivileged user and switch to it with USER before the final CMD/ENTRYPOINT.",
      kDocker, FileCheck::kDockerfileRunsAsRoot));
  r.push_back(MakeFileRule("CML-K011", "dockerfile-unpinned-base",
                           "Base image uses :latest or no tag", kMed, Confidence::kHigh, 1357, kA08,
                           "Pin the base image to a version tag, ideally with an @sha256 digest.",
                           kDocker, FileCheck::kDockerfileLatestTag));
  r.push_back(MakeRule(
      "CML-K012", "dockerfile-add-url", "ADD fetches a remote URL", kMed, Confidence::kHigh, 494,
      kA08,
      "Download with curl/wget in a RUN step and verify a checksum, or use COPY for local files.",
      kDocker,
      {.keywords = {"ADD"},
       .keyword_case = KeywordCase::kSensitive,
       .regex = R"(^\s*ADD\s+(?:--\S+\s+)*https?://)"}));
  r.push_back(MakeRule(
      "CML-K013", "dockerfile-secret-env", "Secret passed through ENV or ARG", kHigh,
      Confidence::kMedium, 214, kA05,
      "Use BuildKit secrets (RUN --mount=type=secret) at build time and inject secrets at run "
      "time; ENV and ARG values stay in the image history.",
      kDocker,
      {.keywords = {"ENV", "ARG"},
       .keyword_case = KeywordCase::kSensitive,
       .regex =
           R"(^\s*(?:ENV|ARG)\s+[\w.]*(?i:password|passwd|secret|token|api_?key|access_?key|private_?key)[\w.]*(?:(?:\s*=\s*|\s+)["']?([^"'\s]+))?)",
       .secret_group = 1}));
  r.push_back(MakeFileRule(
      "CML-K014", "dockerfile-no-healthcheck", "Image has no HEALTHCHECK", kLow, Confidence::kHigh,
      1188, kA09,
      "Add HEALTHCHECK CMD (e.g. curl -f http://localhost:8080/health) so orchestrators can see "
      "a stuck container.",
      kDocker, FileCheck::kDockerfileNoHealthcheck));
  r.push_back(MakeRule(
      "CML-K020", "k8s-privileged", "Privileged container or privilege escalation allowed", kHigh,
      Confidence::kHigh, 250, kA05,
      "Remove privileged: true and set allowPrivilegeEscalation: false; add only the "
      "capabilities the container needs.",
      kYaml,
      {.keywords = {"privileged", "allowPrivilegeEscalation"},
       .regex = R"(^\s*(?:-\s*)?(?:privileged|allowPrivilegeEscalation)\s*:\s*["']?true\b)"}));
  r.push_back(MakeRule(
      "CML-K021", "k8s-run-as-root", "Container explicitly runs as root", kHigh, Confidence::kHigh,
      250, kA05, "Set runAsNonRoot: true and a non-zero runAsUser.", kYaml,
      {.keywords = {"runAsUser", "runAsNonRoot"},
       .regex =
           R"(^\s*(?:-\s*)?(?:runAsUser\s*:\s*["']?0["']?\s*(?:#.*)?$|runAsNonRoot\s*:\s*["']?false\b))"}));
  r.push_back(MakeFileRule("CML-K022", "k8s-missing-run-as-non-root",
                           "Pod spec does not require a non-root user", kLow, Confidence::kMedium,
                           250, kA05,
                           "Set securityContext.runAsNonRoot: true on the pod or each container.",
                           kYaml, FileCheck::kKubernetesNoNonRoot));
  r.push_back(MakeFileRule(
      "CML-K023", "k8s-missing-resource-limits", "Containers without resource limits", kMed,
      Confidence::kMedium, 770, kA05,
      "Set resources.limits (cpu, memory) on every container so one pod cannot starve the node.",
      kYaml, FileCheck::kKubernetesMissingLimits));
  r.push_back(MakeRule(
      "CML-K024", "k8s-host-access", "hostPath mount or host namespace sharing", kHigh,
      Confidence::kHigh, 668, kA01,
      "Use a PersistentVolumeClaim or emptyDir; do not share the host's network, PID or IPC "
      "namespaces.",
      kYaml,
      {.keywords = {"hostPath", "hostNetwork", "hostPID", "hostIPC"},
       .keyword_case = KeywordCase::kSensitive,
       .regex = R"(^\s*(?:-\s*)?(?:hostPath\s*:|(?:hostNetwork|hostPID|hostIPC)\s*:\s*true\b))"}));
  r.push_back(MakeFileRule(
      "CML-K030", "world-writable-file", "World-writable file", kMed, Confidence::kHigh, 732, kA01,
      "chmod o-w the file; nothing in a repository needs to be writable by every user.",
      kAllLanguages, FileCheck::kWorldWritableFile));
  r.push_back(MakeFileRule(
      "CML-K031", "readable-private-key", "Private key file readable by group or others", kHigh,
      Confidence::kHigh, 732, kA01, "chmod 600 the key file (and better, keep it out of the tree).",
      kAllLanguages, FileCheck::kReadablePrivateKey));
  r.push_back(MakeFileRule("CML-V001", "vulnerable-dependency",
                           "Pinned dependency with a known advisory", kHigh, Confidence::kHigh,
                           1395, kA06, "Upgrade to a fixed version listed in the advisory.",
                           kReq | kConf | rules::kCMake, FileCheck::kVulnerableDependency));
  r.push_back(MakeFileRule(
      "CML-V002", "unpinned-requirement", "Requirement without an exact version pin", kLow,
      Confidence::kHigh, 1357, kA06,
      "Pin exact versions (name==1.2.3, ideally with --hash) and update them deliberately.", kReq,
      FileCheck::kUnpinnedRequirement));
  (void)kCrit;
  (void)kSh;
  for (Rule& rule : r) CHURNML_RETURN_IF_ERROR(registry.Register(std::move(rule)));
  return Status::Ok();
}

}  // namespace churnml::audit
