#include "serving/http/http_message.h"

#include <gtest/gtest.h>

namespace churnml::serving {
namespace {

TEST(HttpRequest, HeaderLookupIgnoresCase) {
  HttpRequest request;
  request.headers = {{"Content-Type", "application/json"}, {"X-Api-Key", "k1"}};
  EXPECT_EQ(request.Header("content-type"), "application/json");
  EXPECT_EQ(request.Header("X-API-KEY"), "k1");
  EXPECT_EQ(request.Header("Accept"), "");
}

TEST(HttpRequest, HeaderReturnsTheFirstOfRepeatedFields) {
  HttpRequest request;
  request.headers = {{"X-A", "1"}, {"x-a", "2"}};
  EXPECT_EQ(request.Header("X-A"), "1");
}

TEST(HttpRequest, ParamLookup) {
  HttpRequest request;
  request.params = {{"name", "churn"}, {"version", "3"}};
  EXPECT_EQ(request.Param("version"), "3");
  EXPECT_EQ(request.Param("missing"), "");
}

TEST(HttpResponse, SetErrorWritesEscapedJson) {
  HttpResponse response;
  response.SetError(400, "bad \"field\"\n\x01");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body, R"({"error":"bad \"field\"\n\u0001"})");
}

TEST(HttpResponse, ResetRestoresDefaults) {
  HttpResponse response;
  response.status = 500;
  response.content_type = "text/plain";
  response.body = "x";
  response.headers.emplace_back("A", "b");
  response.Reset();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_TRUE(response.body.empty());
  EXPECT_TRUE(response.headers.empty());
}

TEST(EqualsIgnoreCase, ComparesAsciiCaseInsensitively) {
  EXPECT_TRUE(EqualsIgnoreCase("Content-Length", "content-length"));
  EXPECT_FALSE(EqualsIgnoreCase("Content-Length", "content-lengt"));
  EXPECT_FALSE(EqualsIgnoreCase("a", "b"));
}

}  // namespace
}  // namespace churnml::serving
