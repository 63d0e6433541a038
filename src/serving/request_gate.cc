#include "serving/request_gate.h"

#include <spdlog/spdlog.h>

#include <iterator>
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

constexpr std::size_t kLoggedRequestBytes = 128;
constexpr std::string_view kOtherClients = "(other addresses)";

std::string Printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, kLoggedRequestBytes)) out.push_back(c >= ' ' && c <= '~' ? c : '?');
  if (text.size() > kLoggedRequestBytes) out.append("...");
  return out;
}

}  // namespace

AuthFailureLog::AuthFailureLog(const Clock& clock, std::chrono::seconds interval)
    : clock_(clock), interval_(interval) {}

std::string AuthFailureLog::Record(std::string_view address, std::string_view reason,
                                   std::string_view method, std::string_view path) {
  const Clock::TimePoint now = clock_.Now();
  std::uint64_t unlogged = 0;
  std::string key(address);
  {
    MutexLock lock(&mu_);
    auto it = clients_.find(key);
    if (it == clients_.end() && clients_.size() >= kMaxClients) {
      for (auto old = clients_.begin(); old != clients_.end();) {
        old = now - old->second.logged_at >= interval_ ? clients_.erase(old) : std::next(old);
      }
      if (clients_.size() >= kMaxClients) key.assign(kOtherClients);
      it = clients_.find(key);
    }
    if (it != clients_.end() && now - it->second.logged_at < interval_) {
      ++it->second.unlogged;
      return {};
    }
    Entry& entry = it == clients_.end() ? clients_[key] : it->second;
    unlogged = entry.unlogged;
    entry.unlogged = 0;
    entry.logged_at = now;
  }
  std::string line = "authentication failed (" + std::string(reason) + ") for " +
                     Printable(method) + " " + Printable(path) + " from " + Printable(key);
  if (unlogged > 0) {
    line += "; " + std::to_string(unlogged) + " more from this address since the last line (one " +
            "line per " + std::to_string(interval_.count()) + " s per address)";
  }
  return line;
}

RequestGate::RequestGate(RequestGateOptions options, const ApiKeySet* keys, RateLimiter* limiter,
                         ServingMetrics* metrics, const Clock& clock)
    : options_(std::move(options)),
      keys_(keys),
      limiter_(limiter),
      metrics_(metrics),
      auth_log_(clock, options.auth_log_interval) {}

bool RequestGate::IsOpen(std::string_view path) const {
  if (options_.protect_health) return false;
  for (const std::string& open : options_.open_paths) {
    if (path == open) return true;
  }
  return false;
}

bool RequestGate::IsBrowser(std::string_view path) const {
  for (const std::string& browser : options_.browser_paths) {
    if (path == browser ||
        (!browser.empty() && browser.back() == '/' && path.starts_with(browser))) {
      return true;
    }
  }
  return false;
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
      // The address, never the presented key; rate-limited per address.
      const std::string line =
          auth_log_.Record(HostOf(request.remote_address), AuthStatusName(auth.status),
                           request.method, request.path);
      if (!line.empty()) spdlog::warn("{}", line);
      if (IsBrowser(request.path)) {
        // A browser prompts for Basic credentials (not for Bearer) and then
        // sends them with the page's own requests, the event stream too.
        response.SetError(401, missing ? "missing API key: sign in with the API key as the "
                                         "password (any user name), or send Authorization: "
                                         "Bearer <key>"
                                       : "invalid API key");
        response.headers.emplace_back("WWW-Authenticate",
                                      R"(Basic realm="churnml", charset="UTF-8")");
        return false;
      }
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
