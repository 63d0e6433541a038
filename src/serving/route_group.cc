#include "serving/route_group.h"

#include <algorithm>
#include <utility>

namespace churnml::serving {

Status RouteTable::Add(RouteGroup& group) {
  for (RouteSpec& route : group.Routes()) {
    const std::string where =
        "route group \"" + std::string(group.name()) + "\": " + route.method + " " + route.pattern;
    if (route.access == RouteAccess::kOpen && route.pattern.find('{') != std::string::npos) {
      return InvalidArgumentError(where + ": an open route must be a literal path");
    }
    Status added = router_.Add(route.method, route.pattern, std::move(route.handler));
    if (!added.ok()) return Status(added.code(), where + ": " + added.message());
    if (route.access == RouteAccess::kOpen &&
        std::find(open_paths_.begin(), open_paths_.end(), route.pattern) == open_paths_.end()) {
      open_paths_.push_back(route.pattern);
    }
    if (route.access == RouteAccess::kBrowser) {
      std::string prefix = route.pattern.substr(0, route.pattern.find('{'));
      if (std::find(browser_paths_.begin(), browser_paths_.end(), prefix) == browser_paths_.end()) {
        browser_paths_.push_back(std::move(prefix));
      }
    }
  }
  return Status::Ok();
}

}  // namespace churnml::serving
