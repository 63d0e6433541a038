#include "serving/server.h"

#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>

#include "common/build_info.h"
#include "common/json_text.h"
#include "common/mutex.h"
#include "common/strings.h"
#include "common/time_format.h"
#include "monitoring/alerts/alert_loop.h"
#include "monitoring/alerts/alert_rule.h"
#include "monitoring/metrics_registry.h"
#include "monitoring/process_metrics.h"
#include "serving/admin_routes.h"
#include "serving/dashboard_routes.h"
#include "serving/experiments_routes.h"
#include "serving/explain_routes.h"
#include "serving/http/router.h"
#include "serving/oip_metadata_routes.h"
#include "serving/status_routes.h"

namespace churnml::serving {

reliability::CircuitBreakerConfig ServeOptions::DefaultRemoteBreaker() {
  reliability::CircuitBreakerConfig config;
  config.sliding_window_type = reliability::SlidingWindowType::kCountBased;
  config.sliding_window_size = 10;
  config.minimum_number_of_calls = 3;
  config.failure_rate_threshold = 50;
  config.slow_call_rate_threshold = 100;
  config.slow_call_duration_threshold = std::chrono::seconds(10);
  config.wait_duration_in_open_state = std::chrono::seconds(5);
  config.permitted_calls_in_half_open_state = 1;
  return config;
}

reliability::CircuitBreakerConfig ServeOptions::DefaultModelBreaker() {
  reliability::CircuitBreakerConfig config;
  config.sliding_window_type = reliability::SlidingWindowType::kCountBased;
  config.sliding_window_size = 100;
  config.minimum_number_of_calls = 20;
  config.failure_rate_threshold = 50;
  config.slow_call_rate_threshold = 50;
  config.slow_call_duration_threshold = std::chrono::milliseconds(250);
  config.wait_duration_in_open_state = std::chrono::seconds(5);
  config.permitted_calls_in_half_open_state = 5;
  return config;
}

namespace {

// One JSON line per request, written by spdlog's background thread so the
// io threads only enqueue.
Result<std::shared_ptr<spdlog::logger>> MakeAccessLogger(const std::string& target) {
  if (target == "off" || target.empty()) return std::shared_ptr<spdlog::logger>();
  try {
    spdlog::init_thread_pool(65536, 1);
    std::shared_ptr<spdlog::logger> logger;
    if (target == "-") {
      logger = spdlog::create_async_nb<spdlog::sinks::stderr_sink_mt>("churnml-access");
    } else {
      logger = spdlog::create_async_nb<spdlog::sinks::basic_file_sink_mt>("churnml-access", target);
    }
    logger->set_pattern("%v");
    logger->set_level(spdlog::level::info);
    // Lines reach the file as they are written (by the logging thread, not
    // the io threads), so `tail -f` and log shippers see every request.
    logger->flush_on(spdlog::level::info);
    return logger;
  } catch (const spdlog::spdlog_ex& e) {
    return IOError("--access-log " + target + ": " + e.what());
  }
}

}  // namespace

// An A/B variant: its own slot, watcher, breaker and scorer.
struct VariantRuntime {
  VariantSpec spec;
  ModelSlot slot;
  std::unique_ptr<reliability::CircuitBreaker> breaker;
  std::unique_ptr<ModelWatcher> watcher;
  std::unique_ptr<Scorer> scorer;
};

class ServerRuntime {
 public:
  ServeOptions options;
  const ModelRegistry* models = nullptr;
  std::chrono::steady_clock::time_point start_time;

