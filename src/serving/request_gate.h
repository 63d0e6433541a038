// What every request passes before its handler: API-key authentication and
// the per-key rate limit. Health, readiness and metrics endpoints stay open
// unless `protect_health` is set, so load balancers and Prometheus need no
// key.
#pragma once

#include "serving/api/api_keys.h"
#include "serving/api/rate_limiter.h"
#include "serving/http/http_message.h"
#include "serving/serving_metrics.h"

namespace churnml::serving {

struct RequestGateOptions {
  bool protect_health = false;  // require a key on /health, /ready, /metrics, /v2/health/*
};

class RequestGate {
 public:
  // `keys` empty: no authentication. `limiter` null: no rate limit.
  RequestGate(RequestGateOptions options, const ApiKeySet* keys, RateLimiter* limiter,
              ServingMetrics* metrics);

  // True when the request may go on to its handler. Otherwise the response
  // is answered: 401 with WWW-Authenticate, or 429 with Retry-After. Adds the
  // X-RateLimit-* headers to every rate-limited route's response.
  bool Admit(const HttpRequest& request, HttpResponse& response) const;

  // Whether `path` is an open (health or metrics) endpoint.
  bool IsOpen(std::string_view path) const;

 private:
  RequestGateOptions options_;
  const ApiKeySet* keys_;
  RateLimiter* limiter_;
  ServingMetrics* metrics_;
};

}  // namespace churnml::serving
