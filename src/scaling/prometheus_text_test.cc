#include "scaling/prometheus_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace churnml::scaling {
namespace {

TEST(PrometheusText, ReadsSamplesLabelsAndSkipsComments) {
  const std::string text =
      "# HELP churnml_http_requests_total HTTP requests.\n"
      "# TYPE churnml_http_requests_total counter\n"
      "churnml_http_requests_total{route=\"/predict\",method=\"POST\",code=\"200\"} 1027\n"
      "\n"
      "process_cpu_seconds_total 3.5 1700000000000\r\n"
      "weird{a=\"q\\\"uo\\\\te\\n\",} +Inf\n";
  Result<std::vector<PromSample>> samples = ParsePrometheusText(text);
  ASSERT_TRUE(samples.ok()) << samples.status().ToString();
  ASSERT_EQ(samples->size(), 3u);
  EXPECT_EQ((*samples)[0].name, "churnml_http_requests_total");
  EXPECT_EQ((*samples)[0].Label("route"), "/predict");
  EXPECT_EQ((*samples)[0].Label("code"), "200");
  EXPECT_EQ((*samples)[0].Label("missing"), "");
  EXPECT_DOUBLE_EQ((*samples)[0].value, 1027);
  EXPECT_DOUBLE_EQ((*samples)[1].value, 3.5);
  EXPECT_EQ((*samples)[2].Label("a"), "q\"uo\\te\n");
  EXPECT_TRUE(std::isinf((*samples)[2].value));
}

TEST(PrometheusText, NamesTheLineOfAMalformedSample) {
  for (const char* bad :
       {"ok 1\nm{a=\"x\" 1\n", "ok 1\nm{a=x} 1\n", "ok 1\nm 12abc\n", "ok 1\nm{a=\"x\\q\"} 1\n",
        "ok 1\n9m 1\n", "ok 1\nm\n", "ok 1\nm{a=\"unterminated} 1\n", "ok 1\nm 1 notatime\n",
        "ok 1\nm inf\n"}) {
    Result<std::vector<PromSample>> samples = ParsePrometheusText(bad);
    ASSERT_FALSE(samples.ok()) << bad;
    EXPECT_NE(samples.status().message().find("line 2"), std::string::npos)
        << samples.status().message();
  }
}

TEST(PrometheusText, RefusesTextOverTheByteLimit) {
  PrometheusTextLimits limits;
  limits.max_bytes = 100;
  const std::string text(101, '#');
  Result<std::vector<PromSample>> samples = ParsePrometheusText(text, limits);
  ASSERT_FALSE(samples.ok());
  EXPECT_NE(samples.status().message().find("100 byte limit"), std::string::npos);
}

TEST(PrometheusText, RefusesAnOverlongLineEvenAsAComment) {
  PrometheusTextLimits limits;
  limits.max_line_bytes = 64;
  const std::string text = "a 1\n# " + std::string(100, 'x') + "\n";
  Result<std::vector<PromSample>> samples = ParsePrometheusText(text, limits);
  ASSERT_FALSE(samples.ok());
  EXPECT_NE(samples.status().message().find("line 2"), std::string::npos);
}

TEST(PrometheusText, BoundsSamplesAndLabels) {
  PrometheusTextLimits limits;
  limits.max_samples = 3;
  EXPECT_FALSE(ParsePrometheusText("a 1\nb 1\nc 1\nd 1\n", limits).ok());
  EXPECT_TRUE(ParsePrometheusText("a 1\nb 1\nc 1\n", limits).ok());
  limits.max_labels = 2;
  Result<std::vector<PromSample>> many =
      ParsePrometheusText("m{a=\"1\",b=\"2\",c=\"3\"} 1\n", limits);
  ASSERT_FALSE(many.ok());
  EXPECT_NE(many.status().message().find("more than 2 labels"), std::string::npos);
}

TEST(PrometheusText, SurvivesBinaryGarbage) {
  std::string garbage;
  for (int i = 0; i < 4096; ++i) garbage += static_cast<char>((i * 131 + 7) % 256);
  // Whatever it decides, it decides without crashing and names a line.
  Result<std::vector<PromSample>> samples = ParsePrometheusText(garbage);
  if (!samples.ok()) {
    EXPECT_NE(samples.status().message().find("line"), std::string::npos);
  }
}

}  // namespace
}  // namespace churnml::scaling
