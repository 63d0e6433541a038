#include "monitoring/metrics_registry.h"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>
#include <vector>

namespace churnml::monitoring {
namespace {

template <typename T>
T* Must(Result<T*> r) {
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : nullptr;
}

TEST(MetricsRegistry, RendersCounterWithLabelsSortedByName) {
  MetricsRegistry registry;
  CounterFamily* requests = Must(registry.AddCounter(
      "churnml_http_requests_total", "Answered requests.", {"route", "method", "code"}));
  requests->WithLabels({"/predict", "POST", "200"}).Increment();
  requests->WithLabels({"/predict", "POST", "200"}).Increment(2);
  requests->WithLabels({"/health", "GET", "200"}).Increment();
  requests->WithLabels({"/predict", "POST", "422"}).Increment();
  EXPECT_EQ(registry.RenderText(),
            "# HELP churnml_http_requests_total Answered requests.\n"
            "# TYPE churnml_http_requests_total counter\n"
            "churnml_http_requests_total{code=\"200\",method=\"GET\",route=\"/health\"} 1\n"
            "churnml_http_requests_total{code=\"200\",method=\"POST\",route=\"/predict\"} 3\n"
            "churnml_http_requests_total{code=\"422\",method=\"POST\",route=\"/predict\"} 1\n");
}

TEST(MetricsRegistry, EscapesLabelValuesAndHelp) {
  MetricsRegistry registry;
  GaugeFamily* g =
      Must(registry.AddGauge("churnml_x", "Back\\slash and\nnewline \"kept\".", {"path"}));
  g->WithLabels({"C:\\dir\n\"q\""}).Set(1.5);
  EXPECT_EQ(registry.RenderText(),
            "# HELP churnml_x Back\\\\slash and\\nnewline \"kept\".\n"
            "# TYPE churnml_x gauge\n"
            "churnml_x{path=\"C:\\\\dir\\n\\\"q\\\"\"} 1.5\n");
}

TEST(MetricsRegistry, HistogramBucketsAreCumulativeWithInf) {
  MetricsRegistry registry;
  HistogramFamily* h = Must(
      registry.AddHistogram("churnml_latency_seconds", "Latency.", {"route"}, {0.0001, 0.5, 1}));
  Histogram& predict = h->WithLabels({"/predict"});
  predict.Observe(0.00005);
  predict.Observe(0.0001);  // le is inclusive
  predict.Observe(0.3);
  predict.Observe(7);
  EXPECT_EQ(registry.RenderText(),
            "# HELP churnml_latency_seconds Latency.\n"
            "# TYPE churnml_latency_seconds histogram\n"
            "churnml_latency_seconds_bucket{route=\"/predict\",le=\"0.0001\"} 2\n"
            "churnml_latency_seconds_bucket{route=\"/predict\",le=\"0.5\"} 3\n"
            "churnml_latency_seconds_bucket{route=\"/predict\",le=\"1\"} 3\n"
            "churnml_latency_seconds_bucket{route=\"/predict\",le=\"+Inf\"} 4\n"
            "churnml_latency_seconds_sum{route=\"/predict\"} 7.30015\n"
            "churnml_latency_seconds_count{route=\"/predict\"} 4\n");
}

TEST(MetricsRegistry, FamiliesSortedByNameAndEmptyFamiliesLeftOut) {
  MetricsRegistry registry;
  Must(registry.AddGauge("churnml_b", "B."))->Get().Set(2);
  Must(registry.AddCounter("churnml_a_total", "A."))->Get();
  Must(registry.AddCounter("churnml_c_total", "No series yet.", {"x"}));
  EXPECT_EQ(registry.RenderText(),
            "# HELP churnml_a_total A.\n"
            "# TYPE churnml_a_total counter\n"
            "churnml_a_total 0\n"
            "# HELP churnml_b B.\n"
            "# TYPE churnml_b gauge\n"
            "churnml_b 2\n");
}

TEST(MetricsRegistry, FormatsSpecialAndSmallValues) {
  MetricsRegistry registry;
  GaugeFamily* g = Must(registry.AddGauge("churnml_v", "V.", {"k"}));
  g->WithLabels({"a"}).Set(1e-7);
  g->WithLabels({"b"}).Set(std::nan(""));
  g->WithLabels({"c"}).Set(-INFINITY);
  g->WithLabels({"d"}).Set(1764322000);
  g->WithLabels({"e"}).Set(0.25);
  g->WithLabels({"f"}).Set(1764322000.25);
  EXPECT_EQ(registry.RenderText(),
            "# HELP churnml_v V.\n# TYPE churnml_v gauge\n"
            "churnml_v{k=\"a\"} 1e-07\n"
            "churnml_v{k=\"b\"} NaN\n"
            "churnml_v{k=\"c\"} -Inf\n"
            "churnml_v{k=\"d\"} 1764322000\n"
            "churnml_v{k=\"e\"} 0.25\n"
            "churnml_v{k=\"f\"} 1764322000.25\n");
}

TEST(MetricsRegistry, DefaultLatencyBucketsRenderAsDecimals) {
  MetricsRegistry registry;
  Must(registry.AddHistogram("churnml_d_seconds", "D.", {}, DefaultLatencyBuckets()))->Get();
  const std::string text = registry.RenderText();
  EXPECT_NE(text.find("le=\"0.0001\""), std::string::npos) << text;
  EXPECT_NE(text.find("le=\"0.00025\""), std::string::npos) << text;
  EXPECT_NE(text.find("le=\"2.5\""), std::string::npos) << text;
  EXPECT_NE(text.find("le=\"5\""), std::string::npos) << text;
  EXPECT_EQ(DefaultLatencyBuckets().size(), 15u);
}

TEST(MetricsRegistry, ConcurrentIncrementsSumExactly) {
  MetricsRegistry registry;
  Counter& c = Must(registry.AddCounter("churnml_n_total", "N."))->Get();
  Histogram& h = Must(registry.AddHistogram("churnml_h_seconds", "H.", {}, {0.5}))->Get();
  // More threads than stripes: some own a stripe, the rest share one.
  constexpr int kThreads = static_cast<int>(internal::kStripes) + 4;
  constexpr int kPerThread = 20000;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        c.Increment();
        h.Observe(i % 2 == 0 ? 0.25 : 1.0);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(c.Value(), kThreads * kPerThread);
  HistogramSnapshot snap = h.Snapshot();
  EXPECT_EQ(snap.count, static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(snap.cumulative_counts[0], static_cast<uint64_t>(kThreads * kPerThread / 2));
  EXPECT_EQ(snap.sum, kThreads * kPerThread * 0.625);  // half observed 0.25, half 1.0
}

TEST(MetricsRegistry, ThreadsThatComeAndGoKeepEveryIncrement) {
  MetricsRegistry registry;
  Counter& c = Must(registry.AddCounter("churnml_n_total", "N."))->Get();
  // Exclusive stripes are handed back when a thread exits and reused by the
  // next one; no increment may be lost across the hand-over.
  for (int round = 0; round < 50; ++round) {
    std::vector<std::thread> threads;
    threads.reserve(3);
    for (int t = 0; t < 3; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 1000; ++i) c.Increment();
      });
    }
    for (std::thread& t : threads) t.join();
  }
  EXPECT_EQ(c.Value(), 50 * 3 * 1000);
}

