#include "serving/request_gate.h"

#include <spdlog/spdlog.h>

#include <string>

namespace churnml::serving {

namespace {

// The client's address without its port: one rate-limit bucket per host
// when no API keys are configured.
std::string_view HostOf(std::string_view remote_address) {
  if (!remote_address.empty() && remote_address.front() == '[') {
    size_t close = remote_address.find(']');
    return close == std::string_view::npos ? remote_address : remote_address.substr(1, close - 1);
  }
  size_t colon = remote_address.rfind(':');
  return colon == std::string_view::npos ? remote_address : remote_address.substr(0, colon);
}

}  // namespace

RequestGate::RequestGate(RequestGateOptions options, const ApiKeySet* keys, RateLimiter* limiter,
                         ServingMetrics* metrics)
    : options_(options), keys_(keys), limiter_(limiter), metrics_(metrics) {}

bool RequestGate::IsOpen(std::string_view path) const {
  if (options_.protect_health) return false;
  return path == "/health" || path == "/ready" || path == "/metrics" || path == "/v2/health/live" ||
         path == "/v2/health/ready";
}

bool RequestGate::Admit(const HttpRequest& request, HttpResponse& response) const {
  bool authenticate = keys_ != nullptr && !keys_->empty();
  if ((!authenticate && limiter_ == nullptr) || IsOpen(request.path)) return true;
  std::string_view bucket = HostOf(request.remote_address);
  if (authenticate) {
    AuthOutcome auth = keys_->Authenticate(request.Header("Authorization"));
    if (!auth.ok()) {
      bool missing = auth.status == AuthStatus::kMissing;
      metrics_->RecordAuthFailure(missing);
      // The address, never the presented key.
      spdlog::warn("authentication failed ({}) for {} {} from {}", AuthStatusName(auth.status),
                   request.method, request.path, request.remote_address);
      response.SetError(
          401, missing ? "missing API key: send Authorization: Bearer <key>" : "invalid API key");
      response.headers.emplace_back("WWW-Authenticate",
                                    missing ? R"(Bearer realm="churnml")"
                                            : R"(Bearer realm="churnml", error="invalid_token")");
      return false;
    }
    bucket = auth.key_id;
  }
  if (limiter_ == nullptr) return true;
  RateLimitDecision decision = limiter_->Acquire(bucket);
  response.headers.emplace_back("X-RateLimit-Limit", std::to_string(decision.limit));
  response.headers.emplace_back("X-RateLimit-Remaining", std::to_string(decision.remaining));
  response.headers.emplace_back("X-RateLimit-Reset", std::to_string(decision.reset_seconds));
  if (decision.allowed) return true;
  metrics_->RecordRateLimited();
  response.SetError(429, "rate limit exceeded: retry after " +
                             std::to_string(decision.retry_after_seconds) + " s");
  response.headers.emplace_back("Retry-After", std::to_string(decision.retry_after_seconds));
  return false;
}

}  // namespace churnml::serving
