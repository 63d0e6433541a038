#include "serving/shadow.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "serving/bounded_queue.h"
#include "serving/fault_injector.h"
#include "serving/prediction_log.h"
#include "serving/route_test_support.h"
#include "serving/shadow_comparison.h"

namespace churnml::serving {
namespace {

TEST(BoundedQueue, RefusesPushesPastCapacityAndKeepsOrder) {
  BoundedQueue<int> queue(2);
  EXPECT_TRUE(queue.TryPush(1));
  EXPECT_TRUE(queue.TryPush(2));
  EXPECT_TRUE(queue.Full());
  EXPECT_FALSE(queue.TryPush(3));
  EXPECT_EQ(queue.size(), 2u);
  EXPECT_EQ(*queue.Pop(), 1);
  EXPECT_TRUE(queue.TryPush(4));
  EXPECT_EQ(*queue.Pop(), 2);
  EXPECT_EQ(*queue.Pop(), 4);
}

TEST(BoundedQueue, CloseEndsPopAfterTheQueuedItems) {
  BoundedQueue<int> queue(4);
  ASSERT_TRUE(queue.TryPush(7));
  queue.Close();
  EXPECT_FALSE(queue.TryPush(8));
  EXPECT_EQ(*queue.Pop(), 7);
  EXPECT_FALSE(queue.Pop().has_value());
}

TEST(ShadowComparison, AverageRanksShareTies) {
  const std::vector<double> values{10, 20, 20, 30, 5};
  EXPECT_EQ(AverageRanks(values), (std::vector<double>{2, 3.5, 3.5, 5, 1}));
}

TEST(ShadowComparison, SpearmanOfHandMadeScores) {
  const std::vector<double> x{0.1, 0.2, 0.3, 0.4};
  EXPECT_DOUBLE_EQ(SpearmanCorrelation(x, std::vector<double>{1, 2, 3, 4}), 1.0);
  EXPECT_DOUBLE_EQ(SpearmanCorrelation(x, std::vector<double>{4, 3, 2, 1}), -1.0);
  // One swapped pair: 1 - 6*2/(4*15) = 0.8.
  EXPECT_NEAR(SpearmanCorrelation(x, std::vector<double>{1, 3, 2, 4}), 0.8, 1e-12);
  // Ties: ranks y = 1, 2.5, 2.5, 4 against 1..4: r = 4.5 / sqrt(5 * 4.5).
  EXPECT_NEAR(SpearmanCorrelation(x, std::vector<double>{0, 5, 5, 9}), 4.5 / std::sqrt(22.5),
              1e-12);
  EXPECT_TRUE(std::isnan(SpearmanCorrelation(x, std::vector<double>{2, 2, 2, 2})));
  EXPECT_TRUE(std::isnan(SpearmanCorrelation(std::vector<double>{1}, std::vector<double>{1})));
}

TEST(ShadowComparison, AgreementAndDifferencesOfHandMadePairs) {
  const std::vector<ShadowPair> pairs{
      {.primary = 0.2, .shadow = 0.3, .primary_class = 0, .shadow_class = 0},
      {.primary = 0.6, .shadow = 0.4, .primary_class = 1, .shadow_class = 0},
      {.primary = 0.9, .shadow = 0.8, .primary_class = 1, .shadow_class = 1},
      {.primary = 0.1, .shadow = 0.1, .primary_class = 0, .shadow_class = 0}};
  ComparisonStats stats = Compare(pairs);
  EXPECT_EQ(stats.pairs, 4u);
  EXPECT_DOUBLE_EQ(stats.agreement, 0.75);
  EXPECT_NEAR(stats.mean_diff, (0.1 - 0.2 - 0.1 + 0) / 4, 1e-12);
  EXPECT_NEAR(stats.mean_abs_diff, (0.1 + 0.2 + 0.1 + 0) / 4, 1e-12);
  // Ranks: primary 2,3,4,1; shadow 2,3,4,1 -> the same order.
  EXPECT_DOUBLE_EQ(stats.spearman, 1.0);
  ComparisonStats empty = Compare({});
  EXPECT_EQ(empty.pairs, 0u);
  EXPECT_TRUE(std::isnan(empty.agreement));
}

TEST(ShadowComparison, WindowKeepsTheLastPairs) {
  ShadowComparison window(3);
  for (int i = 0; i < 5; ++i) {
    // The first two disagree, the last three agree.
    window.Add(
        {.primary = 0.1 * i, .shadow = 0.1 * i, .primary_class = 0, .shadow_class = i < 2 ? 1 : 0});
  }
  ComparisonStats stats = window.Stats();
  EXPECT_EQ(stats.pairs, 3u);
  EXPECT_EQ(stats.window, 3u);
  EXPECT_EQ(stats.total_pairs, 5u);
  EXPECT_DOUBLE_EQ(stats.agreement, 1.0);
  window.Clear();
  EXPECT_EQ(window.Stats().pairs, 0u);
}

// A Shadow scoring with the route tests' model (so it agrees with itself).
class ShadowTest : public testing::RouteGroupTest {
 protected:
  std::unique_ptr<Shadow> MakeShadow(ShadowOptions options, PredictionLog* log = nullptr) {
    reliability::CircuitBreakerConfig breaker;
    breaker.sliding_window_type = reliability::SlidingWindowType::kCountBased;
    breaker.sliding_window_size = 10;
    breaker.minimum_number_of_calls = 5;
    breaker.failure_rate_threshold = 50;
    breaker.wait_duration_in_open_state = std::chrono::seconds(60);
    Result<std::unique_ptr<Shadow>> shadow = Shadow::Create(options, log, breaker);
    EXPECT_TRUE(shadow.ok()) << shadow.status().ToString();
    auto target = std::make_shared<ShadowModel>();
    target->ref = "churn@candidate";
    target->slot.Swap(model_);
    target->scorer = std::make_unique<Scorer>(
        ScorerOptions{.model_deadline = std::chrono::microseconds(0), .fallback = false},
        ScorerDeps{.slot = &target->slot,
                   .metrics = metrics_,
                   .model_breaker = (*shadow)->breaker(),
                   .faults = &faults_});
    (*shadow)->SetModel(target);
    return std::move(*shadow);
  }