TEST(MetricsRegistry, ConcurrentWithLabelsReturnsOneSeries) {
  MetricsRegistry registry;
  CounterFamily* f = Must(registry.AddCounter("churnml_r_total", "R.", {"k"}));
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) f->WithLabels({std::to_string(i % 10)}).Increment();
    });
  }
  for (std::thread& t : threads) t.join();
  for (int k = 0; k < 10; ++k) EXPECT_EQ(f->WithLabels({std::to_string(k)}).Value(), 400);
}

TEST(MetricsRegistry, RejectsInvalidNamesNamingTheMetric) {
  MetricsRegistry registry;
  Result<CounterFamily*> bad_name = registry.AddCounter("9lives_total", "x");
  ASSERT_FALSE(bad_name.ok());
  EXPECT_EQ(bad_name.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad_name.status().message().find("\"9lives_total\""), std::string::npos);

  Result<CounterFamily*> no_total = registry.AddCounter("churnml_requests", "x");
  ASSERT_FALSE(no_total.ok());
  EXPECT_NE(no_total.status().message().find("_total"), std::string::npos);
  EXPECT_NE(no_total.status().message().find("churnml_requests"), std::string::npos);

  Result<GaugeFamily*> dash = registry.AddGauge("churnml-g", "x");
  EXPECT_FALSE(dash.ok());

  Result<GaugeFamily*> bad_label = registry.AddGauge("churnml_g", "x", {"bad-label"});
  ASSERT_FALSE(bad_label.ok());
  EXPECT_NE(bad_label.status().message().find("\"bad-label\""), std::string::npos);
  EXPECT_NE(bad_label.status().message().find("churnml_g"), std::string::npos);

  Result<HistogramFamily*> le = registry.AddHistogram("churnml_h", "x", {"le"}, {1});
  ASSERT_FALSE(le.ok());
  EXPECT_NE(le.status().message().find("reserved"), std::string::npos);

  EXPECT_FALSE(registry.AddGauge("churnml_g", "x", {"__name"}).ok());
  EXPECT_FALSE(registry.AddGauge("churnml_g", "x", {"a", "a"}).ok());
  EXPECT_FALSE(registry.AddGauge("", "x").ok());
}

