// `churnml autoscale replay`: runs the autoscaler's policy
// (scaling/autoscale_policy.h) over a recorded or synthetic load trace and
// prints the replica count it would have chosen at each sample, with the
// reason, so a policy is tested before it runs (docs/deploy.md).
// `churnml autoscale run`: the same policy live — scrapes the replicas'
// /metrics every --interval, exports the recommendation
// (churnml_autoscale_desired_replicas) on --metrics-port for HPA/KEDA, and
// with --actuator haproxy starts, drains and stops local replicas behind
// HAProxy (scaling/local_actuator.h).
#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cli/command.h"
#include "common/atomic_file.h"
#include "common/strings.h"
#include "monitoring/metrics_registry.h"
#include "scaling/autoscale_policy.h"
#include "scaling/haproxy_runtime.h"
#include "scaling/http_fetch.h"
#include "scaling/load_meter.h"
#include "scaling/local_actuator.h"
#include "scaling/prometheus_text.h"
#include "scaling/replica_signal.h"
#include "scaling/slot_addresses.h"
#include "serving/http/http_server.h"
#include "serving/http/router.h"

namespace churnml::cli {
namespace {

// The policy's flags, shared by replay and run.
struct PolicyFlags {
  double target = 1000;
  double tolerance = 0.1;
  int min_replicas = 1;
  int max_replicas = 10;
  int64_t stabilization = 300;
  std::vector<std::string> floors;
  bool no_predictive = false;
  int64_t period = 86400;
  int64_t startup = 120;
};

struct ReplayFlags {
  PolicyFlags policy;
  std::string metrics;
  std::string signal = "rps";
  std::string out = "-";
};

struct RunFlags {
  PolicyFlags policy;
  std::vector<std::string> targets;
  std::string discover;  // HOST:PORT, every address of HOST each tick
  std::string signal = "rps";
  std::vector<std::string> queues;  // queue-depth: the queues to sum (empty = all)
  int64_t interval = 15;
  int64_t duration = 0;
  int scrape_timeout_ms = 2000;
  size_t max_scrape_bytes = 4 << 20;
  std::string metrics_host = "127.0.0.1";
  int metrics_port = 0;
  std::string actuator = "none";
  std::string haproxy_socket;
  std::string backend = "churnml_replicas";
  std::string serve_args = "--model churn@champion";
  std::string replica_log_dir;
  int64_t min_drain_ms = 2000;
  int64_t max_drain_ms = 60000;
  int64_t start_timeout_ms = 60000;
};

void AddPolicyOptions(CLI::App* cmd, PolicyFlags& f) {
  cmd->add_option("--target", f.target, "load one replica should carry (e.g. requests/s)")
      ->capture_default_str();
  cmd->add_option("--tolerance", f.tolerance, "no change while within this ratio of target")
      ->capture_default_str();
  cmd->add_option("--min-replicas", f.min_replicas, "fewest replicas")->capture_default_str();
  cmd->add_option("--max-replicas", f.max_replicas, "most replicas")->capture_default_str();
  cmd->add_option("--stabilization", f.stabilization,
                  "seconds a scale-down waits (highest recommendation of the window)")
      ->capture_default_str();
  cmd->add_option("--floor", f.floors,
                  "scheduled floor \"DAYS HH:MM-HH:MM N\" in UTC (repeatable)");
  cmd->add_flag("--no-predictive", f.no_predictive, "no seasonal forecast");
  cmd->add_option("--period", f.period, "seconds in the load's season (forecast)")
      ->capture_default_str();
  cmd->add_option("--startup", f.startup,
                  "seconds a new replica takes to serve: how far ahead the forecast looks")
      ->capture_default_str();
}

Result<scaling::AutoscaleOptions> PolicyOptions(const PolicyFlags& f) {
  scaling::AutoscaleOptions options;
  options.target = f.target;
  options.tolerance = f.tolerance;
  options.min_replicas = f.min_replicas;
  options.max_replicas = f.max_replicas;
  options.stabilization_seconds = f.stabilization;
  options.predictive = !f.no_predictive;
  options.period_seconds = f.period;
  options.startup_seconds = f.startup;
  for (const std::string& text : f.floors) {
    CHURNML_ASSIGN_OR_RETURN(scaling::ScheduleFloor floor, scaling::ParseScheduleFloor(text));
    options.floors.push_back(floor);
  }
  CHURNML_RETURN_IF_ERROR(options.Validate());
  return options;
}

std::string Csv(const std::string& text) {
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

int RunReplay(const ReplayFlags& f) {
  Result<scaling::AutoscaleOptions> parsed = PolicyOptions(f.policy);
  if (!parsed.ok()) return ReportError(parsed.status());
  Result<scaling::LoadSignal> signal = scaling::ParseLoadSignal(f.signal);
  if (!signal.ok()) return ReportError(signal.status());
  const bool latency = *signal == scaling::LoadSignal::kP99Latency;
  if (latency && parsed->predictive) {
    parsed->predictive = false;
    Say("--signal p99: no seasonal forecast (it forecasts load, not latency)");
  }
  const scaling::AutoscaleOptions& options = *parsed;
  Result<std::string> text = ReadFile(f.metrics);
  if (!text.ok()) return ReportError(text.status());
  Result<std::vector<scaling::LoadSample>> trace = scaling::ParseLoadTrace(*text);
  if (!trace.ok()) {
    return ReportError(InvalidArgumentError(f.metrics + ": " + trace.status().message()));
  }
  const std::vector<scaling::AutoscaleDecision> run = scaling::Replay(
      options, *trace, latency ? scaling::TraceLoad::kPerReplica : scaling::TraceLoad::kTotal);

  std::string csv = "time,load,current,reactive,scheduled,predictive,forecast,desired,reason\n";
  int changes = 0, peak = 0, short_samples = 0;
  double replica_seconds = 0;
  const int64_t step = (*trace)[1].time - (*trace)[0].time;
  for (size_t i = 0; i < run.size(); ++i) {
    const scaling::AutoscaleDecision& d = run[i];
    csv += fmt::format("{},{:.6g},{},{},{},{},{:.6g},{},{}\n", d.time, d.load, d.current,
                       d.reactive, d.scheduled, d.predictive, d.forecast, d.desired, Csv(d.reason));
    if (i > 0 && d.desired != run[i - 1].desired) ++changes;
    peak = std::max(peak, d.desired);
    replica_seconds += static_cast<double>(d.current) * static_cast<double>(step);
    const double per_replica = latency ? d.load : d.load / std::max(1, d.current);
    if (per_replica > options.target * (1 + options.tolerance)) ++short_samples;
  }
  Result<AtomicFileWriter> writer =
      f.out == "-" ? AtomicFileWriter::ForStdout() : AtomicFileWriter::Create(f.out);
  if (!writer.ok()) return ReportError(writer.status());
  if (Status s = writer->Write(csv); !s.ok()) return ReportError(s);
  if (Status s = writer->Commit(); !s.ok()) return ReportError(s);
  Say(fmt::format(
      "{} samples: {} changes, peak {} replicas, {:.1f} replica-hours, {} samples with the "
      "load over the replicas' target (+tolerance)",
      run.size(), changes, peak, replica_seconds / 3600, short_samples));
  return kExitOk;
}

// The series `autoscale run` exports on --metrics-port.
struct LiveMetrics {
  monitoring::MetricsRegistry registry;
  monitoring::Gauge* desired = nullptr;
  monitoring::Gauge* current = nullptr;
  monitoring::Gauge* load = nullptr;
  monitoring::Gauge* target = nullptr;
  monitoring::Gauge* forecast = nullptr;
  monitoring::GaugeFamily* recommendation = nullptr;
  monitoring::GaugeFamily* target_up = nullptr;
  monitoring::CounterFamily* scrape_failures = nullptr;
  monitoring::Counter* decisions = nullptr;
  monitoring::CounterFamily* actions = nullptr;

  Status Declare() {
    CHURNML_ASSIGN_OR_RETURN(
        auto* d, registry.AddGauge("churnml_autoscale_desired_replicas",
                                   "Replicas the autoscaler recommends (HPA/KEDA read this)."));
    desired = &d->Get();
    CHURNML_ASSIGN_OR_RETURN(auto* c,
                             registry.AddGauge("churnml_autoscale_current_replicas",
                                               "Replicas serving when the load was measured."));
    current = &c->Get();
    CHURNML_ASSIGN_OR_RETURN(
        auto* l, registry.AddGauge("churnml_autoscale_load",
                                   "The signal this interval (--signal): rps, inflight and queue "
                                   "depth summed, p99 in seconds; NaN when there was none."));
    load = &l->Get();
    CHURNML_ASSIGN_OR_RETURN(auto* t,
                             registry.AddGauge("churnml_autoscale_target_load_per_replica",
                                               "The load one replica should carry (--target)."));
    target = &t->Get();
    CHURNML_ASSIGN_OR_RETURN(
        auto* f, registry.AddGauge("churnml_autoscale_forecast_load",
                                   "The load the seasonal forecast expects --startup ahead."));
    forecast = &f->Get();
    CHURNML_ASSIGN_OR_RETURN(
        recommendation,
        registry.AddGauge("churnml_autoscale_recommended_replicas",
                          "Each policy's recommendation (0: no floor / forecast not ready).",
                          {"policy"}));
    CHURNML_ASSIGN_OR_RETURN(
        target_up,
        registry.AddGauge("churnml_autoscale_target_up",
                          "1 when the target's /metrics answered the last scrape.", {"target"}));
    CHURNML_ASSIGN_OR_RETURN(
        scrape_failures,
        registry.AddCounter("churnml_autoscale_scrape_failures_total",
                            "Scrapes that failed (no answer, timeout, non-200, bad text).",
                            {"target"}));
    CHURNML_ASSIGN_OR_RETURN(auto* n, registry.AddCounter("churnml_autoscale_decisions_total",
                                                          "Decisions taken (one per interval)."));
    decisions = &n->Get();
    CHURNML_ASSIGN_OR_RETURN(actions, registry.AddCounter("churnml_autoscale_actions_total",
                                                          "Actuator actions by kind and outcome.",
                                                          {"action", "outcome"}));
    return Status::Ok();
  }
};

// One scrape: what the replica says for `signal`, or why not.
Result<scaling::ReplicaReading> Scrape(const std::string& url, const RunFlags& f,
                                       scaling::LoadSignal signal) {
  CHURNML_ASSIGN_OR_RETURN(
      scaling::HttpAnswer answer,
      scaling::HttpGet(url, std::chrono::milliseconds(f.scrape_timeout_ms), f.max_scrape_bytes));
  if (answer.status != 200) {
    return UnavailableError(url + ": answered " + std::to_string(answer.status));
  }
  scaling::PrometheusTextLimits limits;
  limits.max_bytes = f.max_scrape_bytes;
  Result<std::vector<scaling::PromSample>> samples =
      scaling::ParsePrometheusText(answer.body, limits);
  if (!samples.ok()) return InvalidArgumentError(url + ": " + samples.status().message());
  Result<scaling::ReplicaReading> reading = scaling::ReadReplica(*samples, signal);
  if (!reading.ok()) return InvalidArgumentError(url + ": " + reading.status().message());
  return reading;
}

// One step of --discover with --haproxy-socket: moves --backend's servers
// onto the addresses DNS returned (scaling/slot_addresses.h).
void FollowAddresses(const scaling::HaproxyRuntime& runtime, const std::string& backend,
                     const std::vector<std::string>& ips, const std::string& port,
                     LiveMetrics& metrics) {
  Result<std::vector<scaling::ServerStat>> servers = runtime.Servers(backend);
  if (!servers.ok()) {
    Say("--haproxy-socket: " + servers.status().message());
    return;
  }
  std::vector<scaling::SlotView> slots;
  for (const scaling::ServerStat& s : *servers) {
    slots.push_back({s.name, s.address, s.status.starts_with("MAINT")});
  }
  const scaling::SlotPlan plan = scaling::PlanSlotAddresses(slots, ips, port);
  if (plan.unplaced > 0) {
    Say(
        fmt::format("--discover: {} of {} addresses have no free server slot in HAProxy's {} ({} "
                    "slots; `churnml deploy haproxy --replicas N` declares them)",
                    plan.unplaced, ips.size(), backend, slots.size()));
  }
  for (const scaling::SlotChange& c : plan.changes) {
    const Status status = c.kind == scaling::SlotChangeKind::kSetAddress
                              ? runtime.SetAddress(backend, c.server, c.ip, c.port)
                              : runtime.SetState(backend, c.server,
                                                 c.kind == scaling::SlotChangeKind::kReady
                                                     ? scaling::ServerAdminState::kReady
                                                     : scaling::ServerAdminState::kMaint);
    const std::string_view kind = scaling::SlotChangeName(c.kind);
    metrics.actions->WithLabels({std::string(kind), status.ok() ? "ok" : "error"}).Increment();
    Say(fmt::format("haproxy: {} {}{}{}", kind, c.server,
                    c.kind == scaling::SlotChangeKind::kSetAddress
                        ? " " + scaling::SlotEndpoint(c.ip, c.port)
                        : "",
                    status.ok() ? "" : ": " + status.message()));
  }
}

std::vector<std::string> SplitArgs(const std::string& text) {
  std::vector<std::string> out;
  for (std::string_view part : Split(text, ' ')) {
    if (!part.empty()) out.emplace_back(part);
  }
  return out;
}

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int RunLive(const RunFlags& f) {
  Result<scaling::AutoscaleOptions> options = PolicyOptions(f.policy);
  if (!options.ok()) return ReportError(options.status());
  Result<scaling::LoadSignal> signal = scaling::ParseLoadSignal(f.signal);
  if (!signal.ok()) return ReportError(signal.status());
  if (!f.queues.empty() && *signal != scaling::LoadSignal::kQueueDepth) {
    return ReportError(InvalidArgumentError("--queues applies to --signal queue-depth only"));
  }
  if (*signal == scaling::LoadSignal::kP99Latency && options->predictive) {
    // A forecast of a latency says nothing about the replicas it will need.
    options->predictive = false;
    Say("--signal p99: no seasonal forecast (it forecasts load, not latency)");
  }
  if (f.interval < 1 || f.interval > 3600) {
    return ReportError(InvalidArgumentError("--interval must be 1..3600 seconds"));
  }
  // "local" is the same actuator under the name the design uses: local
  // replicas, added to and removed from HAProxy through its runtime API.
  if (f.actuator != "none" && f.actuator != "haproxy" && f.actuator != "local") {
    return ReportError(InvalidArgumentError("--actuator \"" + f.actuator +
                                            "\": choose none, haproxy or local (the same)"));
  }
  const bool actuate = f.actuator != "none";
  if (actuate && f.haproxy_socket.empty()) {
    return ReportError(InvalidArgumentError("--actuator haproxy needs --haproxy-socket PATH"));
  }
  if (actuate && !f.discover.empty()) {
    return ReportError(InvalidArgumentError(
        "--actuator haproxy starts its own replicas; for replicas found with --discover, give "
        "--haproxy-socket without --actuator (HAProxy's servers then follow the addresses)"));
  }
  // Without an actuator, --haproxy-socket alone names the replicas: the
  // servers of --backend that HAProxy has UP (or draining), scraped at their
  // address. With --discover, HAProxy's servers follow the discovered
  // addresses instead (set server ... addr through the runtime API).
  const bool sync_slots = !actuate && !f.haproxy_socket.empty() && !f.discover.empty();
  const bool from_haproxy = !actuate && !f.haproxy_socket.empty() && f.discover.empty();
  const int sources = (actuate || from_haproxy ? 1 : 0) + (f.targets.empty() ? 0 : 1) +
                      (f.discover.empty() ? 0 : 1);
  if (sources != 1) {
    return ReportError(InvalidArgumentError(
        "give exactly one of --targets URL,..., --discover HOST:PORT (with --haproxy-socket: "
        "keep HAProxy's servers on its addresses), --haproxy-socket PATH or --actuator haproxy "
        "(where the replicas' /metrics are)"));
  }
  std::string discover_host, discover_port;
  if (!f.discover.empty()) {
    Result<scaling::HttpUrl> u = scaling::ParseHttpUrl("http://" + f.discover + "/metrics");
    if (!u.ok() || f.discover.find('/') != std::string::npos ||
        f.discover.find(':') == std::string::npos) {
      return ReportError(InvalidArgumentError("--discover \"" + f.discover.substr(0, 100) +
                                              "\" is not HOST:PORT (a headless Service)"));
    }
    discover_host = u->host;
    discover_port = u->port;
  }
  for (const std::string& url : f.targets) {
    if (Result<scaling::HttpUrl> u = scaling::ParseHttpUrl(url); !u.ok()) {
      return ReportError(InvalidArgumentError("--targets: " + u.status().message()));
    }
  }
  if (f.metrics_port < 0 || f.metrics_port > 65535) {
    return ReportError(InvalidArgumentError("--metrics-port must be 0..65535 (0 = off)"));
  }

  // SIGINT/SIGTERM are waited for between ticks (sigtimedwait), in this
  // thread only: block them before any other thread starts.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigset_t old_mask;
  pthread_sigmask(SIG_BLOCK, &stop_signals, &old_mask);
  struct MaskRestore {
    sigset_t mask;
    ~MaskRestore() { pthread_sigmask(SIG_SETMASK, &mask, nullptr); }
  } restore{old_mask};

  auto metrics = std::make_unique<LiveMetrics>();
  if (Status s = metrics->Declare(); !s.ok()) return ReportError(s);
  metrics->target->Set(options->target);
  serving::Router router;  // outlives the server that calls it
  std::unique_ptr<serving::HttpServer> server;
  if (f.metrics_port > 0) {
    if (Status s = router.Add("GET", "/metrics",
                              [&metrics](const serving::HttpRequest&, serving::HttpResponse& r) {
                                r.content_type = monitoring::kTextFormatContentType;
                                r.body = metrics->registry.RenderText();
                              });
        !s.ok()) {
      return ReportError(s);
    }
    serving::HttpServerOptions http;
    http.host = f.metrics_host;
    http.port = static_cast<uint16_t>(f.metrics_port);
    http.threads = 1;
    Result<std::unique_ptr<serving::HttpServer>> started =
        serving::HttpServer::Start(http, router.AsHandler());
    if (!started.ok()) {
      return ReportError(InvalidArgumentError("--metrics-port: " + started.status().message()));
    }
    server = std::move(*started);
    Say(fmt::format("autoscaler metrics on http://{}:{}/metrics", f.metrics_host, server->port()));
  }

  std::unique_ptr<scaling::LocalActuator> actuator;
  if (actuate) {
    scaling::LocalActuatorOptions a;
    a.haproxy_socket = f.haproxy_socket;
    a.backend = f.backend;
    char self[4096];
    const ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0) return ReportError(IOError("cannot read /proc/self/exe to start replicas"));
    a.executable.assign(self, static_cast<size_t>(n));
    a.serve_args = SplitArgs(f.serve_args);
    a.log_dir = f.replica_log_dir;
    a.pool.min_drain_ms = f.min_drain_ms;
    a.pool.max_drain_ms = f.max_drain_ms;
    a.pool.start_timeout_ms = f.start_timeout_ms;
    Result<std::unique_ptr<scaling::LocalActuator>> opened = scaling::LocalActuator::Open(a);
    if (!opened.ok()) return ReportError(opened.status());
    actuator = std::move(*opened);
    if (static_cast<int>(actuator->slots()) < options->max_replicas) {
      Say(fmt::format("HAProxy backend {} has {} server slots: at most {} replicas, not {}",
                      f.backend, actuator->slots(), actuator->slots(), options->max_replicas));
    }
  }

  scaling::AutoscalePolicy policy(*options, f.interval);
  scaling::LoadMeter meter(*signal, f.queues);
  constexpr size_t kMaxLabelledTargets = 256;
  std::set<std::string> labelled_targets;
  const int64_t started_ms = SteadyMs();
  Say(fmt::format("autoscaling on {} every {} s (target {} per replica, {}..{} replicas)",
                  scaling::LoadSignalName(*signal), f.interval, options->target,
                  options->min_replicas, options->max_replicas));
  while (true) {
    const int64_t tick_ms = SteadyMs();
    std::vector<std::string> urls = actuate ? actuator->MetricsUrls() : f.targets;
    if (from_haproxy) {
      urls.clear();
      Result<std::vector<scaling::ServerStat>> servers =
          scaling::HaproxyRuntime(f.haproxy_socket).Servers(f.backend);
      if (!servers.ok()) Say("--haproxy-socket: " + servers.status().message());
      for (const scaling::ServerStat& s :
           servers.ok() ? *servers : std::vector<scaling::ServerStat>{}) {
        const bool serving = s.status.starts_with("UP") || s.status.starts_with("DRAIN") ||
                             s.status.starts_with("NOLB");
        if (serving && !s.address.empty()) urls.push_back("http://" + s.address + "/metrics");
      }
    }
    if (!discover_host.empty()) {
      Result<std::vector<std::string>> addresses = scaling::ResolveAll(discover_host, 1000);
      if (!addresses.ok()) Say("--discover: " + addresses.status().message());
      // A failed lookup leaves HAProxy as it is: no answer is not "no replicas".
      if (sync_slots && addresses.ok()) {
        FollowAddresses(scaling::HaproxyRuntime(f.haproxy_socket), f.backend, *addresses,
                        discover_port, *metrics);
      }
      urls.clear();
      for (const std::string& a : addresses.ok() ? *addresses : std::vector<std::string>{}) {
        urls.push_back("http://" + a + ":" + discover_port + "/metrics");
      }
    }
    std::map<std::string, std::pair<scaling::ReplicaReading, int64_t>> readings;
    for (const std::string& url : urls) {
      Result<scaling::ReplicaReading> reading = Scrape(url, f, *signal);
      const int64_t now_ms = SteadyMs();
      // Per-target series for the first kMaxLabelledTargets targets seen:
      // with --discover, pod addresses churn and series must not grow forever.
      const bool labelled =
          labelled_targets.contains(url) ||
          (labelled_targets.size() < kMaxLabelledTargets && labelled_targets.insert(url).second);
      if (!reading.ok()) {
        if (labelled) {
          metrics->target_up->WithLabels({url}).Set(0);
          metrics->scrape_failures->WithLabels({url}).Increment();
        }
        Say("scrape " + reading.status().message());
        continue;
      }
      if (labelled) metrics->target_up->WithLabels({url}).Set(1);
      readings[url] = {std::move(*reading), now_ms};
    }
    // A target that failed starts over from its next answer.
    const scaling::LoadMeasurement m = meter.Measure(std::move(readings));
    const int current = actuate ? actuator->serving() : m.answered;
    const int64_t now = static_cast<int64_t>(std::time(nullptr));
    const scaling::AutoscaleDecision d =
        m.value ? policy.Decide(now, scaling::PolicyLoad(*signal, *m.value, current), current)
                : policy.DecideWithoutSignal(now, current);
    metrics->desired->Set(d.desired);
    metrics->current->Set(current);
    metrics->load->Set(m.value ? *m.value : std::numeric_limits<double>::quiet_NaN());
    metrics->forecast->Set(d.forecast);
    metrics->recommendation->WithLabels({"reactive"}).Set(d.reactive);
    metrics->recommendation->WithLabels({"scheduled"}).Set(d.scheduled);
    metrics->recommendation->WithLabels({"predictive"}).Set(d.predictive);
    metrics->decisions->Increment();
    const std::string measured =
        m.value ? fmt::format("{} {:.6g}", scaling::LoadSignalName(*signal), *m.value)
                : fmt::format("no {} ({})", scaling::LoadSignalName(*signal), m.note);
    Say(fmt::format("decision: {} on {} replicas ({} answered) -> {} ({}){}", measured, current,
                    m.answered, d.desired, d.reason,
                    m.value && !m.note.empty() ? "; " + m.note : ""));
    if (actuate) {
      for (const scaling::ActuatorEvent& e : actuator->Apply(d.desired, SteadyMs())) {
        const std::string_view kind = scaling::PoolActionName(e.action);
        metrics->actions->WithLabels({std::string(kind), e.status.ok() ? "ok" : "error"})
            .Increment();
        Say(fmt::format("actuator: {} {} ({}){}", kind, e.server, e.reason,
                        e.status.ok() ? "" : ": " + e.status.message()));
      }
    }
    if (f.duration > 0 && SteadyMs() - started_ms >= f.duration * 1000) break;
    const int64_t wait_ms = std::max<int64_t>(0, tick_ms + f.interval * 1000 - SteadyMs());
    timespec wait{static_cast<time_t>(wait_ms / 1000), static_cast<long>(wait_ms % 1000) * 1000000};
    const int got = sigtimedwait(&stop_signals, nullptr, &wait);
    if (got == SIGINT || got == SIGTERM) {
      Say("stopping on signal");
      break;
    }
  }
  if (actuator) {
    Say("draining and stopping the replicas this autoscaler started");
    actuator->Shutdown();
  }
  if (server) {
    server->Stop();
    server->Wait();
  }
  return kExitOk;
}

}  // namespace

void RegisterAutoscaleCommand(CLI::App& app, CommandContext& ctx) {
  CLI::App* autoscale = app.add_subcommand(
      "autoscale", "replica counts from load: reactive, scheduled, predictive (docs/deploy.md)");
  autoscale->require_subcommand(1);
  auto flags = std::make_shared<ReplayFlags>();
  CLI::App* cmd = autoscale->add_subcommand(
      "replay",
      "run the autoscaling policy over a load trace (CSV: time,load) and print decisions");
  cmd->footer(
      "Examples:\n  churnml autoscale replay --metrics trace.csv --target 5000 --max-replicas 20\n"
      "  churnml autoscale replay --metrics trace.csv --target 5000 --floor \"Mon-Fri 08:00-20:00 "
      "4\" --startup 300 --out decisions.csv");
  cmd->add_option("--metrics", flags->metrics, "load trace: CSV with columns time (unix s), load")
      ->required();
  cmd->add_option("--out", flags->out, "decisions CSV (- = stdout)")->capture_default_str();
  cmd->add_option("--signal", flags->signal,
                  "what the load column is: rps, inflight or queue-depth (summed over replicas) "
                  "or p99 (seconds, every replica's: desired = ceil(current x p99 / target))")
      ->capture_default_str();
  AddPolicyOptions(cmd, flags->policy);
  cmd->callback([flags, &ctx] { ctx.exit_code = RunReplay(*flags); });

  auto run = std::make_shared<RunFlags>();
  CLI::App* live = autoscale->add_subcommand(
      "run",
      "scrape the replicas' /metrics, decide every --interval, export the recommendation and "
      "optionally scale local replicas behind HAProxy");
  live->footer(
      "Examples:\n"
      "  churnml autoscale run --targets http://10.0.0.5:8000/metrics,http://10.0.0.6:8000/metrics"
      " \\\n      --target 5000 --metrics-port 9100\n"
      "  churnml autoscale run --actuator haproxy --haproxy-socket /run/haproxy/churnml.sock \\\n"
      "      --serve-args \"--model churn@champion --threads 1\" --target 800 --max-replicas 3");
  live->add_option("--targets", run->targets, "replicas' /metrics URLs (comma-separated)")
      ->delimiter(',');
  live->add_option("--discover", run->discover,
                   "HOST:PORT: scrape every address HOST resolves to (a Kubernetes headless "
                   "Service), re-resolved every interval");
  live->add_option("--signal", run->signal,
                   "rps (prediction requests/s), inflight (requests in flight, Little's law), "
                   "p99 (prediction latency in seconds over the interval: --target 0.05 = 50 ms) "
                   "or queue-depth (jobs waiting, from workers' /metrics)")
      ->capture_default_str();
  live->add_option("--queues", run->queues,
                   "queue-depth: the queues to sum (comma-separated; default every queue)")
      ->delimiter(',');
  live->add_option("--interval", run->interval, "seconds between decisions")->capture_default_str();
  live->add_option("--duration", run->duration, "stop after this many seconds (0 = on SIGTERM)")
      ->capture_default_str();
  live->add_option("--scrape-timeout-ms", run->scrape_timeout_ms,
                   "a replica not answering its /metrics within this is counted as down")
      ->capture_default_str();
  live->add_option("--max-scrape-bytes", run->max_scrape_bytes,
                   "larger /metrics answers are refused")
      ->capture_default_str();
  live->add_option("--metrics-host", run->metrics_host, "address for --metrics-port")
      ->capture_default_str();
  live->add_option("--metrics-port", run->metrics_port,
                   "serve churnml_autoscale_* on /metrics here (0 = off)")
      ->capture_default_str();
  live->add_option("--actuator", run->actuator,
                   "none (recommend only) or haproxy, also spelled local (start/drain/stop "
                   "local replicas behind HAProxy)")
      ->capture_default_str();
  live->add_option("--haproxy-socket", run->haproxy_socket,
                   "HAProxy runtime socket (stats socket ... level admin): with --actuator "
                   "haproxy the slots; with --discover, --backend's servers follow the "
                   "discovered addresses; alone, the replicas to scrape (--backend's UP servers)");
  live->add_option("--backend", run->backend, "HAProxy backend whose servers are the slots")
      ->capture_default_str();
  live->add_option("--serve-args", run->serve_args,
                   "arguments for each started `churnml serve` after --host/--port "
                   "(split on spaces)")
      ->capture_default_str();
  live->add_option("--replica-log-dir", run->replica_log_dir,
                   "replicas' stderr to DIR/<server>.log (default: this stderr)");
  live->add_option("--min-drain-ms", run->min_drain_ms,
                   "a draining replica stays at least this long before it is stopped")
      ->capture_default_str();
  live->add_option("--max-drain-ms", run->max_drain_ms,
                   "... and is stopped after this long even with sessions left")
      ->capture_default_str();
  live->add_option("--start-timeout-ms", run->start_timeout_ms,
                   "a replica not ready within this is stopped")
      ->capture_default_str();
  AddPolicyOptions(live, run->policy);
  live->callback([run, &ctx] { ctx.exit_code = RunLive(*run); });
}

}  // namespace churnml::cli
