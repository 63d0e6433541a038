// `churnml serve` as a library: loads the model, starts the HTTP server
// with every route, the model watcher (hot swap), the health ticker and
// the metrics, and stops them in order. The CLI adds flags and signals.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "models/model_registry.h"
#include "reliability/circuit_breaker.h"
#include "reliability/health_monitor.h"
#include "serving/api/api_keys.h"
#include "serving/api/rate_limiter.h"
#include "serving/experiments.h"
#include "serving/frontend.h"
#include "serving/http/http_server.h"
#include "serving/live_drift.h"
#include "serving/model_watcher.h"
#include "serving/prediction_log.h"
#include "serving/prediction_routes.h"
#include "serving/request_gate.h"
#include "serving/scorer.h"
#include "serving/shadow.h"
#include "serving/variant_split.h"

namespace churnml::serving {

struct ServeOptions {
  ModelWatcherOptions model;
  HttpServerOptions http;
  PredictionRoutesOptions prediction;
  ScorerOptions scoring;
  bool fault_injection = false;  // expose /admin/faults
  std::string server_version;    // GET /v2
  RequestGateOptions gate;
  ApiKeySources keys;  // none given: no authentication (see below)
  // Without keys, serving on an address other than loopback is refused
  // unless this is set (--allow-unauthenticated); on loopback it is
  // allowed with one warning.
  bool allow_unauthenticated = false;
  double rate_limit = 0;         // requests per second per key (or client host); 0 = off
  double rate_burst = 0;         // bucket size; 0 = max(1, rate)
  bool instrumentation = true;   // metrics, stage profiler and health tracking
  std::string access_log = "-";  // "-" = stderr, "off", or a file (appended)
  std::string alerts_file;       // alert rules (YAML); empty = no alerting
  LiveDriftOptions drift;        // live drift of scored customers (window 0 = off)
  // A/B variants beside the primary model (--variant); each is loaded and
  // watched like the primary, with its own breaker and fallback chain, and
  // must read the primary's schema. The primary takes 100% minus theirs.
  std::vector<VariantSpec> variants;
  // The shadow model (--shadow REF; "" = off): scores every model-answered
  // request off the request path and is compared with the answers
  // (shadow.h). It must read the primary's schema. A SIGHUP reload can turn
  // it on, off or to another reference (Server::ApplyExperiments).
  std::string shadow;
  ShadowOptions shadow_options;
  // Every answered customer (--prediction-log DIR); dir empty = off.
  PredictionLogOptions prediction_log;
  reliability::CircuitBreakerConfig model_breaker = DefaultModelBreaker();
  // Around the registry store (resolving the alias) and loading a new
  // version during a hot swap.
  reliability::CircuitBreakerConfig store_breaker = DefaultRemoteBreaker();
  reliability::CircuitBreakerConfig load_breaker = DefaultRemoteBreaker();
  reliability::HealthConfig health;
  // Protocol front ends started beside HTTP once the server is up (the gRPC
  // one: serving/grpc/grpc_frontend.h), sharing its gate, scorer and metrics.
  std::vector<FrontendFactory> frontends;

  // Opens after 50% failed or slow calls among at least 20 of the last 100,
  // a call over 250 ms is slow, and probes again after 5 s.
  static reliability::CircuitBreakerConfig DefaultModelBreaker();
  // Opens when half of the last 10 calls (and at least 3) failed, and
  // probes again after 5 s with one call.
  static reliability::CircuitBreakerConfig DefaultRemoteBreaker();
};

class ServerRuntime;

class Server {
 public:
  // Everything up and answering, or the first error (bad option, key file,
  // no keys on a non-loopback address without allow_unauthenticated
  // (FailedPrecondition), model that fails to load or to pass its smoke
  // prediction, port in use).
  static Result<std::unique_ptr<Server>> Start(const ServeOptions& options,
                                               const ModelRegistry& registry);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const;
  // What is being served, for the start-up line: "churn version 3".
  std::string Describe() const;
  // Each front end's Describe(), in ServeOptions::frontends order.
  std::vector<std::string> FrontendDescriptions() const;
  // Checks the registry now (SIGHUP).
  void Reload();
  // Changes the variant weights and the shadow at run time (SIGHUP reload
  // of the config file; experiments.h has the rules). Nothing changes on
  // an error. Thread-safe.
  Status ApplyExperiments(const ExperimentConfig& config);
  // The A/B and shadow state (GET /experiments, the dashboard).
  const Experiments& experiments() const;
  // Stops accepting, drains in-flight requests (SIGTERM). Idempotent.
  void Stop();
  // Blocks until drained and every background thread has ended.
  void Wait();

 private:
  Server() = default;
  std::unique_ptr<ServerRuntime> runtime_;
};

}  // namespace churnml::serving
