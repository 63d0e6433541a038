#include "pipeline/retrain.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>

#include "pipeline/test_support.h"
#include "pipeline/tracked_train.h"

namespace churnml {
namespace {

BinaryMetrics Metrics(double auc, double brier, double recall) {
  BinaryMetrics m;
  m.roc_auc = auc;
  m.brier_score = brier;
  m.recall = recall;
  return m;
}

DeLongResult DeLongOf(double difference, double p) {
  DeLongResult d;
  d.difference = difference;
  d.p_value = p;
  return d;
}

bool Passed(const std::vector<GateCheck>& checks, const std::string& name) {
  for (const GateCheck& c : checks) {
    if (c.name == name) return c.passed;
  }
  ADD_FAILURE() << "no check " << name;
  return false;
}

TEST(ApplyGate, PassesABetterSignificantChallenger) {
  auto checks =
      ApplyGate({}, Metrics(0.80, 0.15, 0.50), Metrics(0.81, 0.149, 0.49), DeLongOf(0.01, 0.001));
  for (const GateCheck& c : checks) EXPECT_TRUE(c.passed) << c.name << ": " << c.detail;
}

TEST(ApplyGate, EachCheckCanFailAlone) {
  PromotionGate gate;
  gate.min_relative_improvement = 0.01;  // 1% of 0.80 = 0.008
  const BinaryMetrics champion = Metrics(0.80, 0.15, 0.50);
  // +0.001 < 0.002 absolute.
  EXPECT_FALSE(Passed(ApplyGate(gate, champion, Metrics(0.801, 0.15, 0.5), DeLongOf(0.001, 0.01)),
                      "auc_absolute"));
  // +0.005 passes absolute, fails 1% relative.
  auto small = ApplyGate(gate, champion, Metrics(0.805, 0.15, 0.5), DeLongOf(0.005, 0.01));
  EXPECT_TRUE(Passed(small, "auc_absolute"));
  EXPECT_FALSE(Passed(small, "auc_relative"));
  // Not significant.
  EXPECT_FALSE(
      Passed(ApplyGate(gate, champion, Metrics(0.82, 0.15, 0.5), DeLongOf(0.02, 0.2)), "delong"));
  // Calibration guardrail: Brier 0.15 → 0.16 > +0.005.
  EXPECT_FALSE(
      Passed(ApplyGate(gate, champion, Metrics(0.82, 0.16, 0.5), DeLongOf(0.02, 0.001)), "brier"));
  // Recall guardrail: 0.50 → 0.47 < -0.02.
  EXPECT_FALSE(Passed(ApplyGate(gate, champion, Metrics(0.82, 0.15, 0.47), DeLongOf(0.02, 0.001)),
                      "recall"));
}

class RetrainTest : public testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    ASSERT_TRUE(RegisterBuiltinModels(registry_).ok());
    store_.uri = (dir_ / "store").string();
    // Champion: version 1 of "churn", trained on unshifted data.
    TrainOptions train;
    train.data_path = Generate("old.csv", 6000, 1);
    TrackingOptions tracking;
    tracking.store = store_;
    tracking.register_model = "churn";
    tracking.alias = "champion";
    TrainReport report;
    TrackedRun run;
    ASSERT_TRUE(TrainTracked(train, tracking, registry_, &report, &run).ok());
    shifted_ = (dir_ / "shifted.csv").string();
    ASSERT_TRUE(GenerateCsv(shifted_, {.rows = 6000, .seed = 2, .shift = 1.0}).ok());
  }

  RetrainOptions Options(const std::string& data) {
    RetrainOptions o;
    o.store = store_;
    o.model = "churn";
    o.data_path = data;
    return o;
  }

  int64_t AliasVersion(const std::string& alias) {
    auto store = tracking::TrackingStore::Open(store_);
    EXPECT_TRUE(store.ok());
    auto state = (*store)->GetAlias("churn", alias);
    return state.ok() ? state->version : 0;
  }

  // Labels shuffled: a challenger trained on it has no signal.
  std::string Noise() {
    std::ifstream in(shifted_);
    std::string header, line;
    std::getline(in, header);
    std::vector<std::string> rows, labels;
    while (std::getline(in, line)) {
      size_t comma = line.rfind(',');
      rows.push_back(line.substr(0, comma));
      labels.push_back(line.substr(comma + 1));
    }
    std::mt19937 rng(3);
    std::shuffle(labels.begin(), labels.end(), rng);
    std::string path = (dir_ / "noise.csv").string();
    std::ofstream out(path);
    out << header << "\n";
    for (size_t i = 0; i < rows.size(); ++i) out << rows[i] << "," << labels[i] << "\n";
    return path;
  }

  ModelRegistry registry_;
  tracking::StoreOptions store_;
  std::string shifted_;
};

