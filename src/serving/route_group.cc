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
  }
  return Status::Ok();
}

}  // namespace churnml::serving
