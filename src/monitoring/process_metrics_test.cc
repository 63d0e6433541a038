#include "monitoring/process_metrics.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "monitoring/stage_profiler.h"

extern char** environ;

namespace churnml::monitoring {
namespace {

std::map<std::string, double> UnlabelledValues(const MetricsRegistry& registry) {
  std::map<std::string, double> values;
  for (const MetricSample& s : registry.Collect()) {
    if (s.labels.empty()) values[s.name] = s.value;
  }
  return values;
}

TEST(ProcessMetrics, ReportsSaneValuesForThisProcess) {
  MetricsRegistry registry;
  RegisterProcessMetrics(registry);
  std::map<std::string, double> v = UnlabelledValues(registry);
  EXPECT_GT(v["churnml_process_resident_memory_bytes"], 0);
  EXPECT_GE(v["churnml_process_virtual_memory_bytes"], v["churnml_process_resident_memory_bytes"]);
  EXPECT_GT(v["churnml_process_open_fds"], 0);
  EXPECT_GE(v["churnml_process_max_fds"], v["churnml_process_open_fds"]);
  EXPECT_GE(v["churnml_process_threads"], 1);
  EXPECT_GE(v["churnml_process_cpu_seconds_total"], 0);
  // Started after 2020-01-01 and not in the future.
  EXPECT_GT(v["churnml_process_start_time_seconds"], 1577836800);
  EXPECT_LE(v["churnml_process_start_time_seconds"], static_cast<double>(std::time(nullptr)) + 1);
  EXPECT_TRUE(v.count("churnml_metrics_scrape_duration_seconds"));
  EXPECT_TRUE(registry.last_collector_error().ok()) << registry.last_collector_error().ToString();
}

TEST(ProcessMetrics, ScrapeDurationReportsThePreviousRender) {
  MetricsRegistry registry;
  RegisterProcessMetrics(registry);
  EXPECT_EQ(registry.scrape_duration_seconds(), 0);
  (void)registry.RenderText();
  EXPECT_GT(registry.scrape_duration_seconds(), 0);
}

TEST(ProcessMetrics, BuildInfoIsOneWithVersionAndCommit) {
  MetricsRegistry registry(MetricsRegistryOptions{.instrumentation = Instrumentation::kOff});
  RegisterBuildInfo(registry, "1.2.3", "abc123");
  std::vector<MetricSample> samples = registry.Collect();
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].name, "churnml_build_info");
  EXPECT_EQ(samples[0].labels, (LabelPairs{{"commit", "abc123"}, {"version", "1.2.3"}}));
  EXPECT_EQ(samples[0].value, 1);
}

TEST(ProcessMetrics, ParsesStatWithParenthesesInTheCommandName) {
  const std::string text =
      "4242 (my (odd) prog) S 1 4242 4242 0 -1 4194560 900 0 0 0 "
      "150 25 0 0 20 0 7 0 123456 1000000 300 18446744073709551615\n";
  Result<ProcStat> stat = ParseProcStat(text);
  ASSERT_TRUE(stat.ok()) << stat.status().ToString();
  EXPECT_EQ(stat->utime_ticks, 150u);
  EXPECT_EQ(stat->stime_ticks, 25u);
  EXPECT_EQ(stat->num_threads, 7u);
  EXPECT_EQ(stat->starttime_ticks, 123456u);
}

TEST(ProcessMetrics, RejectsTruncatedStatNamingTheFile) {
  Result<ProcStat> stat = ParseProcStat("1 (x) S 1 2 3");
  ASSERT_FALSE(stat.ok());
  EXPECT_NE(stat.status().message().find("/proc/self/stat"), std::string::npos);
}

TEST(ProcessMetrics, ParsesStatmIoAndBootTime) {
  Result<ProcStatm> statm = ParseProcStatm("2000 300 100 10 0 500 0\n");
  ASSERT_TRUE(statm.ok());
  EXPECT_EQ(statm->size_pages, 2000u);
  EXPECT_EQ(statm->resident_pages, 300u);
  Result<ProcIo> io = ParseProcIo("rchar: 1234\nwchar: 99\nsyscr: 1\nsyscw: 2\nread_bytes: 0\n");
  ASSERT_TRUE(io.ok());
  EXPECT_EQ(io->rchar, 1234u);
  EXPECT_EQ(io->wchar, 99u);
  Result<uint64_t> boot = ParseBootTime("cpu  1 2 3\nintr 5\nbtime 1764300000\nprocesses 9\n");
  ASSERT_TRUE(boot.ok());
  EXPECT_EQ(*boot, 1764300000u);
  EXPECT_FALSE(ParseBootTime("cpu 1\n").ok());
  EXPECT_FALSE(ParseProcIo("syscr: 1\n").ok());
  EXPECT_FALSE(ParseProcStatm("x y\n").ok());
}