TEST_F(RetrainTest, PromotesABetterChallengerAndKeepsThePrevious) {
  RetrainReport report;
  Status s = Retrain(Options(shifted_), registry_, &report);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(report.decision, "promoted") << report.reason;
  EXPECT_EQ(AliasVersion("champion"), 2);
  EXPECT_EQ(AliasVersion("previous"), 1);
  ASSERT_TRUE(report.delong.has_value());
  EXPECT_LT(report.delong->p_value, 0.05);
  auto store = tracking::TrackingStore::Open(store_);
  auto run = (*store)->GetRun(report.decision_run_id);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->status, tracking::RunStatus::kFinished);
  EXPECT_EQ(run->tags["decision"], "promoted");
  EXPECT_EQ(run->tags["check.delong"].rfind("passed", 0), 0u);
  EXPECT_TRUE(run->metrics.count("delong_p_value"));
  EXPECT_TRUE(run->metrics.count("challenger_roc_auc"));

  // Rollback swaps them back; a second rollback undoes the first.
  auto back = RollbackAlias(store_, "churn");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, 1);
  EXPECT_EQ(AliasVersion("champion"), 1);
  EXPECT_EQ(AliasVersion("previous"), 2);
}

TEST_F(RetrainTest, RefusesAChallengerTrainedOnNoiseAndSaysWhy) {
  RetrainReport report;
  ASSERT_TRUE(Retrain(Options(Noise()), registry_, &report).ok());
  EXPECT_EQ(report.decision, "refused");
  EXPECT_NE(report.reason.find("delong"), std::string::npos) << report.reason;
  EXPECT_EQ(AliasVersion("champion"), 1);
  auto store = tracking::TrackingStore::Open(store_);
  auto run = (*store)->GetRun(report.decision_run_id);
  EXPECT_EQ(run->tags["decision"], "refused");
  EXPECT_EQ(run->tags["check.delong"].rfind("failed", 0), 0u);
}

TEST_F(RetrainTest, DryRunAndNoDriftAndCooldownMoveNothing) {
  RetrainOptions dry = Options(shifted_);
  dry.mode = RetrainMode::kDryRun;
  RetrainReport r1;
  ASSERT_TRUE(Retrain(dry, registry_, &r1).ok());
  EXPECT_EQ(r1.decision, "dry_run");
  EXPECT_EQ(AliasVersion("champion"), 1);

  RetrainOptions if_drift = Options(Generate("same.csv", 4000, 9));
  if_drift.drift = DriftPrecondition::kRequireDrift;
  RetrainReport r2;
  ASSERT_TRUE(Retrain(if_drift, registry_, &r2).ok());
  EXPECT_EQ(r2.decision, "no_drift") << r2.reason;
  EXPECT_TRUE(r2.challenger_run_id.empty());

  RetrainOptions cool = Options(shifted_);
  cool.cooldown_ms = 3600 * 1000;  // the champion alias was set seconds ago
  RetrainReport r3;
  ASSERT_TRUE(Retrain(cool, registry_, &r3).ok());
  EXPECT_EQ(r3.decision, "cooldown");
  EXPECT_EQ(AliasVersion("champion"), 1);
}

TEST_F(RetrainTest, RefusesWhenTheAliasMovedMeanwhile) {
  RetrainOptions o = Options(shifted_);
  tracking::StoreOptions other = store_;
  o.checkpoint = [other](std::string_view point) {
    if (point != "retrain.decided") return;
    auto store = tracking::TrackingStore::Open(other);
    ASSERT_TRUE(store.ok());
    // Someone points champion at the challenger version (2) by hand.
    ASSERT_TRUE((*store)->SetAlias("churn", "champion", 2).ok());
  };
  RetrainReport report;
  Status s = Retrain(o, registry_, &report);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_NE(s.message().find("moved"), std::string::npos);
  EXPECT_EQ(AliasVersion("previous"), 0);  // not touched by the refused move
}

// SIGKILL at each point leaves the alias on the old champion, or (after the
// commit) on the new one with `previous` beside it — never half of the move.
TEST_F(RetrainTest, KillAtAnyPointLeavesOldOrNewChampion) {
  const std::vector<std::string> points = {"register.inserted", "retrain.trained",
                                           "retrain.decided", "promote.moved"};
  for (const std::string& point : points) {
    pid_t pid = ::fork();
    if (pid == 0) {
      RetrainOptions o = Options(shifted_);
      o.checkpoint = [point](std::string_view at) {
        if (at == point) ::kill(::getpid(), SIGKILL);
      };
      RetrainReport report;
      Status s = Retrain(o, registry_, &report);
      ::_exit(s.ok() ? 0 : 1);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << point;
    EXPECT_EQ(WTERMSIG(status), SIGKILL) << point;
    EXPECT_EQ(AliasVersion("champion"), 1) << point;  // every point is before COMMIT
    EXPECT_EQ(AliasVersion("previous"), 0) << point;
  }
  // The store is still usable: a clean retrain promotes.
  RetrainReport report;
  ASSERT_TRUE(Retrain(Options(shifted_), registry_, &report).ok());
  EXPECT_EQ(report.decision, "promoted");
  EXPECT_EQ(AliasVersion("previous"), 1);
  EXPECT_EQ(AliasVersion("champion"), report.challenger_version);
}

}  // namespace
}  // namespace churnml