TEST(MetricsRegistry, RejectsBadHistogramBounds) {
  MetricsRegistry registry;
  EXPECT_FALSE(registry.AddHistogram("churnml_h1", "x", {}, {}).ok());
  EXPECT_FALSE(registry.AddHistogram("churnml_h2", "x", {}, {1, 1}).ok());
  EXPECT_FALSE(registry.AddHistogram("churnml_h3", "x", {}, {2, 1}).ok());
  EXPECT_FALSE(registry.AddHistogram("churnml_h4", "x", {}, {std::nan("")}).ok());
  Result<HistogramFamily*> inf = registry.AddHistogram("churnml_h5", "x", {}, {1, INFINITY});
  ASSERT_TRUE(inf.ok()) << inf.status().ToString();
  EXPECT_EQ((*inf)->info().upper_bounds, std::vector<double>{1});
}

TEST(MetricsRegistry, RedeclaringReturnsSameFamilyOrAlreadyExists) {
  MetricsRegistry registry;
  CounterFamily* a = Must(registry.AddCounter("churnml_a_total", "A.", {"x"}));
  EXPECT_EQ(Must(registry.AddCounter("churnml_a_total", "A.", {"x"})), a);
  Result<CounterFamily*> other_labels = registry.AddCounter("churnml_a_total", "A.", {"y"});
  ASSERT_FALSE(other_labels.ok());
  EXPECT_EQ(other_labels.status().code(), StatusCode::kAlreadyExists);
  EXPECT_FALSE(registry.AddGauge("churnml_a_total", "A.", {"x"}).ok());
}