  std::unique_ptr<monitoring::MetricsRegistry> registry;
  std::unique_ptr<ServingMetrics> metrics;
  std::unique_ptr<reliability::CircuitBreaker> model_breaker;
  std::unique_ptr<reliability::CircuitBreaker> store_breaker;
  std::unique_ptr<reliability::CircuitBreaker> load_breaker;
  std::unique_ptr<reliability::HealthMonitor> health;
  FaultInjector faults;
  ApiKeySet keys;
  std::unique_ptr<RateLimiter> limiter;
  std::unique_ptr<RequestGate> gate;
  ModelSlot slot;
  std::unique_ptr<ModelWatcher> watcher;
  std::unique_ptr<LiveDrift> drift;
  std::unique_ptr<monitoring::AlertLoop> alerts;
  // The last reload failure logged (watcher thread only): a store that stays
  // down is logged when the failure starts or changes, not on every check.
  std::string last_reload_error;
  std::unique_ptr<Scorer> scorer;
  std::vector<std::unique_ptr<VariantRuntime>> variants;
  std::unique_ptr<PredictionLog> prediction_log;
  FaultInjector shadow_faults;     // POST /admin/faults/shadow
  std::unique_ptr<Shadow> shadow;  // after the log it writes to
  std::unique_ptr<Experiments> experiments;
  // How a scoring request picks its model (variants, log, shadow): the
  // prediction and explain routes hold copies, the front ends this one.
  ScoringPlan plan;
  // The route groups (route_group.h), in one table.
  std::vector<std::unique_ptr<RouteGroup>> groups;
  DashboardRoutes* dashboard = nullptr;  // in `groups`; its ticker stops in Stop()
  RouteTable routes;
  std::shared_ptr<spdlog::logger> access_log;
  std::unique_ptr<HttpServer> http;
  std::vector<std::unique_ptr<Frontend>> frontends;  // last: stopped before the rest

  // The health ticker.
  Mutex mu;
  std::condition_variable wake;
  bool stopping CHURNML_GUARDED_BY(mu) = false;
  std::thread ticker;
  std::once_flag stop_once;

  ~ServerRuntime() {
    Stop();
    Wait();
    if (access_log) spdlog::drop("churnml-access");
  }

