#include "serving/route_group.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <utility>

namespace churnml::serving {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class FixedGroup : public RouteGroup {
 public:
  explicit FixedGroup(std::vector<RouteSpec> routes) : routes_(std::move(routes)) {}
  std::string_view name() const override { return "fixed"; }
  std::vector<RouteSpec> Routes() override { return routes_; }

 private:
  std::vector<RouteSpec> routes_;
};

RouteHandler Answer(std::string text) {
  return [text = std::move(text)](const HttpRequest&, HttpResponse& r) { r.body = text; };
}

TEST(RouteTable, RoutesEveryGroupAndCollectsTheOpenPaths) {
  FixedGroup a({{"GET", "/a", RouteAccess::kOpen, Answer("a")},
                {"POST", "/a", RouteAccess::kOpen, Answer("a-post")},
                {"GET", "/p/{id}", RouteAccess::kProtected, Answer("p")}});
  FixedGroup b({{"GET", "/b", RouteAccess::kProtected, Answer("b")}});
  RouteTable table;
  ASSERT_TRUE(table.Add(a).ok());
  ASSERT_TRUE(table.Add(b).ok());
  EXPECT_THAT(table.open_paths(), ElementsAre("/a"));
  HttpRequest request;
  request.method = "GET";
  request.path = "/p/42";
  HttpResponse response;
  table.router().Dispatch(request, response);
  EXPECT_EQ(response.body, "p");
  EXPECT_EQ(request.Param("id"), "42");
}

TEST(RouteTable, CollectsTheBrowserRoutesAsPathPrefixes) {
  FixedGroup group({{"GET", "/page", RouteAccess::kBrowser, Answer("page")},
                    {"GET", "/page/events", RouteAccess::kBrowser, Answer("events")},
                    {"GET", "/page/{asset}", RouteAccess::kBrowser, Answer("asset")},
                    {"GET", "/api", RouteAccess::kProtected, Answer("api")}});
  RouteTable table;
  ASSERT_TRUE(table.Add(group).ok());
  EXPECT_THAT(table.browser_paths(), ElementsAre("/page", "/page/events", "/page/"));
  EXPECT_TRUE(table.open_paths().empty());
}

TEST(RouteTable, AnOpenRouteMustBeALiteralPath) {
  FixedGroup group({{"GET", "/open/{id}", RouteAccess::kOpen, Answer("x")}});
  RouteTable table;
  Status added = table.Add(group);
  EXPECT_EQ(added.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(added.message(), HasSubstr("route group \"fixed\": GET /open/{id}"));
}

TEST(RouteTable, TheSameRouteInTwoGroupsIsRefusedNamingTheGroup) {
  FixedGroup a({{"GET", "/x", RouteAccess::kProtected, Answer("a")}});
  FixedGroup b({{"GET", "/x", RouteAccess::kProtected, Answer("b")}});
  RouteTable table;
  ASSERT_TRUE(table.Add(a).ok());
  Status added = table.Add(b);
  EXPECT_EQ(added.code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(added.message(), HasSubstr("route group \"fixed\": GET /x"));
}

}  // namespace
}  // namespace churnml::serving
