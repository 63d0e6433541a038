// Method + path-pattern routing with {param} segments, e.g.
//   router.Add("POST", "/v2/models/{name}/versions/{version}/infer", handler);
// Patterns are literal segments and whole-segment parameters; no regex, no
// wildcards. Matching is a linear scan over the compiled routes comparing
// string_views against the path, with no allocation on a hit (params go into
// the request's reused vector).
//
// Thread safety: Add only before the server starts; Match and Dispatch are
// const and safe from any number of threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "serving/http/http_message.h"

namespace churnml::serving {

using RouteHandler = std::function<void(const HttpRequest&, HttpResponse&)>;

enum class MatchOutcome {
  kFound,
  kNoRoute,           // no pattern matches the path: 404
  kMethodNotAllowed,  // a pattern matches, for other methods only: 405
};

struct RouteMatch {
  MatchOutcome outcome = MatchOutcome::kNoRoute;
  const RouteHandler* handler = nullptr;  // set when kFound
  std::string_view pattern;               // set when kFound; owned by the Router
  std::string allow;                      // "GET, POST" when kMethodNotAllowed
};

class Router {
 public:
  // Registers `handler` for `method` (exact, e.g. "GET") on `pattern`.
  // InvalidArgument when the method is empty or the pattern does not start
  // with '/', holds an empty or unbalanced {param}, or repeats a param name;
  // AlreadyExists when the same method and pattern were added before.
  Status Add(std::string_view method, std::string_view pattern, RouteHandler handler);

  // Finds the route for `method` and `path` (no query string). On kFound,
  // `params` (cleared first) holds the {param} values as views into `path`.
  RouteMatch Match(std::string_view method, std::string_view path,
                   std::vector<HttpField>& params) const;

  // Match, then: found → request.route/params are set and the handler runs;
  // no route → 404 {"error":"no route for GET /x"}; wrong method → 405 with
  // an Allow header.
  void Dispatch(HttpRequest& request, HttpResponse& response) const;

  // An HttpHandler that calls Dispatch. The Router must outlive its use.
  HttpHandler AsHandler() const;

  std::size_t size() const { return routes_.size(); }

 private:
  struct Segment {
    std::string text;  // literal text, or the parameter name
    bool is_param = false;
  };
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<Segment> segments;
    RouteHandler handler;
  };

  static bool MatchPath(const Route& route, std::string_view path, std::vector<HttpField>* params);

  std::vector<Route> routes_;
};

}  // namespace churnml::serving