// A registry holding every family of the metric catalogue
// (docs/monitoring.md), as serve fills it, passes `promtool check metrics`
// with no lint findings.
TEST(ProcessMetrics, CatalogueRegistryPassesPromtoolCheckMetrics) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool not installed (package prometheus)";
  }
  MetricsRegistry registry;
  RegisterProcessMetrics(registry);
  RegisterBuildInfo(registry);
  auto must = [](auto result) {
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return *result;
  };
  const std::vector<double> buckets = DefaultLatencyBuckets();
  auto* requests = must(registry.AddCounter(
      "churnml_http_requests_total", "Answered HTTP requests.", {"route", "method", "code"}));
  requests->WithLabels({"/predict", "POST", "200"}).Increment(10);
  requests->WithLabels({"/v2/models/{name}/infer", "POST", "200"}).Increment(3);
  requests->WithLabels({"unmatched", "GET", "404"}).Increment();
  auto* latency =
      must(registry.AddHistogram("churnml_http_request_duration_seconds",
                                 "Request handling latency in seconds.", {"route"}, buckets));
  latency->WithLabels({"/predict"}).Observe(0.0012);
  must(registry.AddGauge("churnml_http_connections_active", "Open connections."))->Get().Set(3);
  must(registry.AddCounter("churnml_http_connections_rejected_total",
                           "Connections refused by the connection limit."))
      ->Get();
  must(
      registry.AddCounter("churnml_http_auth_failures_total", "Failed API key checks.", {"reason"}))
      ->WithLabels({"missing"});
  must(registry.AddCounter("churnml_http_rate_limited_total", "Requests answered 429."))->Get();
  must(registry.AddCounter("churnml_predictions_total", "Predictions served by class.",
                           {"model", "version", "class"}))
      ->WithLabels({"churn", "3", "1"})
      .Increment();
  auto profiler = StageProfiler::Create(&registry, {"decode", "features", "predict", "encode"});
  ASSERT_TRUE(profiler.ok()) << profiler.status().ToString();
  (*profiler)->Record(2, std::chrono::microseconds(4));
  must(registry.AddGauge("churnml_model_info", "The model being served (always 1).",
                         {"model", "version", "kind"}))
      ->WithLabels({"churn", "3", "xgboost"})
      .Set(1);
  must(registry.AddCounter("churnml_model_reloads_total", "Model hot-swap attempts.", {"result"}))
      ->WithLabels({"success"});
  must(registry.AddGauge("churnml_model_last_reload_timestamp_seconds",
                         "Unix time of the last successful model swap."))
      ->Get();
  must(registry.AddCounter("churnml_fallbacks_total", "Answers from the fallback chain.",
                           {"fallback"}))
      ->WithLabels({"prior"});
  must(registry.AddCounter("churnml_circuit_breaker_calls_total", "Calls through each breaker.",
                           {"breaker", "outcome"}))
      ->WithLabels({"alertmanager", "success"});
  must(registry.AddCounter("churnml_retries_total", "Retry attempts after the first.",
                           {"operation"}))
      ->WithLabels({"alert_delivery"});
  must(registry.AddGauge("churnml_alerts_firing", "Alerts currently firing."))->Get();
  must(registry.AddCounter("churnml_alert_notifications_total", "Alert notifications.",
                           {"channel", "result"}))
      ->WithLabels({"webhook", "sent"});
  must(registry.AddGauge("churnml_alert_queue_length", "Undelivered notifications queued.",
                         {"channel"}))
      ->WithLabels({"webhook"});
  registry.AddCollector([](CollectorSink& sink) {
    for (const char* state : {"closed", "open", "half_open"}) {
      sink.AddGauge("churnml_circuit_breaker_state", "1 for the breaker's current state.",
                    {{"breaker", "alertmanager"}, {"state", state}},
                    std::string_view(state) == "closed" ? 1 : 0);
    }
    for (const char* state : {"healthy", "degraded", "critical"}) {
      sink.AddGauge("churnml_health_state", "1 for the current health state.", {{"state", state}},
                    std::string_view(state) == "healthy" ? 1 : 0);
    }
  });

  const char* tmp = std::getenv("CHURNML_TEST_TMPDIR");
  const std::filesystem::path dir = tmp != nullptr ? tmp : std::filesystem::temp_directory_path();
  std::filesystem::create_directories(dir);
  const std::filesystem::path file = dir / "monitoring_catalogue_metrics.txt";
  const std::string text = registry.RenderText();
  {
    std::ofstream out(file);
    out << text;
  }
  const std::filesystem::path lint = dir / "monitoring_catalogue_lint.txt";
  // promtool reads the exposition on stdin; run it without a shell.
  posix_spawn_file_actions_t io;
  posix_spawn_file_actions_init(&io);
  posix_spawn_file_actions_addopen(&io, 0, file.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&io, 1, lint.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&io, 1, 2);
  char promtool[] = "promtool";
  char check[] = "check";
  char metrics[] = "metrics";
  char* argv[] = {promtool, check, metrics, nullptr};
  pid_t pid = 0;
  int status = -1;
  if (posix_spawnp(&pid, "promtool", &io, nullptr, argv, environ) == 0) {
    waitpid(pid, &status, 0);
  }
  posix_spawn_file_actions_destroy(&io);
  std::ifstream lint_in(lint);
  std::stringstream lint_text;
  lint_text << lint_in.rdbuf();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "promtool exit " << status << ": " << lint_text.str() << "\n"
      << text;
  EXPECT_EQ(lint_text.str(), "") << text;
  // Every catalogue family is in the text.
  for (const char* name :
       {"churnml_build_info", "churnml_http_requests_total",
        "churnml_http_request_duration_seconds", "churnml_http_connections_active",
        "churnml_predictions_total", "churnml_stage_duration_seconds", "churnml_model_info",
        "churnml_circuit_breaker_state", "churnml_health_state",
        "churnml_process_cpu_seconds_total", "churnml_process_resident_memory_bytes",
        "churnml_process_open_fds", "churnml_process_max_fds", "churnml_process_threads",
        "churnml_process_start_time_seconds", "churnml_metrics_scrape_duration_seconds"}) {
    EXPECT_NE(text.find(std::string("# TYPE ") + name + " "), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace churnml::monitoring
