// The live dashboard (docs/dashboard.md), one route group:
//   GET /dashboard            the page (HTML; script, style and icon below)
//   GET /dashboard/{asset}    dashboard.js, dashboard.css, favicon.svg
//   GET /dashboard/events     server-sent events: a JSON snapshot every
//                             `interval` (text/event-stream)
// All protected like /info. Every response carries
// Content-Security-Policy: default-src 'self' (the page loads nothing
// from anywhere else and runs no inline script).
//
// The snapshot is built from the server's own state by one ticker thread
// (not per client; started by the first GET /dashboard/events, so a server
// nobody watches does no dashboard work): request rate, latency percentiles, error and fallback
// rates from the metrics registry (the delta between ticks, so the figures
// are for the last seconds, not since start), health state and reasons,
// breaker states, the model served, A/B variants and the shadow comparison,
// and live drift per feature. At most `max_clients` event streams are open
// (503 beyond); a client that does not keep up misses snapshots instead of
// growing a buffer (serving/http/event_stream.h).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/mutex.h"
#include "monitoring/metric_sample.h"
#include "monitoring/metrics_registry.h"
#include "reliability/health_monitor.h"
#include "serving/http/event_stream.h"
#include "serving/live_drift.h"
#include "serving/model_slot.h"
#include "serving/route_group.h"

namespace churnml::serving {

// Request, error and fallback counts and the latency histogram summed over
// every route but the dashboard's own, as cumulative totals at one moment
// (from MetricsRegistry::Collect()).
struct TrafficTotals {
  double requests = 0;
  double server_errors = 0;        // 5xx
  double client_errors = 0;        // 4xx
  double predictions = 0;          // rows answered (churnml_predictions_total)
  double fallbacks = 0;            // rows the fallback chain answered
  std::vector<double> bounds;      // latency bucket upper bounds (s), +Inf last
  std::vector<double> cumulative;  // requests at or below each bound
};

TrafficTotals SumTraffic(const std::vector<monitoring::MetricSample>& samples);

// The latency quantile `q` (0..1) in seconds from the difference of two
// cumulative histograms, interpolated linearly inside the bucket (as
// Prometheus' histogram_quantile); NaN when no request fell between them.
double QuantileBetween(const TrafficTotals& older, const TrafficTotals& newer, double q);

// The traffic figures over a sliding window of ticks.
class TrafficWindow {
 public:
  explicit TrafficWindow(std::size_t ticks = 10) : ticks_(ticks) {}
  void Add(std::chrono::steady_clock::time_point at, TrafficTotals totals);
  // {"requests_total", "rate_per_second" (the last tick), "window_seconds",
  //  "latency_ms": {"p50","p95","p99"}, "error_rate", "client_error_rate",
  //  "fallback_rate", "predictions_per_second"}: rates over the window;
  // null where the window has no requests (or only one tick so far).
  nlohmann::json Json() const;

 private:
  struct Tick {
    std::chrono::steady_clock::time_point at;
    TrafficTotals totals;
  };
  std::size_t ticks_;
  std::deque<Tick> window_;
};

struct DashboardOptions {
  std::chrono::milliseconds interval{1000};    // between snapshots
  std::size_t max_clients = 16;                // open event streams
  std::size_t max_pending_bytes = 256 * 1024;  // per stream, not yet written
};

// What the group reads; it owns none of it. `registry` and `slot` are
// required, the rest may be null/empty.
struct DashboardDeps {
  const monitoring::MetricsRegistry* registry = nullptr;
  const ModelSlot* slot = nullptr;
  const reliability::HealthMonitor* health = nullptr;
  const LiveDrift* drift = nullptr;
  // The A/B variants and the shadow comparison: GET /experiments' body
  // ({"variants": [...], "shadow": {...}}). Empty: the variants come from
  // the churnml_variant_info series and there is no shadow panel.
  std::function<nlohmann::json()> experiments;
};

class DashboardRoutes : public RouteGroup {
 public:
  DashboardRoutes(DashboardOptions options, DashboardDeps deps);
  // Stops the ticker and finishes every open stream.
  ~DashboardRoutes() override;
  DashboardRoutes(const DashboardRoutes&) = delete;
  DashboardRoutes& operator=(const DashboardRoutes&) = delete;

  std::string_view name() const override { return "dashboard"; }
  std::vector<RouteSpec> Routes() override;

  void Page(const HttpRequest& request, HttpResponse& response) const;
  void Asset(const HttpRequest& request, HttpResponse& response) const;
  void Events(const HttpRequest& request, HttpResponse& response);

  // One snapshot now (the ticker's work; tests call it directly).
  nlohmann::json Snapshot() CHURNML_EXCLUDES(snapshot_mu_);
  // Builds a snapshot and sends it to every open stream.
  void Tick() CHURNML_EXCLUDES(mu_, snapshot_mu_);
  // Stops the ticker and finishes the streams. Idempotent.
  void Stop() CHURNML_EXCLUDES(mu_);

  std::size_t clients() const { return hub_.subscribers(); }

 private:
  void StartTicker() CHURNML_EXCLUDES(mu_);

  DashboardOptions options_;
  DashboardDeps deps_;
  std::chrono::steady_clock::time_point started_;
  EventBroadcaster hub_;

  Mutex snapshot_mu_;  // serializes Snapshot (the window)
  TrafficWindow traffic_ CHURNML_GUARDED_BY(snapshot_mu_);
  std::string last_event_ CHURNML_GUARDED_BY(snapshot_mu_);  // for new subscribers
  std::uint64_t sequence_ CHURNML_GUARDED_BY(snapshot_mu_) = 0;

  Mutex mu_;
  std::condition_variable wake_;
  bool stopping_ CHURNML_GUARDED_BY(mu_) = false;
  std::thread ticker_ CHURNML_GUARDED_BY(mu_);
};

}  // namespace churnml::serving
