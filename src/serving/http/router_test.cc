#include "serving/http/router.h"

#include <gtest/gtest.h>

namespace churnml::serving {
namespace {

RouteHandler Reply(std::string body) {
  return [body = std::move(body)](const HttpRequest&, HttpResponse& response) {
    response.body = body;
  };
}

HttpRequest Request(std::string_view method, std::string_view path) {
  HttpRequest request;
  request.method = method;
  request.path = path;
  request.target = path;
  return request;
}

TEST(Router, MatchesLiteralRoute) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/health", Reply("h")).ok());
  std::vector<HttpField> params;
  const RouteMatch match = router.Match("GET", "/health", params);
  ASSERT_EQ(match.outcome, MatchOutcome::kFound);
  EXPECT_EQ(match.pattern, "/health");
  EXPECT_TRUE(params.empty());
}

TEST(Router, ExtractsParamsAndReportsThePattern) {
  Router router;
  ASSERT_TRUE(router.Add("POST", "/v2/models/{name}/infer", Reply("short")).ok());
  ASSERT_TRUE(router.Add("POST", "/v2/models/{name}/versions/{version}/infer", Reply("long")).ok());
  HttpRequest request = Request("POST", "/v2/models/churn/versions/7/infer");
  HttpResponse response;
  router.Dispatch(request, response);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "long");
  EXPECT_EQ(request.route, "/v2/models/{name}/versions/{version}/infer");
  EXPECT_EQ(request.Param("name"), "churn");
  EXPECT_EQ(request.Param("version"), "7");
}

TEST(Router, UnknownPathIs404NamingMethodAndPath) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/health", Reply("h")).ok());
  HttpRequest request = Request("GET", "/x");
  HttpResponse response;
  router.Dispatch(request, response);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.body, R"({"error":"no route for GET /x"})");
  EXPECT_EQ(request.route, "");
}

TEST(Router, WrongMethodIs405WithAllow) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/v2/models/{name}", Reply("g")).ok());
  ASSERT_TRUE(router.Add("DELETE", "/v2/models/{name}", Reply("d")).ok());
  ASSERT_TRUE(router.Add("POST", "/predict", Reply("p")).ok());
  HttpRequest request = Request("PUT", "/v2/models/churn");
  HttpResponse response;
  router.Dispatch(request, response);
  EXPECT_EQ(response.status, 405);
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].first, "Allow");
  EXPECT_EQ(response.headers[0].second, "GET, HEAD, DELETE");
}

TEST(Router, HeadFallsBackToGet) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/health", Reply("h")).ok());
  ASSERT_TRUE(router.Add("POST", "/predict", Reply("p")).ok());
  std::vector<HttpField> params;
  const RouteMatch match = router.Match("HEAD", "/health", params);
  EXPECT_EQ(match.outcome, MatchOutcome::kFound);
  EXPECT_EQ(match.pattern, "/health");
  EXPECT_EQ(router.Match("HEAD", "/predict", params).outcome, MatchOutcome::kMethodNotAllowed);
}

TEST(Router, SegmentCountMustMatchExactly) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/v2/models/{name}", Reply("m")).ok());
  std::vector<HttpField> params;
  EXPECT_EQ(router.Match("GET", "/v2/models", params).outcome, MatchOutcome::kNoRoute);
  EXPECT_EQ(router.Match("GET", "/v2/models/", params).outcome, MatchOutcome::kNoRoute);
  EXPECT_EQ(router.Match("GET", "/v2/models/a/b", params).outcome, MatchOutcome::kNoRoute);
  EXPECT_EQ(router.Match("GET", "/v2/models/a", params).outcome, MatchOutcome::kFound);
  EXPECT_EQ(router.Match("GET", "/v2/models/a/", params).outcome, MatchOutcome::kNoRoute);
}

TEST(Router, RootRoute) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/", Reply("root")).ok());
  std::vector<HttpField> params;
  EXPECT_EQ(router.Match("GET", "/", params).outcome, MatchOutcome::kFound);
  EXPECT_EQ(router.Match("GET", "/a", params).outcome, MatchOutcome::kNoRoute);
}

TEST(Router, LiteralRouteAddedFirstWinsOverParam) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/v2/models/ready", Reply("literal")).ok());
  ASSERT_TRUE(router.Add("GET", "/v2/models/{name}", Reply("param")).ok());
  HttpRequest request = Request("GET", "/v2/models/ready");
  HttpResponse response;
  router.Dispatch(request, response);
  EXPECT_EQ(response.body, "literal");
}

TEST(Router, RejectsBadPatterns) {
  Router router;
  EXPECT_EQ(router.Add("GET", "health", Reply("")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(router.Add("GET", "/a/{}", Reply("")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(router.Add("GET", "/a/{x", Reply("")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(router.Add("GET", "/a/x{y}", Reply("")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(router.Add("GET", "/a/{x}/{x}", Reply("")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(router.Add("", "/a", Reply("")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(router.Add("GET", "/a", RouteHandler()).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(router.Add("GET", "/a", Reply("")).ok());
  EXPECT_EQ(router.Add("GET", "/a", Reply("")).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(router.size(), 1u);
}

TEST(Router, AsHandlerDispatches) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/health", Reply("ok")).ok());
  const HttpHandler handler = router.AsHandler();
  HttpRequest request = Request("GET", "/health");
  HttpResponse response;
  handler(request, response);
  EXPECT_EQ(response.body, "ok");
  EXPECT_EQ(request.route, "/health");
}

}  // namespace
}  // namespace churnml::serving