TEST(MetricsRegistry, WrongLabelCountIsAnErrorFromTryWithLabels) {
  MetricsRegistry registry;
  CounterFamily* f = Must(registry.AddCounter("churnml_a_total", "A.", {"x", "y"}));
  Result<Counter*> r = f->TryWithLabels({"only-one"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("1 label values given for 2 labels (x, y)"),
            std::string::npos)
      << r.status().message();
  EXPECT_DEATH(f->WithLabels({"only-one"}), "churnml_a_total");
}

TEST(MetricsRegistry, CounterIgnoresNegativeAndNaN) {
  MetricsRegistry registry;
  Counter& c = Must(registry.AddCounter("churnml_a_total", "A."))->Get();
  c.Increment(2.5);
  c.Increment(-1);
  c.Increment(std::nan(""));
  EXPECT_EQ(c.Value(), 2.5);
}

TEST(MetricsRegistry, GaugeSetAndAdd) {
  MetricsRegistry registry;
  Gauge& g = Must(registry.AddGauge("churnml_conn", "C."))->Get();
  g.Set(5);
  g.Add(-2);
  g.Add(0.5);
  EXPECT_EQ(g.Value(), 3.5);
}

TEST(MetricsRegistry, InstrumentationOffKeepsFamiliesAtZero) {
  MetricsRegistry registry(MetricsRegistryOptions{.instrumentation = Instrumentation::kOff});
  Counter& c = Must(registry.AddCounter("churnml_a_total", "A."))->Get();
  Gauge& g = Must(registry.AddGauge("churnml_g", "G."))->Get();
  Histogram& h = Must(registry.AddHistogram("churnml_h", "H.", {}, {1}))->Get();
  c.Increment();
  g.Set(3);
  h.Observe(0.5);
  EXPECT_EQ(c.Value(), 0);
  EXPECT_EQ(g.Value(), 0);
  EXPECT_EQ(h.Snapshot().count, 0u);
  EXPECT_NE(registry.RenderText().find("churnml_a_total 0\n"), std::string::npos);
}

TEST(MetricsRegistry, CollectGivesHistogramSamplesWithSortedLabels) {
  MetricsRegistry registry;
  Must(registry.AddCounter("churnml_a_total", "A.", {"z", "b"}))
      ->WithLabels({"zv", "bv"})
      .Increment(3);
  Must(registry.AddHistogram("churnml_h_seconds", "H.", {"route"}, {0.1}))
      ->WithLabels({"/p"})
      .Observe(0.05);
  std::vector<MetricSample> samples = registry.Collect();
  ASSERT_EQ(samples.size(), 5u);
  EXPECT_EQ(samples[0].name, "churnml_a_total");
  EXPECT_EQ(samples[0].labels, (LabelPairs{{"b", "bv"}, {"z", "zv"}}));
  EXPECT_EQ(samples[0].value, 3);
  EXPECT_EQ(samples[1].name, "churnml_h_seconds_bucket");
  EXPECT_EQ(samples[1].labels, (LabelPairs{{"le", "0.1"}, {"route", "/p"}}));
  EXPECT_EQ(samples[1].value, 1);
  EXPECT_EQ(samples[2].labels, (LabelPairs{{"le", "+Inf"}, {"route", "/p"}}));
  EXPECT_EQ(samples[3].name, "churnml_h_seconds_sum");
  EXPECT_EQ(samples[3].value, 0.05);
  EXPECT_EQ(samples[4].name, "churnml_h_seconds_count");
  EXPECT_EQ(samples[4].value, 1);
}

TEST(MetricsRegistry, CollectorValuesMergeIntoSortedOutput) {
  MetricsRegistry registry;
  Must(registry.AddGauge("churnml_b", "B."))->Get().Set(1);
  registry.AddCollector([](CollectorSink& sink) {
    sink.AddGauge("churnml_state", "State.", {{"state", "open"}}, 0);
    sink.AddGauge("churnml_state", "State.", {{"state", "closed"}}, 1);
    sink.AddCounter("churnml_a_total", "A.", {}, 4);
  });
  EXPECT_EQ(registry.RenderText(),
            "# HELP churnml_a_total A.\n# TYPE churnml_a_total counter\nchurnml_a_total 4\n"
            "# HELP churnml_b B.\n# TYPE churnml_b gauge\nchurnml_b 1\n"
            "# HELP churnml_state State.\n# TYPE churnml_state gauge\n"
            "churnml_state{state=\"closed\"} 1\nchurnml_state{state=\"open\"} 0\n");
  EXPECT_TRUE(registry.last_collector_error().ok());
}

TEST(MetricsRegistry, CollectorConflictsAreDroppedAndReported) {
  MetricsRegistry registry;
  Must(registry.AddHistogram("churnml_h_seconds", "H.", {}, {1}));
  registry.AddCollector([](CollectorSink& sink) {
    sink.AddGauge("churnml_h_seconds_count", "clash with the histogram", {}, 1);
    sink.AddGauge("churnml_ok", "OK.", {}, 1);
    sink.AddGauge("churnml_ok", "OK.", {}, 2);  // same label set again
    sink.AddCounter("churnml_no_suffix", "bad", {}, 1);
  });
  std::vector<MetricSample> samples = registry.Collect();
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].name, "churnml_ok");
  EXPECT_EQ(samples[0].value, 1);
  Status error = registry.last_collector_error();
  EXPECT_EQ(error.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(error.message().find("churnml_h_seconds_count"), std::string::npos);
}

}  // namespace
}  // namespace churnml::monitoring
