#include "pipeline/drift.h"

#include <gtest/gtest.h>

namespace churnml {
namespace {

Histogram Numeric(const std::string& name, std::vector<int64_t> counts) {
  Histogram h;
  h.name = name;
  h.kind = HistogramKind::kNumeric;
  for (size_t i = 0; i + 2 < counts.size(); ++i) h.edges.push_back(static_cast<double>(i));
  h.counts = std::move(counts);
  return h;
}

ReferenceProfile Profile(std::vector<std::vector<int64_t>> features, std::vector<int64_t> score) {
  ReferenceProfile p;
  for (size_t i = 0; i < features.size(); ++i) {
    p.features.push_back(Numeric("f" + std::to_string(i), features[i]));
    p.rows = p.features.back().Total();
  }
  p.score = Numeric("score", std::move(score));
  return p;
}

TEST(CompareProfiles, SignificanceWithoutEffectSizeIsNotDrift) {
  // A million rows: a 1-point move is "significant" but PSI is tiny.
  ReferenceProfile ref = Profile({{500000, 500000, 0}}, {10, 10, 0});
  ReferenceProfile cur = Profile({{490000, 510000, 0}}, {10, 10, 0});
  auto c = CompareProfiles(ref, cur, {});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_LT(c->features[0].result.p_value, 1e-6);
  EXPECT_LT(c->features[0].psi, 0.01);
  EXPECT_FALSE(c->features[0].drifted);
}

TEST(CompareProfiles, EffectSizeWithoutSignificanceIsNotDrift) {
  // Ten rows: a large PSI the test cannot tell from chance.
  ReferenceProfile ref = Profile({{5, 5, 0}}, {10, 10, 0});
  ReferenceProfile cur = Profile({{3, 7, 0}}, {10, 10, 0});
  auto c = CompareProfiles(ref, cur, {});
  ASSERT_TRUE(c.ok());
  EXPECT_GT(c->features[0].psi, 0.1);
  EXPECT_GT(c->features[0].result.p_value, 0.05);
  EXPECT_FALSE(c->features[0].drifted);
}

TEST(CompareProfiles, DatasetDriftsAtTheShareThresholdOrOnTheScore) {
  ReferenceProfile ref = Profile({{5000, 5000, 0}, {5000, 5000, 0}}, {5000, 5000, 0});
  ReferenceProfile one = Profile({{2000, 8000, 0}, {5000, 5000, 0}}, {5000, 5000, 0});
  auto c = CompareProfiles(ref, one, {});
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->features[0].drifted);
  EXPECT_FALSE(c->features[1].drifted);
  EXPECT_DOUBLE_EQ(c->drifted_share, 0.5);
  EXPECT_TRUE(c->dataset_drifted);  // 0.5 >= 0.5
  DriftRules strict;
  strict.share_threshold = 0.75;
  EXPECT_FALSE(CompareProfiles(ref, one, strict)->dataset_drifted);
  // Per-feature override: f0 needs PSI 2 now.
  strict.features["f0"] = {.psi = 2.0, .alpha = 0.05};
  EXPECT_FALSE(CompareProfiles(ref, one, strict)->features[0].drifted);

  ReferenceProfile score_only = Profile({{5000, 5000, 0}, {5000, 5000, 0}}, {2000, 8000, 0});
  auto s = CompareProfiles(ref, score_only, {});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->drifted_features, 0);
  EXPECT_TRUE(s->score_drifted);
  EXPECT_TRUE(s->dataset_drifted);
}

TEST(CompareProfiles, RefusesDifferentBinsAndBadRules) {
  ReferenceProfile ref = Profile({{5, 5, 0}}, {1, 1, 0});
  ReferenceProfile other = Profile({{5, 5, 5, 0}}, {1, 1, 0});
  EXPECT_EQ(CompareProfiles(ref, other, {}).status().code(), StatusCode::kInvalidArgument);
  DriftRules rules;
  rules.features["nope"] = {};
  Status s = ValidateDriftRules(rules, ref);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("f0"), std::string::npos);  // lists the valid names
  rules = {};
  rules.feature.alpha = 1.5;
  EXPECT_FALSE(ValidateDriftRules(rules, ref).ok());
}

}  // namespace
}  // namespace churnml
