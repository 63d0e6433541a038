// What every request passes before its handler: API-key authentication and
// the per-key rate limit. The open routes (each route group declares its
// own: health, readiness, metrics) stay open unless `protect_health` is
// set, so load balancers and Prometheus need no key.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/mutex.h"
#include "serving/api/api_keys.h"
#include "serving/api/rate_limiter.h"
#include "serving/http/http_message.h"
#include "serving/serving_metrics.h"

namespace churnml::serving {

struct RequestGateOptions {
  // Paths served without a key or rate limit: RouteTable::open_paths().
  std::vector<std::string> open_paths;
  bool protect_health = false;  // require a key on the open paths too
  // Paths a browser opens: RouteTable::browser_paths(). A path matches one
  // equal to it, or one ending in '/' that it starts with. Their 401 asks
  // for HTTP Basic credentials (WWW-Authenticate: Basic realm="churnml"),
  // which browsers prompt for; every other 401 asks for a Bearer token.
  std::vector<std::string> browser_paths;
  // Failed authentications are logged at most once per this interval per
  // client address (every one is counted in the metrics).
  std::chrono::seconds auth_log_interval{60};
};

// The log of failed authentications, rate-limited so a client trying keys
// (or a misconfigured one retrying) cannot flood the log: per client address
// (without the port), the first failure of an interval makes a line at
// once; the ones after it in the interval are only counted, and the next
// line says how many were not logged. At most kMaxClients addresses are
// tracked: past that, addresses whose interval is over are forgotten, and
// if none is, the new address shares one entry with the other untracked
// ones. Thread-safe (one mutex, taken on the failure path only).
class AuthFailureLog {
 public:
  static constexpr std::size_t kMaxClients = 4096;

  AuthFailureLog(const Clock& clock, std::chrono::seconds interval);

  // Records one failure; returns the line to log now, or "" when it is only
  // counted. Quotes at most 128 bytes of the method and path.
  std::string Record(std::string_view address, std::string_view reason, std::string_view method,
                     std::string_view path);

 private:
  struct Entry {
    Clock::TimePoint logged_at{};
    std::uint64_t unlogged = 0;
  };

  const Clock& clock_;
  const std::chrono::seconds interval_;
  Mutex mu_;
  std::unordered_map<std::string, Entry> clients_ CHURNML_GUARDED_BY(mu_);
};

class RequestGate {
 public:
  // `keys` empty: no authentication. `limiter` null: no rate limit.
  RequestGate(RequestGateOptions options, const ApiKeySet* keys, RateLimiter* limiter,
              ServingMetrics* metrics, const Clock& clock = RealClock());

  // True when the request may go on to its handler. Otherwise the response
  // is answered: 401 with WWW-Authenticate (Basic on the browser paths,
  // Bearer elsewhere), or 429 with Retry-After. Adds the X-RateLimit-*
  // headers to every rate-limited route's response. Both Bearer and Basic
  // credentials are accepted on every path (ApiKeySet::Authenticate).
  bool Admit(const HttpRequest& request, HttpResponse& response) const;

  // Whether `path` is one of the open paths (and protect_health is off).
  bool IsOpen(std::string_view path) const;
  // Whether `path` is one of the browser paths.
  bool IsBrowser(std::string_view path) const;

 private:
  RequestGateOptions options_;
  const ApiKeySet* keys_;
  RateLimiter* limiter_;
  ServingMetrics* metrics_;
  mutable AuthFailureLog auth_log_;
};

}  // namespace churnml::serving
