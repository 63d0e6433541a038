#include "serving/dashboard_routes.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <utility>

#include "common/json_dump.h"
#include "common/time_format.h"
#include "serving/dashboard/dashboard_assets.h"

namespace churnml::serving {

namespace {

using Json = nlohmann::json;
using monitoring::MetricSample;

constexpr std::string_view kPolicy = "default-src 'self'";
constexpr std::string_view kDashboardPrefix = "/dashboard";

std::string_view Label(const MetricSample& sample, std::string_view name) {
  for (const auto& [key, value] : sample.labels) {
    if (key == name) return value;
  }
  return {};
}

bool IsDashboardRoute(std::string_view route) {
  return route.substr(0, kDashboardPrefix.size()) == kDashboardPrefix;
}

double ParseBound(std::string_view text) {
  if (text == "+Inf") return std::numeric_limits<double>::infinity();
  double value = std::numeric_limits<double>::quiet_NaN();
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

Json NumberOrNull(double value) { return std::isfinite(value) ? Json(value) : Json(nullptr); }

std::string_view ContentTypeOf(std::string_view name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  if (name.ends_with(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

const DashboardAsset* FindAsset(std::string_view name) {
  for (const DashboardAsset& asset : DashboardAssets()) {
    if (asset.name == name) return &asset;
  }
  return nullptr;
}

void ServeAsset(const DashboardAsset& asset, HttpResponse& response) {
  response.status = 200;
  response.content_type = ContentTypeOf(asset.name);
  response.body.assign(asset.bytes);
  response.headers.emplace_back("Content-Security-Policy", std::string(kPolicy));
}

}  // namespace

TrafficTotals SumTraffic(const std::vector<MetricSample>& samples) {
  TrafficTotals totals;
  std::map<double, double> buckets;
  for (const MetricSample& sample : samples) {
    if (sample.name == "churnml_http_requests_total") {
      if (IsDashboardRoute(Label(sample, "route"))) continue;
      totals.requests += sample.value;
      const std::string_view code = Label(sample, "code");
      if (!code.empty() && code.front() == '5') totals.server_errors += sample.value;
      if (!code.empty() && code.front() == '4') totals.client_errors += sample.value;
    } else if (sample.name == "churnml_http_request_duration_seconds_bucket") {
      if (IsDashboardRoute(Label(sample, "route"))) continue;
      const double bound = ParseBound(Label(sample, "le"));
      if (!std::isnan(bound)) buckets[bound] += sample.value;
    } else if (sample.name == "churnml_predictions_total") {
      totals.predictions += sample.value;
    } else if (sample.name == "churnml_fallbacks_total") {
      totals.fallbacks += sample.value;
    }
  }
  for (const auto& [bound, count] : buckets) {
    totals.bounds.push_back(bound);
    totals.cumulative.push_back(count);
  }
  return totals;
}

double QuantileBetween(const TrafficTotals& older, const TrafficTotals& newer, double q) {
  const std::size_t n = newer.bounds.size();
  if (n == 0) return std::numeric_limits<double>::quiet_NaN();
  const bool same_buckets = older.bounds == newer.bounds;
  auto count = [&](std::size_t i) {
    return newer.cumulative[i] - (same_buckets ? older.cumulative[i] : 0.0);
  };
  const double total = count(n - 1);
  if (!(total > 0)) return std::numeric_limits<double>::quiet_NaN();
  const double rank = std::clamp(q, 0.0, 1.0) * total;
  for (std::size_t i = 0; i < n; ++i) {
    if (count(i) < rank) continue;
    if (std::isinf(newer.bounds[i])) {
      // Above the last finite bound: that bound is all that is known.
      return i > 0 ? newer.bounds[i - 1] : std::numeric_limits<double>::quiet_NaN();
    }
    const double lower = i > 0 ? newer.bounds[i - 1] : 0.0;
    const double below = i > 0 ? count(i - 1) : 0.0;
    const double in_bucket = count(i) - below;
    if (!(in_bucket > 0)) return newer.bounds[i];
    return lower + (newer.bounds[i] - lower) * (rank - below) / in_bucket;
  }
  return newer.bounds[n - 1];
}

void TrafficWindow::Add(std::chrono::steady_clock::time_point at, TrafficTotals totals) {
  window_.push_back({at, std::move(totals)});
  while (window_.size() > ticks_ + 1) window_.pop_front();
}

Json TrafficWindow::Json() const {
  nlohmann::json out = {{"requests_total", nullptr},
                        {"rate_per_second", nullptr},
                        {"window_seconds", nullptr},
                        {"latency_ms", {{"p50", nullptr}, {"p95", nullptr}, {"p99", nullptr}}},
                        {"error_rate", nullptr},
                        {"client_error_rate", nullptr},
                        {"fallback_rate", nullptr},
                        {"predictions_per_second", nullptr}};
  if (window_.empty()) return out;
  const Tick& newest = window_.back();
  out["requests_total"] = newest.totals.requests;
  if (window_.size() < 2) return out;
  const Tick& previous = window_[window_.size() - 2];
  const Tick& oldest = window_.front();
  const double last_seconds = std::chrono::duration<double>(newest.at - previous.at).count();
  const double seconds = std::chrono::duration<double>(newest.at - oldest.at).count();
  if (last_seconds > 0) {
    out["rate_per_second"] =
        std::max(0.0, newest.totals.requests - previous.totals.requests) / last_seconds;
  }
  if (!(seconds > 0)) return out;
  out["window_seconds"] = seconds;
  const double requests = newest.totals.requests - oldest.totals.requests;
  const double predictions = newest.totals.predictions - oldest.totals.predictions;
  out["predictions_per_second"] = std::max(0.0, predictions) / seconds;
  if (requests > 0) {
    out["error_rate"] = (newest.totals.server_errors - oldest.totals.server_errors) / requests;
    out["client_error_rate"] =
        (newest.totals.client_errors - oldest.totals.client_errors) / requests;
    out["latency_ms"] = {
        {"p50", NumberOrNull(1000 * QuantileBetween(oldest.totals, newest.totals, 0.50))},
        {"p95", NumberOrNull(1000 * QuantileBetween(oldest.totals, newest.totals, 0.95))},
        {"p99", NumberOrNull(1000 * QuantileBetween(oldest.totals, newest.totals, 0.99))}};
  }
  if (predictions > 0) {
    out["fallback_rate"] =
        std::min(1.0, (newest.totals.fallbacks - oldest.totals.fallbacks) / predictions);
  }
  return out;
}

DashboardRoutes::DashboardRoutes(DashboardOptions options, DashboardDeps deps)
    : options_(options),
      deps_(std::move(deps)),
      started_(std::chrono::steady_clock::now()),
      hub_(options.max_clients, options.max_pending_bytes) {}

void DashboardRoutes::StartTicker() {
  MutexLock lock(&mu_);
  if (stopping_ || ticker_.joinable()) return;
  ticker_ = std::thread([this] {
    while (true) {
      {
        MutexLock lock(&mu_);
        if (stopping_) return;
      }
      Tick();
      MutexLock lock(&mu_);
      const auto deadline = std::chrono::steady_clock::now() + options_.interval;
      for (auto now = std::chrono::steady_clock::now(); !stopping_ && now < deadline;
           now = std::chrono::steady_clock::now()) {
        mu_.WaitFor(wake_, deadline - now);
      }
    }
  });
}

DashboardRoutes::~DashboardRoutes() { Stop(); }

void DashboardRoutes::Stop() {
  std::thread ticker;
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    ticker.swap(ticker_);
  }
  wake_.notify_all();
  if (ticker.joinable()) ticker.join();
  hub_.Shutdown();
}

std::vector<RouteSpec> DashboardRoutes::Routes() {
  return {
      {"GET", "/dashboard", RouteAccess::kBrowser,
       [this](const HttpRequest& q, HttpResponse& r) { Page(q, r); }},
      {"GET", "/dashboard/events", RouteAccess::kBrowser,
       [this](const HttpRequest& q, HttpResponse& r) { Events(q, r); }},
      {"GET", "/dashboard/{asset}", RouteAccess::kBrowser,
       [this](const HttpRequest& q, HttpResponse& r) { Asset(q, r); }},
  };
}

void DashboardRoutes::Page(const HttpRequest&, HttpResponse& response) const {
  const DashboardAsset* page = FindAsset("index.html");
  if (page == nullptr) {
    response.SetError(500, "the dashboard page is not in this build");
    return;
  }
  ServeAsset(*page, response);
}

void DashboardRoutes::Asset(const HttpRequest& request, HttpResponse& response) const {
  const std::string_view name = request.Param("asset");
  const DashboardAsset* asset = name == "index.html" ? nullptr : FindAsset(name);
  if (asset == nullptr) {
    response.SetError(404, "no dashboard file " + std::string(name.substr(0, 64)));
    return;
  }
  ServeAsset(*asset, response);
}

void DashboardRoutes::Events(const HttpRequest&, HttpResponse& response) {
  StartTicker();
  std::shared_ptr<EventStream> stream = hub_.Subscribe();
  if (!stream) {
    response.SetError(503, "the dashboard serves at most " + std::to_string(options_.max_clients) +
                               " event streams at once; close one and retry");
    response.headers.emplace_back("Retry-After", "5");
    return;
  }
  // The browser reconnects after 2 s when the stream ends; the latest
  // snapshot goes out at once so the page fills before the next tick.
  std::string first = "retry: 2000\n\n";
  {
    MutexLock lock(&snapshot_mu_);
    first += last_event_;
  }
  stream->Send(first);
  response.status = 200;
  response.content_type = "text/event-stream; charset=utf-8";
  response.headers.emplace_back("Content-Security-Policy", std::string(kPolicy));
  response.headers.emplace_back("X-Accel-Buffering", "no");
  response.stream = std::move(stream);
}

Json DashboardRoutes::Snapshot() {
  Json out;
  out["time"] = FormatUtcMillis(std::chrono::system_clock::now());
  out["uptime_seconds"] =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();

  const std::vector<MetricSample> samples = deps_.registry->Collect();
  Json breakers = Json::array();
  Json variant_info = Json::array();
  for (const MetricSample& sample : samples) {
    if (sample.name == "churnml_circuit_breaker_state" && sample.value == 1) {
      breakers.push_back({{"name", Label(sample, "breaker")}, {"state", Label(sample, "state")}});
    } else if (sample.name == "churnml_variant_info" && sample.value == 1) {
      variant_info.push_back({{"name", Label(sample, "variant")},
                              {"model", Label(sample, "model")},
                              {"version", Label(sample, "version")}});
    }
  }
  out["breakers"] = std::move(breakers);

  if (std::shared_ptr<const ServedModel> model = deps_.slot->current()) {
    out["model"] = {{"name", model->name}, {"version", model->version}, {"kind", model->kind}};
  } else {
    out["model"] = nullptr;
  }
  out["variants"] = std::move(variant_info);
  out["shadow"] = nullptr;
  if (deps_.experiments) {
    Json experiments = deps_.experiments();
    if (experiments.contains("variants")) out["variants"] = experiments["variants"];
    if (experiments.contains("shadow")) out["shadow"] = experiments["shadow"];
  }

  if (deps_.health != nullptr) {
    std::shared_ptr<const reliability::HealthReport> report = deps_.health->current();
    out["health"] = {{"state", reliability::HealthStateName(report->state)},
                     {"reasons", report->reasons},
                     {"judged", report->judged},
                     {"baseline_ready", report->baseline_ready},
                     {"evaluated_at", report->intervals_evaluated > 0
                                          ? Json(FormatUtcMillis(report->evaluated_at))
                                          : Json(nullptr)}};
  } else {
    out["health"] = {{"state", "healthy"},
                     {"reasons", Json::array()},
                     {"judged", false},
                     {"baseline_ready", false},
                     {"evaluated_at", nullptr}};
  }

  Json drift = {{"enabled", false}, {"reason", "live drift is off"}, {"features", Json::array()}};
  if (deps_.drift != nullptr && deps_.drift->active()) {
    const LiveDriftSnapshot snap = deps_.drift->Snapshot();
    const LiveDriftOptions& drift_options = deps_.drift->options();
    const bool sufficient = snap.enabled && snap.rows >= drift_options.min_rows;
    drift = {{"enabled", snap.enabled},
             {"reason", snap.enabled ? Json(nullptr) : Json(snap.reason)},
             {"rows", snap.rows},
             {"min_rows", drift_options.min_rows},
             {"window_seconds", drift_options.window.count()},
             {"sufficient_rows", sufficient},
             {"model", snap.model},
             {"version", snap.version},
             {"features", Json::array()}};
    if (sufficient) {
      for (const HistogramDrift& feature : snap.comparison.features) {
        drift["features"].push_back({{"name", feature.name},
                                     {"psi", NumberOrNull(feature.psi)},
                                     {"psi_threshold", feature.threshold.psi},
                                     {"drifted", feature.drifted}});
      }
      drift["drifted_features"] = snap.comparison.drifted_features;
      drift["score_psi"] =
          snap.comparison.score ? NumberOrNull(snap.comparison.score->psi) : Json(nullptr);
    }
  }
  out["drift"] = std::move(drift);

  MutexLock lock(&snapshot_mu_);
  traffic_.Add(std::chrono::steady_clock::now(), SumTraffic(samples));
  out["traffic"] = traffic_.Json();
  out["sequence"] = ++sequence_;
  out["dashboard"] = {{"clients", hub_.subscribers()},
                      {"max_clients", options_.max_clients},
                      {"dropped_events", hub_.dropped()},
                      {"interval_ms", options_.interval.count()}};
  return out;
}

void DashboardRoutes::Tick() {
  Json snapshot = Snapshot();
  std::string event = FormatServerSentEvent("snapshot", DumpJson(snapshot));
  {
    MutexLock lock(&snapshot_mu_);
    last_event_ = event;
  }
  hub_.Publish(event);
}

}  // namespace churnml::serving