  Status Init(const ServeOptions& opts, const ModelRegistry& model_registry);
  Status StartVariants(const ScorerDeps& primary, ScoringPlan* plan);
  Status StartExperiments(ScoringPlan* plan);
  // A shadow model for `ref`, loaded, checked and watched (ShadowFactory).
  Result<std::shared_ptr<ShadowModel>> LoadShadow(const std::string& ref);
  void OnReload(const ReloadEvent& event);
  void Access(const AccessRecord& record);
  void Stop();
  void Wait();
};

Status ServerRuntime::Init(const ServeOptions& opts, const ModelRegistry& model_registry) {
  options = opts;
  models = &model_registry;
  start_time = std::chrono::steady_clock::now();
  monitoring::MetricsRegistryOptions registry_options;
  registry_options.instrumentation = options.instrumentation ? monitoring::Instrumentation::kOn
                                                             : monitoring::Instrumentation::kOff;
  registry = std::make_unique<monitoring::MetricsRegistry>(registry_options);
  monitoring::RegisterProcessMetrics(*registry);
  monitoring::RegisterBuildInfo(*registry);
  CHURNML_ASSIGN_OR_RETURN(metrics, ServingMetrics::Create(registry.get()));

  if (!options.keys.file.empty() || !options.keys.keys.empty()) {
    CHURNML_ASSIGN_OR_RETURN(keys, ApiKeySet::Load(options.keys));
    for (const std::string& warning : keys.warnings()) spdlog::warn("{}", warning);
  }
  if (keys.empty()) {
    const bool loopback = IsLoopbackHost(options.http.host);
    if (!loopback && !options.allow_unauthenticated) {
      return FailedPreconditionError(
          "no API keys, and --host " + options.http.host +
          " is not a loopback address: anyone who can reach it could use the server. Give "
          "--api-key-file (or CHURNML_API_KEYS), or --allow-unauthenticated to serve without "
          "authentication");
    }
    spdlog::warn("no API keys: every request is served without authentication{}",
                 loopback ? " (listening on loopback only)"
                          : " (--allow-unauthenticated on " + options.http.host + ")");
  }
  if (options.rate_limit > 0) {
    RateLimitOptions limit;
    limit.rate = options.rate_limit;
    limit.burst = options.rate_burst > 0 ? options.rate_burst : std::max(1.0, options.rate_limit);
    CHURNML_ASSIGN_OR_RETURN(limiter, RateLimiter::Create(limit, RealClock()));
  }

  CHURNML_ASSIGN_OR_RETURN(model_breaker, reliability::CircuitBreaker::Create(
                                              "model", options.model_breaker, RealClock()));
  metrics->WatchBreaker(model_breaker.get());
  if (options.instrumentation) {
    CHURNML_ASSIGN_OR_RETURN(health,
                             reliability::HealthMonitor::Create(options.health, RealClock()));
    health->WatchBreaker(model_breaker.get(), reliability::HealthState::kCritical);
    registry->AddCollector([h = health.get()](monitoring::CollectorSink& sink) {
      reliability::HealthState state = h->state();
      for (auto s : {reliability::HealthState::kHealthy, reliability::HealthState::kDegraded,
                     reliability::HealthState::kCritical}) {
        sink.AddGauge("churnml_health_state", "1 for the current health state, 0 for the others.",
                      {{"state", std::string(reliability::HealthStateName(s))}},
                      s == state ? 1 : 0);
      }
    });
  }
  registry->AddCollector([this](monitoring::CollectorSink& sink) {
    if (std::shared_ptr<const ServedModel> model = slot.current()) {
      sink.AddGauge("churnml_model_info", "The model being served (always 1).",
                    {{"kind", model->kind}, {"model", model->name}, {"version", model->version}},
                    1);
    }
    if (http) {
      HttpServerStats stats = http->stats();
      sink.AddGauge("churnml_http_connections_active", "Open HTTP connections.", {},
                    static_cast<double>(stats.active_connections));
      sink.AddCounter("churnml_http_connections_rejected_total",
                      "Connections closed at once by the connection limit.", {},
                      static_cast<double>(stats.rejected_connections));
    }
  });

  CHURNML_ASSIGN_OR_RETURN(store_breaker, reliability::CircuitBreaker::Create(
                                              "store", options.store_breaker, RealClock()));
  CHURNML_ASSIGN_OR_RETURN(load_breaker, reliability::CircuitBreaker::Create(
                                             "model_load", options.load_breaker, RealClock()));
  metrics->WatchBreaker(store_breaker.get());
  metrics->WatchBreaker(load_breaker.get());
  if (health) {
    health->WatchBreaker(store_breaker.get(), reliability::HealthState::kDegraded);
    health->WatchBreaker(load_breaker.get(), reliability::HealthState::kDegraded);
  }
  WatcherReliability protection;
  protection.store_breaker = store_breaker.get();
  protection.load_breaker = load_breaker.get();
  monitoring::Counter* store_retries = &metrics->Retries("store");
  protection.store_retry.on_retry = [store_retries](const reliability::RetryEvent& event) {
    store_retries->Increment();
    spdlog::warn("model store: {}", reliability::DescribeRetry(event));
  };
  watcher = std::make_unique<ModelWatcher>(
      options.model, model_registry, &slot, [this](const ReloadEvent& e) { OnReload(e); },
      std::move(protection));
  CHURNML_RETURN_IF_ERROR(watcher->LoadInitial());
  // With --drift-window 0 the object stays, inactive: GET /drift says drift is off.
  CHURNML_RETURN_IF_ERROR(ValidateLiveDriftOptions(options.drift));
  drift = std::make_unique<LiveDrift>(options.drift, RealClock());
  drift->Restart(slot.current());
  registry->AddCollector([d = drift.get()](monitoring::CollectorSink& sink) { d->Collect(sink); });
  metrics->RecordReload(
      true,
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());

  ScorerDeps deps;
  deps.slot = &slot;
  deps.metrics = metrics.get();
  deps.model_breaker = model_breaker.get();
  deps.health = health.get();
  deps.faults = options.fault_injection ? &faults : nullptr;
  deps.drift = drift.get();
  scorer = std::make_unique<Scorer>(options.scoring, deps);
  plan.lanes.push_back({"primary", scorer.get(), {}});
  CHURNML_RETURN_IF_ERROR(StartVariants(deps, &plan));
  if (!options.prediction_log.dir.empty()) {
    CHURNML_ASSIGN_OR_RETURN(prediction_log, PredictionLog::Open(options.prediction_log));
    plan.log = prediction_log.get();
    registry->AddCollector([l = prediction_log.get()](monitoring::CollectorSink& sink) {
      sink.AddCounter("churnml_prediction_log_dropped_total",
                      "Prediction-log lines dropped because the writer's queue was full.", {},
                      static_cast<double>(l->dropped()));
    });
  }
  CHURNML_RETURN_IF_ERROR(StartExperiments(&plan));
  groups.push_back(std::make_unique<PredictionRoutes>(options.prediction, plan));
  groups.push_back(std::make_unique<ExplainRoutes>(options.prediction, plan));
  groups.push_back(std::make_unique<ExperimentsRoutes>(experiments.get()));
  groups.push_back(std::make_unique<OipMetadataRoutes>(
      options.server_version.empty() ? std::string(kVersion) : options.server_version, &slot,
      health.get()));
  groups.push_back(std::make_unique<StatusRoutes>(StatusRoutesDeps{
      .slot = &slot,
      .metrics = metrics.get(),
      .health = health.get(),
      .drift = drift.get(),
      .started_at = std::chrono::system_clock::now(),
      .add_info =
          [this](nlohmann::json& body) {
            if (variants.empty()) return;
            nlohmann::json list = nlohmann::json::array();
            for (const VariantState& v : experiments->Snapshot().variants) {
              nlohmann::json entry = {{"name", v.name}, {"weight", v.weight}};
              if (!v.model.empty()) {
                entry["model"] = v.model;
                entry["version"] = v.version;
              }
              list.push_back(std::move(entry));
            }
            body["variants"] = std::move(list);
          },
  }));

  if (!options.alerts_file.empty()) {
    CHURNML_ASSIGN_OR_RETURN(monitoring::AlertRules rules,
                             monitoring::LoadAlertRules(options.alerts_file));
    CHURNML_ASSIGN_OR_RETURN(
        alerts, monitoring::AlertLoop::Create(
                    std::move(rules), [r = registry.get()] { return r->Collect(); }, RealClock()));
    registry->AddCollector([a = alerts.get()](monitoring::CollectorSink& sink) {
      a->ReportMetrics(sink);
      // Each channel's breaker, beside the server's own.
      for (const std::shared_ptr<monitoring::DeliveryQueue>& queue : a->queues()) {
        ReportBreakerState(sink, "alert:" + queue->channel_name(), queue->stats().breaker_state);
      }
    });
  }
  groups.push_back(std::make_unique<AdminRoutes>(
      alerts ? &alerts->evaluator() : nullptr, options.fault_injection ? &faults : nullptr,
      options.fault_injection ? &shadow_faults : nullptr));
  auto dashboard_group = std::make_unique<DashboardRoutes>(
      DashboardOptions{},
      DashboardDeps{.registry = registry.get(),
                    .slot = &slot,
                    .health = health.get(),
                    .drift = drift.get(),
                    .experiments = [this] { return ExperimentsJson(experiments->Snapshot()); }});
  dashboard = dashboard_group.get();
  groups.push_back(std::move(dashboard_group));
  for (const std::unique_ptr<RouteGroup>& group : groups) {
    CHURNML_RETURN_IF_ERROR(routes.Add(*group));
  }
  RequestGateOptions gate_options = options.gate;
  gate_options.open_paths = routes.open_paths();
  gate_options.browser_paths = routes.browser_paths();
  gate = std::make_unique<RequestGate>(gate_options, &keys, limiter.get(), metrics.get());

  CHURNML_ASSIGN_OR_RETURN(access_log, MakeAccessLogger(options.access_log));
  HttpServerOptions http_options = options.http;
  http_options.access_observer = [this](const AccessRecord& record) { Access(record); };
  HttpHandler handler = [this](HttpRequest& request, HttpResponse& response) {
    if (gate->Admit(request, response)) routes.router().Dispatch(request, response);
  };
  CHURNML_ASSIGN_OR_RETURN(http, HttpServer::Start(http_options, std::move(handler)));
  for (const FrontendFactory& start : options.frontends) {
    FrontendDeps shared{.scorer = scorer.get(),
                        .plan = &plan,
                        .slot = &slot,
                        .gate = gate.get(),
                        .metrics = metrics.get(),
                        .health = health.get(),
                        .max_batch = options.prediction.max_batch,
                        .max_message_bytes = options.http.max_body_bytes,
                        .server_version = options.server_version};
    CHURNML_ASSIGN_OR_RETURN(std::unique_ptr<Frontend> frontend, start(shared));
    frontends.push_back(std::move(frontend));
  }

  watcher->Start();
  for (const auto& v : variants) v->watcher->Start();
  if (alerts) alerts->Start();
  if (health) {
    ticker = std::thread([this] {
      while (true) {
        {
          MutexLock lock(&mu);
          const auto deadline = std::chrono::steady_clock::now() + health->config().interval;
          for (auto now = std::chrono::steady_clock::now(); !stopping && now < deadline;
               now = std::chrono::steady_clock::now()) {
            mu.WaitFor(wake, deadline - now);
          }
          if (stopping) return;
        }
        reliability::HealthState before = health->state();
        reliability::HealthReport report = health->Evaluate();
        if (report.state != before) {
          spdlog::warn("health {} -> {}: {}", reliability::HealthStateName(before),
                       reliability::HealthStateName(report.state),
                       report.reasons.empty() ? "every check is back within its threshold"
                                              : Join(report.reasons, "; "));
        }
      }
    });
  }
  return Status::Ok();
}

Status ServerRuntime::StartVariants(const ScorerDeps& primary, ScoringPlan* plan) {
  if (options.variants.empty()) return Status::Ok();
  if (options.variants.size() > kMaxVariants) {
    return InvalidArgumentError("at most " + std::to_string(kMaxVariants) + " --variant flags");
  }
  std::vector<double> weights{100};
  for (const VariantSpec& spec : options.variants) {
    for (const auto& other : variants) {
      if (other->spec.name == spec.name) {
        return InvalidArgumentError("--variant " + spec.name + " is given twice");
      }
    }
    weights[0] -= spec.weight;
    weights.push_back(spec.weight);
    auto v = std::make_unique<VariantRuntime>();
    v->spec = spec;
    CHURNML_ASSIGN_OR_RETURN(
        v->breaker, reliability::CircuitBreaker::Create("model:" + spec.name, options.model_breaker,
                                                        RealClock()));
    metrics->WatchBreaker(v->breaker.get());
    if (health) health->WatchBreaker(v->breaker.get(), reliability::HealthState::kDegraded);
    ModelWatcherOptions watch = options.model;
    watch.ref = spec.ref;
    VariantRuntime* raw = v.get();
    v->watcher =
        std::make_unique<ModelWatcher>(watch, *models, &v->slot, [raw, this](const ReloadEvent& e) {
          if (e.result == ReloadEvent::Result::kSwapped) {
            raw->breaker->Reset();
            metrics->RecordReload(true, std::chrono::duration<double>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count());
            spdlog::info("variant {} swapped: version {} -> {}", raw->spec.name, e.from_version,
                         e.to_version);
          } else if (e.result == ReloadEvent::Result::kFailed) {
            spdlog::error("variant {} reload failed; still serving version {}: {}", raw->spec.name,
                          e.from_version, e.error.message());
          }
        });
    Status loaded = v->watcher->LoadInitial();
    if (!loaded.ok()) {
      return Status(loaded.code(), "--variant " + spec.name + ": " + loaded.message());
    }
    if (!(v->slot.current()->artifact->schema() == slot.current()->artifact->schema())) {
      return FailedPreconditionError("--variant " + spec.name + " (" + spec.ref +
                                     ") reads another schema than --model " + options.model.ref +
                                     "; variants must read the primary's schema");
    }
    ScorerDeps lane_deps = primary;
    lane_deps.slot = &v->slot;
    lane_deps.model_breaker = v->breaker.get();
    lane_deps.drift = nullptr;  // live drift follows the primary model
    v->scorer = std::make_unique<Scorer>(options.scoring, lane_deps);
    variants.push_back(std::move(v));
  }
  if (!(weights[0] > 0)) {
    return InvalidArgumentError("--variant weights sum to " + FormatDouble(100 - weights[0]) +
                                "%: they must leave the primary model a share above 0");
  }
  CHURNML_ASSIGN_OR_RETURN(plan->lanes[0].series, metrics->Variant("primary"));
  for (const auto& v : variants) {
    ScoringLane lane{v->spec.name, v->scorer.get(), {}};
    CHURNML_ASSIGN_OR_RETURN(lane.series, metrics->Variant(v->spec.name));
    plan->lanes.push_back(std::move(lane));
  }
  registry->AddCollector([this](monitoring::CollectorSink& sink) {
    auto add = [&sink](const std::string& name, const ModelSlot& s) {
      if (std::shared_ptr<const ServedModel> m = s.current()) {
        sink.AddGauge("churnml_variant_info", "The model each A/B variant serves (always 1).",
                      {{"model", m->name}, {"variant", name}, {"version", m->version}}, 1);
      }
    };
    add("primary", slot);
    for (const auto& v : variants) add(v->spec.name, v->slot);
  });
  return Status::Ok();
}

Status ServerRuntime::StartExperiments(ScoringPlan* plan) {
  CHURNML_ASSIGN_OR_RETURN(
      shadow, Shadow::Create(options.shadow_options, prediction_log.get(), options.model_breaker));
  std::vector<ExperimentLane> lanes;
  double rest = 100;
  for (const auto& v : variants) rest -= v->spec.weight;
  lanes.push_back({"primary", options.model.ref, rest, &slot, plan->lanes[0].series.duration});
  for (size_t i = 0; i < variants.size(); ++i) {
    const VariantRuntime& v = *variants[i];
    lanes.push_back(
        {v.spec.name, v.spec.ref, v.spec.weight, &v.slot, plan->lanes[i + 1].series.duration});
  }
  CHURNML_ASSIGN_OR_RETURN(
      experiments, Experiments::Create(std::move(lanes), shadow.get(),
                                       [this](const std::string& ref) { return LoadShadow(ref); }));
  if (!options.shadow.empty()) {
    Result<std::shared_ptr<ShadowModel>> model = LoadShadow(options.shadow);
    if (!model.ok()) {
      return Status(model.status().code(),
                    "--shadow " + options.shadow + ": " + model.status().message());
    }
    shadow->SetModel(std::move(*model));
  }
  registry->AddCollector([s = shadow.get()](monitoring::CollectorSink& sink) {
    s->Collect(sink);
    if (s->enabled()) ReportBreakerState(sink, "model:shadow", s->breaker()->state());
  });
  plan->split = &experiments->split();
  plan->shadow = shadow.get();
  return Status::Ok();
}

Result<std::shared_ptr<ShadowModel>> ServerRuntime::LoadShadow(const std::string& ref) {
  auto model = std::make_shared<ShadowModel>();
  model->ref = ref;
  ModelWatcherOptions watch = options.model;
  watch.ref = ref;
  ShadowModel* raw = model.get();
  Shadow* owner = shadow.get();
  model->watcher = std::make_unique<ModelWatcher>(
      watch, *models, &model->slot, [raw, owner](const ReloadEvent& e) {
        if (e.result == ReloadEvent::Result::kSwapped) {
          owner->breaker()->Reset();
          spdlog::info("shadow {} swapped: version {} -> {}", raw->ref, e.from_version,
                       e.to_version);
        } else if (e.result == ReloadEvent::Result::kFailed) {
          spdlog::error("shadow {} reload failed; still comparing version {}: {}", raw->ref,
                        e.from_version, e.error.message());
        }
      });
  CHURNML_RETURN_IF_ERROR(model->watcher->LoadInitial());
  if (!(model->slot.current()->artifact->schema() == slot.current()->artifact->schema())) {
    return FailedPreconditionError("it reads another schema than --model " + options.model.ref +
                                   "; a shadow must read the primary's schema");
  }
  ScorerOptions scoring = options.scoring;
  scoring.fallback = false;  // a failed shadow call is counted, never answered for
  ScorerDeps deps;
  deps.slot = &model->slot;
  deps.metrics = metrics.get();
  deps.model_breaker = shadow->breaker();
  deps.faults = options.fault_injection ? &shadow_faults : nullptr;
  model->scorer = std::make_unique<Scorer>(scoring, deps);
  model->watcher->Start();
  return model;
}

void ServerRuntime::OnReload(const ReloadEvent& event) {
  double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  switch (event.result) {
    case ReloadEvent::Result::kUnchanged:
      if (!last_reload_error.empty()) {
        spdlog::info("model reference resolves again; serving version {}", event.from_version);
        last_reload_error.clear();
      }
      return;
    case ReloadEvent::Result::kSwapped:
      last_reload_error.clear();
      metrics->RecordReload(true, now);
      // A new version starts with a clean record.
      model_breaker->Reset();
      // The live drift window restarts against the new version's profile.
      if (drift) drift->Restart(slot.current());
      spdlog::info("model swapped: version {} -> {}", event.from_version, event.to_version);
      return;
    case ReloadEvent::Result::kFailed:
      metrics->RecordReload(false, now);
      if (event.error.message() == last_reload_error) return;
      last_reload_error = event.error.message();
      spdlog::error("model reload failed{}; still serving version {}: {}",
                    event.to_version.empty() ? "" : " for version " + event.to_version,
                    event.from_version, event.error.message());
      return;
  }
}

void ServerRuntime::Access(const AccessRecord& record) {
  metrics->RecordRequest(record.route, record.method, record.status, record.latency);
  if (!access_log) return;
  std::string line;
  line.reserve(256);
  line += R"({"ts":")";
  line += FormatUtcMillis(std::chrono::system_clock::now());
  line += R"(","method":")";
  AppendJsonEscaped(record.method, line);
  line += R"(","path":")";
  AppendJsonEscaped(record.path, line);
  line += R"(","route":")";
  AppendJsonEscaped(record.route, line);
  line += fmt::format(
      R"(","status":{},"latency_ms":{:.3f},"bytes":{},"request_id":")", record.status,
      std::chrono::duration<double, std::milli>(record.latency).count(), record.response_bytes);
  AppendJsonEscaped(record.request_id, line);
  line += R"(","remote":")";
  AppendJsonEscaped(record.remote_address, line);
  line += '"';
  for (const auto& [name, value] : record.response_headers) {
    if (name == "X-Churnml-Variant") {
      line += R"(,"variant":")";
      AppendJsonEscaped(value, line);
      line += '"';
    }
  }
  thread_local ModelSlot::Reader reader;  // no shared lock per logged request
  if (const std::shared_ptr<const ServedModel>& model = slot.Read(reader)) {
    line += R"(,"model_version":")";
    AppendJsonEscaped(model->version, line);
    line += '"';
  }
  line += '}';
  access_log->info(line);
}