  // One decoded customer and the primary's answer for it.
  void Decode() {
    rows_ = Dataset(model_->artifact->schema());
    ASSERT_TRUE(model_->codec->DecodePredict(testing::kCustomerJson, &rows_).ok());
    std::vector<double> p;
    ASSERT_TRUE(model_->artifact->PredictProba(rows_, &p).ok());
    answers_ = {Prediction{p[0], p[0] >= model_->artifact->threshold() ? 1 : 0}};
  }

  FaultInjector faults_;
  Dataset rows_;
  std::vector<Prediction> answers_;
};

TEST_F(ShadowTest, ScoresOffersAndComparesWithTheAnswer) {
  Decode();
  std::unique_ptr<Shadow> shadow = MakeShadow({.queue_requests = 16, .window_pairs = 100});
  for (int i = 0; i < 3; ++i) shadow->Offer(rows_, "req-" + std::to_string(i), "primary", answers_);
  ASSERT_TRUE(shadow->WaitIdle(std::chrono::seconds(30)));
  ShadowStats stats = shadow->Stats();
  EXPECT_TRUE(stats.enabled);
  EXPECT_EQ(stats.ref, "churn@candidate");
  EXPECT_EQ(stats.offered, 3u);
  EXPECT_EQ(stats.scored, 3u);
  EXPECT_EQ(stats.dropped, 0u);
  EXPECT_EQ(stats.comparison.pairs, 3u);
  EXPECT_DOUBLE_EQ(stats.comparison.agreement, 1.0);
  EXPECT_NEAR(stats.comparison.mean_abs_diff, 0.0, 1e-12);
}

TEST_F(ShadowTest, DropsAndCountsWhatTheFullQueueCannotTakeWithoutWaiting) {
  Decode();
  std::unique_ptr<Shadow> shadow = MakeShadow({.queue_requests = 1, .window_pairs = 100});
  const auto delay = std::chrono::milliseconds(500);
  faults_.Set({.delay = delay, .error_rate = 0});
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) shadow->Offer(rows_, "req", "primary", answers_);
  const auto offering = std::chrono::steady_clock::now() - start;
  // One in the worker and one queued at most: the other offers were dropped
  // at once, not after waiting for the slow shadow.
  EXPECT_LT(offering, delay);
  ShadowStats stats = shadow->Stats();
  EXPECT_EQ(stats.offered, 5u);
  EXPECT_GE(stats.dropped, 3u);
  ASSERT_TRUE(shadow->WaitIdle(std::chrono::seconds(30)));
  stats = shadow->Stats();
  EXPECT_EQ(stats.scored + stats.dropped, 5u);
}

TEST_F(ShadowTest, CountsFailuresAndOpensItsOwnBreaker) {
  Decode();
  std::unique_ptr<Shadow> shadow = MakeShadow({.queue_requests = 64, .window_pairs = 100});
  faults_.Set({.delay = std::chrono::microseconds(0), .error_rate = 1});
  for (int i = 0; i < 10; ++i) shadow->Offer(rows_, "req", "primary", answers_);
  ASSERT_TRUE(shadow->WaitIdle(std::chrono::seconds(30)));
  ShadowStats stats = shadow->Stats();
  EXPECT_EQ(stats.failed, 10u);
  EXPECT_EQ(stats.scored, 0u);
  EXPECT_EQ(stats.comparison.pairs, 0u);
  EXPECT_EQ(stats.breaker_state, "open");
}

TEST_F(ShadowTest, OffIgnoresOffers) {
  Decode();
  std::unique_ptr<Shadow> shadow = MakeShadow({});
  shadow->SetModel(nullptr);
  shadow->Offer(rows_, "req", "primary", answers_);
  EXPECT_FALSE(shadow->Stats().enabled);
  EXPECT_EQ(shadow->Stats().offered, 0u);
}

TEST_F(ShadowTest, WritesJoinedPairsToThePredictionLogAsShadowRecords) {
  Decode();
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("churnml-shadow-log-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  Result<std::unique_ptr<PredictionLog>> log = PredictionLog::Open({.dir = dir});
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  {
    std::unique_ptr<Shadow> shadow = MakeShadow({}, log->get());
    shadow->Offer(rows_, "req-7", "primary", answers_);
    ASSERT_TRUE(shadow->WaitIdle(std::chrono::seconds(30)));
  }
  log->reset();  // the writer thread ends after writing every queued line
  Result<PredictionLogContents> read = ReadPredictionLog(dir);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->shadow_records, 1);
  EXPECT_TRUE(read->records.empty());
  EXPECT_EQ(read->skipped_lines, 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace churnml::serving
