#include "serving/http/router.h"

#include <algorithm>
#include <utility>

namespace churnml::serving {

namespace {

// Splits "/a/b" into the segments after the leading '/': "a", "b". "/" is one
// empty segment. Views into `path`.
template <typename Fn>
void ForEachSegment(std::string_view path, Fn&& fn) {
  std::size_t pos = 1;
  while (true) {
    const std::size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) {
      fn(path.substr(pos));
      return;
    }
    fn(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
}

}  // namespace

Status Router::Add(std::string_view method, std::string_view pattern, RouteHandler handler) {
  if (method.empty()) {
    return InvalidArgumentError("route \"" + std::string(pattern) + "\": empty method");
  }
  if (pattern.empty() || pattern.front() != '/') {
    return InvalidArgumentError("route pattern \"" + std::string(pattern) +
                                "\" must start with '/'");
  }
  if (!handler) {
    return InvalidArgumentError("route " + std::string(method) + " " + std::string(pattern) +
                                ": empty handler");
  }
  Route route;
  route.method = std::string(method);
  route.pattern = std::string(pattern);
  route.handler = std::move(handler);
  Status status;
  ForEachSegment(pattern, [&](std::string_view segment) {
    if (!status.ok()) return;
    Segment compiled;
    const bool opens = segment.find('{') != std::string_view::npos;
    const bool closes = segment.find('}') != std::string_view::npos;
    if (opens || closes) {
      if (segment.size() < 3 || segment.front() != '{' || segment.back() != '}' ||
          segment.substr(1, segment.size() - 2).find_first_of("{}") != std::string_view::npos) {
        status = InvalidArgumentError("route pattern \"" + std::string(pattern) + "\": segment \"" +
                                      std::string(segment) +
                                      "\" must be a literal or a whole {name} parameter");
        return;
      }
      compiled.text = std::string(segment.substr(1, segment.size() - 2));
      compiled.is_param = true;
      for (const Segment& previous : route.segments) {
        if (previous.is_param && previous.text == compiled.text) {
          status = InvalidArgumentError("route pattern \"" + std::string(pattern) +
                                        "\": parameter {" + compiled.text + "} appears twice");
          return;
        }
      }
    } else {
      compiled.text = std::string(segment);
    }
    route.segments.push_back(std::move(compiled));
  });
  if (!status.ok()) return status;
  for (const Route& existing : routes_) {
    if (existing.method == route.method && existing.pattern == route.pattern) {
      return AlreadyExistsError("route " + route.method + " " + route.pattern +
                                " is already registered");
    }
  }
  routes_.push_back(std::move(route));
  return Status::Ok();
}

bool Router::MatchPath(const Route& route, std::string_view path, std::vector<HttpField>* params) {
  if (path.empty() || path.front() != '/') return false;
  std::size_t pos = 1;
  const std::size_t count = route.segments.size();
  for (std::size_t i = 0; i < count; ++i) {
    const Segment& segment = route.segments[i];
    std::size_t end = path.find('/', pos);
    const bool last_in_path = end == std::string_view::npos;
    if (last_in_path) end = path.size();
    // The path must run out exactly at the last pattern segment.
    if (last_in_path != (i + 1 == count)) return false;
    const std::string_view piece = path.substr(pos, end - pos);
    if (segment.is_param) {
      if (piece.empty()) return false;
      if (params != nullptr) params->push_back(HttpField{segment.text, piece});
    } else if (piece != segment.text) {
      return false;
    }
    pos = end + 1;
  }
  return true;
}

RouteMatch Router::Match(std::string_view method, std::string_view path,
                         std::vector<HttpField>& params) const {
  RouteMatch match;
  for (const Route& route : routes_) {
    if (route.method != method) continue;
    params.clear();
    if (MatchPath(route, path, &params)) {
      match.outcome = MatchOutcome::kFound;
      match.handler = &route.handler;
      match.pattern = route.pattern;
      return match;
    }
  }
  // HEAD is GET without the body (the server drops it), unless a route
  // registers HEAD itself.
  if (method == "HEAD") {
    RouteMatch as_get = Match("GET", path, params);
    if (as_get.outcome == MatchOutcome::kFound) return as_get;
  }
  params.clear();
  std::vector<std::string_view> allowed;
  for (const Route& route : routes_) {
    if (!MatchPath(route, path, nullptr)) continue;
    if (std::find(allowed.begin(), allowed.end(), route.method) != allowed.end()) continue;
    allowed.push_back(route.method);
    if (!match.allow.empty()) match.allow.append(", ");
    match.allow.append(route.method);
    if (route.method == "GET" &&
        std::find(allowed.begin(), allowed.end(), "HEAD") == allowed.end()) {
      allowed.push_back("HEAD");
      match.allow.append(", HEAD");
    }
  }
  if (!match.allow.empty()) match.outcome = MatchOutcome::kMethodNotAllowed;
  return match;
}

void Router::Dispatch(HttpRequest& request, HttpResponse& response) const {
  RouteMatch match = Match(request.method, request.path, request.params);
  switch (match.outcome) {
    case MatchOutcome::kFound:
      request.route = match.pattern;
      (*match.handler)(request, response);
      return;
    case MatchOutcome::kMethodNotAllowed: {
      request.route = {};
      std::string message = "method ";
      message.append(request.method).append(" not allowed for ").append(request.path);
      message.append("; allowed: ").append(match.allow);
      response.SetError(405, message);
      response.headers.emplace_back("Allow", std::move(match.allow));
      return;
    }
    case MatchOutcome::kNoRoute: {
      request.route = {};
      std::string message = "no route for ";
      message.append(request.method).append(" ").append(request.path);
      response.SetError(404, message);
      return;
    }
  }
}

HttpHandler Router::AsHandler() const {
  return [this](HttpRequest& request, HttpResponse& response) { Dispatch(request, response); };
}

}  // namespace churnml::serving
