#include "monitoring/stage_profiler.h"

#include <gtest/gtest.h>

#include <thread>

namespace churnml::monitoring {
namespace {

using std::chrono::microseconds;

std::unique_ptr<StageProfiler> MustCreate(MetricsRegistry* registry,
                                          std::vector<std::string> stages) {
  auto p = StageProfiler::Create(registry, std::move(stages));
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? std::move(*p) : nullptr;
}

TEST(StageProfiler, SummaryNamesTheStageWithTheLargestShare) {
  auto profiler = MustCreate(nullptr, {"decode", "features", "predict", "encode"});
  profiler->Record(0, microseconds(1));
  profiler->Record(1, microseconds(2));
  profiler->Record(2, microseconds(4));
  profiler->Record(2, microseconds(5));
  profiler->Record(3, microseconds(3));
  ProfileSummary s = profiler->Summary();
  ASSERT_EQ(s.stages.size(), 4u);
  ASSERT_TRUE(s.slowest.has_value());
  EXPECT_EQ(*s.slowest, 2u);
  EXPECT_EQ(s.stages[2].count, 2u);
  EXPECT_DOUBLE_EQ(s.stages[2].total_seconds, 9e-6);
  EXPECT_DOUBLE_EQ(s.stages[2].mean_seconds, 4.5e-6);
  EXPECT_DOUBLE_EQ(s.stages[2].share, 0.6);
  EXPECT_EQ(s.text, "predict: 60% of time, mean 4.5 µs");
}

TEST(StageProfiler, EmptySummarySaysNothingRecorded) {
  auto profiler = MustCreate(nullptr, {"a"});
  ProfileSummary s = profiler->Summary();
  EXPECT_FALSE(s.slowest.has_value());
  EXPECT_EQ(s.text, "no stage timings recorded");
}

TEST(StageProfiler, ScopeTimesWithTheGivenClock) {
  ManualClock clock;
  auto profiler = MustCreate(nullptr, {"load", "score"});
  {
    StageProfiler::Scope scope(*profiler, 1, clock);
    clock.Advance(std::chrono::milliseconds(12));
  }
  ProfileSummary s = profiler->Summary();
  EXPECT_EQ(s.stages[1].count, 1u);
  EXPECT_DOUBLE_EQ(s.stages[1].total_seconds, 0.012);
  EXPECT_EQ(s.text, "score: 100% of time, mean 12.0 ms");
}

TEST(StageProfiler, RecordsIntoTheRegistryHistogram) {
  MetricsRegistry registry;
  auto profiler = MustCreate(&registry, {"decode", "predict"});
  profiler->Record(1, microseconds(300));
  const std::string text = registry.RenderText();
  EXPECT_NE(text.find("churnml_stage_duration_seconds_bucket{stage=\"predict\",le=\"0.00025\"} 0"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("churnml_stage_duration_seconds_bucket{stage=\"predict\",le=\"0.0005\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("churnml_stage_duration_seconds_count{stage=\"decode\"} 0"),
            std::string::npos)
      << text;
  // A second profiler over the same registry shares the family.
  auto batch = MustCreate(&registry, {"predict"});
  batch->Record(0, microseconds(1));
  EXPECT_NE(registry.RenderText().find("churnml_stage_duration_seconds_count{stage=\"predict\"} 2"),
            std::string::npos);
}

TEST(StageProfiler, ConcurrentRecordsSumExactly) {
  auto profiler = MustCreate(nullptr, {"a", "b"});
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) profiler->Record(i % 2, microseconds(1));
    });
  }
  for (std::thread& t : threads) t.join();
  ProfileSummary s = profiler->Summary();
  EXPECT_EQ(s.stages[0].count, 40000u);
  EXPECT_EQ(s.stages[1].count, 40000u);
  EXPECT_DOUBLE_EQ(s.stages[0].total_seconds, 0.04);
}

TEST(StageProfiler, RegistryWithInstrumentationOffTurnsRecordingOff) {
  MetricsRegistry registry(MetricsRegistryOptions{.instrumentation = Instrumentation::kOff});
  auto profiler = MustCreate(&registry, {"a"});
  profiler->Record(0, microseconds(5));
  EXPECT_EQ(profiler->Summary().stages[0].count, 0u);
}

TEST(StageProfiler, RejectsBadStageLists) {
  EXPECT_FALSE(StageProfiler::Create(nullptr, {}).ok());
  EXPECT_FALSE(StageProfiler::Create(nullptr, {"a", ""}).ok());
  auto dup = StageProfiler::Create(nullptr, {"a", "a"});
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("\"a\" given twice"), std::string::npos);
  auto profiler = MustCreate(nullptr, {"decode", "predict"});
  auto missing = profiler->StageIndex("encode");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("decode, predict"), std::string::npos);
  EXPECT_EQ(*profiler->StageIndex("predict"), 1u);
}

TEST(StageProfiler, FormatsSeconds) {
  EXPECT_EQ(FormatSeconds(850e-9), "850 ns");
  EXPECT_EQ(FormatSeconds(4.2e-6), "4.2 µs");
  EXPECT_EQ(FormatSeconds(0.0125), "12.5 ms");
  EXPECT_EQ(FormatSeconds(3.214), "3.21 s");
}

}  // namespace
}  // namespace churnml::monitoring