void ServerRuntime::Stop() {
  std::call_once(stop_once, [this] {
    if (http) http->Stop();
    for (const std::unique_ptr<Frontend>& frontend : frontends) frontend->Stop();
    {
      MutexLock lock(&mu);
      stopping = true;
      wake.notify_all();
    }
    if (watcher) watcher->Stop();
    for (const auto& v : variants) v->watcher->Stop();
    if (shadow) {
      if (std::shared_ptr<ShadowModel> m = shadow->model()) m->watcher->Stop();
    }
    if (alerts) alerts->Stop();
    // Its ticker reads the metrics, whose collectors read `http`.
    if (dashboard) dashboard->Stop();
  });
}

void ServerRuntime::Wait() {
  if (http) http->Wait();
  for (const std::unique_ptr<Frontend>& frontend : frontends) frontend->Wait();
  if (ticker.joinable()) ticker.join();
  if (access_log) access_log->flush();
  if (shadow) shadow->Stop();  // the queued requests are scored and logged first
  if (prediction_log) prediction_log->Flush();
}

Result<std::unique_ptr<Server>> Server::Start(const ServeOptions& options,
                                              const ModelRegistry& registry) {
  std::unique_ptr<Server> server(new Server());
  server->runtime_ = std::make_unique<ServerRuntime>();
  CHURNML_RETURN_IF_ERROR(server->runtime_->Init(options, registry));
  return server;
}

Server::~Server() = default;

uint16_t Server::port() const { return runtime_->http->port(); }

std::string Server::Describe() const {
  std::shared_ptr<const ServedModel> model = runtime_->slot.current();
  return model ? model->name + " version " + model->version + " (" + model->kind + ")" : "nothing";
}

std::vector<std::string> Server::FrontendDescriptions() const {
  std::vector<std::string> out;
  for (const std::unique_ptr<Frontend>& frontend : runtime_->frontends) {
    out.push_back(frontend->Describe());
  }
  return out;
}

void Server::Reload() {
  runtime_->watcher->Trigger();
  for (const auto& v : runtime_->variants) v->watcher->Trigger();
  if (runtime_->shadow) {
    if (std::shared_ptr<ShadowModel> m = runtime_->shadow->model()) m->watcher->Trigger();
  }
}

Status Server::ApplyExperiments(const ExperimentConfig& config) {
  return runtime_->experiments->Apply(config);
}

const Experiments& Server::experiments() const { return *runtime_->experiments; }

void Server::Stop() { runtime_->Stop(); }

void Server::Wait() { runtime_->Wait(); }

}  // namespace churnml::serving
