#include "pipeline/reference_profile.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "data/csv_loader.h"
#include "pipeline/test_support.h"

namespace churnml {
namespace {

class ReferenceProfileTest : public testing::TempDirTest {
 protected:
  Dataset Load(int64_t rows, uint64_t seed) {
    auto loaded =
        LoadCsv(Generate("d" + std::to_string(seed) + ".csv", rows, seed), Schema::Telco());
    EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
    return std::move(loaded->dataset);
  }
  static std::vector<double> Scores(size_t n) {
    std::vector<double> s(n);
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<double>((i * 37) % 100) / 100.0;
    return s;
  }
};

TEST_F(ReferenceProfileTest, ProfilesEveryFeatureWithFixedBins) {
  Dataset data = Load(2000, 1);
  Result<ReferenceProfile> p = BuildReferenceProfile(data, Scores(500));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->rows, 2000);
  EXPECT_EQ(p->features.size(), Schema::Telco().feature_indices().size());
  EXPECT_GT(p->label_rate, 0.15);
  EXPECT_LT(p->label_rate, 0.40);
  for (const Histogram& h : p->features) {
    EXPECT_EQ(h.Total(), 2000) << h.name;
    if (h.kind == HistogramKind::kNumeric) {
      EXPECT_EQ(h.counts.size(), h.edges.size() + 2) << h.name;
      EXPECT_TRUE(std::is_sorted(h.edges.begin(), h.edges.end())) << h.name;
    } else {
      EXPECT_EQ(h.counts.size(), h.levels.size() + 2) << h.name;
    }
  }
  const Histogram& tenure = p->features[static_cast<size_t>(p->FeatureIndex("tenure"))];
  EXPECT_GE(tenure.edges.size(), 5u);  // ~10 quantile bins of a spread-out integer
  const Histogram& total = p->features[static_cast<size_t>(p->FeatureIndex("TotalCharges"))];
  EXPECT_GT(total.counts[total.missing_bin()], 0);  // tenure 0 rows have it blank
  const Histogram& contract = p->features[static_cast<size_t>(p->FeatureIndex("Contract"))];
  EXPECT_EQ(contract.levels, (std::vector<std::string>{"Month-to-month", "One year", "Two year"}));
  EXPECT_EQ(p->score.Total(), 500);
  EXPECT_EQ(p->score.edges.size(), 9u);
}

TEST_F(ReferenceProfileTest, NumericBinsAreLeftClosed) {
  Histogram h;
  h.edges = {1.0, 2.0};
  h.counts.assign(4, 0);
  EXPECT_EQ(h.NumericBin(0.5), 0u);
  EXPECT_EQ(h.NumericBin(1.0), 1u);
  EXPECT_EQ(h.NumericBin(1.5), 1u);
  EXPECT_EQ(h.NumericBin(2.0), 2u);
  EXPECT_EQ(h.NumericBin(1e300), 2u);
  EXPECT_EQ(h.NumericBin(-INFINITY), 0u);
  EXPECT_EQ(h.NumericBin(NAN), 3u);
}

TEST_F(ReferenceProfileTest, BinningTwoHalvesAndMergingEqualsBinningTheWhole) {
  Dataset data = Load(3000, 2);
  Result<ReferenceProfile> reference = BuildReferenceProfile(data, Scores(3000));
  ASSERT_TRUE(reference.ok());
  std::vector<size_t> first, second;
  for (size_t i = 0; i < data.num_rows(); ++i) (i < 1234 ? first : second).push_back(i);
  std::vector<double> scores = Scores(3000);
  std::vector<double> s1(scores.begin(), scores.begin() + 1234),
      s2(scores.begin() + 1234, scores.end());
  auto a = BinLikeReference(*reference, data.Select(first), s1);
  auto b = BinLikeReference(*reference, data.Select(second), s2);
  auto whole = BinLikeReference(*reference, data, scores);
  ASSERT_TRUE(a.ok() && b.ok() && whole.ok());
  ASSERT_TRUE(a->Merge(*b).ok());
  EXPECT_EQ(a->ToJson(), whole->ToJson());
  // And binning the training data again reproduces the reference counts.
  EXPECT_EQ(whole->ToJson(), reference->ToJson());
}

TEST_F(ReferenceProfileTest, UnknownLevelsCountAsUnseen) {
  Histogram h;
  h.name = "Contract";
  h.kind = HistogramKind::kCategorical;
  h.levels = {"One year", "Two year"};  // Month-to-month was never seen
  h.counts.assign(4, 0);
  ReferenceProfile p;
  p.features.push_back(h);
  p.score.name = "score";
  p.score.counts.assign(1 + 1, 0);
  Dataset data = Load(500, 3);
  auto current = BinLikeReference(p, data, {});
  ASSERT_TRUE(current.ok()) << current.status().ToString();
  EXPECT_GT(current->features[0].counts[2], 100);  // unseen
  EXPECT_EQ(current->features[0].Total(), 500);
}

TEST_F(ReferenceProfileTest, RoundTripsThroughJsonText) {
  Dataset data = Load(1000, 4);
  auto p = BuildReferenceProfile(data, Scores(200));
  ASSERT_TRUE(p.ok());
  auto parsed = ReferenceProfile::Parse(p->ToJson().dump());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->ToJson(), p->ToJson());
}

TEST_F(ReferenceProfileTest, MergeRefusesDifferentBins) {
  Dataset data = Load(1000, 5);
  auto a = BuildReferenceProfile(data, Scores(200));
  auto b = BuildReferenceProfile(data, Scores(200), {.numeric_bins = 5, .score_bins = 10});
  ASSERT_TRUE(a.ok() && b.ok());
  Status s = a->Merge(*b);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
}

// A profile file is hostile input: each corruption is named, none crashes.
TEST(ReferenceProfileParse, RejectsCorruptFiles) {
  const std::string good =
      R"({"format_version":1,"rows":3,"positives":1,"label_rate":0.3333,)"
      R"("features":[{"name":"x","kind":"numeric","edges":[1.0,2.0],"counts":[1,1,1,0]},)"
      R"({"name":"c","kind":"categorical","levels":["a","b"],"counts":[2,1,0,0]}],)"
      R"("score":{"name":"score","kind":"numeric","edges":[0.5],"counts":[1,2,0]}})";
  ASSERT_TRUE(ReferenceProfile::Parse(good).ok())
      << ReferenceProfile::Parse(good).status().ToString();
  struct Case {
    std::string from, to, message;
  };
  const std::vector<Case> cases = {
      {"[1.0,2.0]", "[2.0,1.0]", "strictly increasing"},
      {"[1.0,2.0]", "[1.0,1.0]", "strictly increasing"},
      {"[1,1,1,0]", "[1,1,-1,2]", "non-negative"},
      {"[1,1,1,0]", "[1,1,1]", "expected 4"},
      {"[1,1,1,0]", "[1,1,1,1]", "counts sum to 4"},
      {"[2,1,0,0]", "[2,1.5,0,0]", "non-negative integers"},
      {"\"format_version\":1", "\"format_version\":7", "format version 7"},
      {"\"kind\":\"categorical\"", "\"kind\":\"text\"", "\"kind\""},
      {"[\"a\",\"b\"]", "[\"a\",\"a\"]", "unique"},
      {"\"label_rate\":0.3333", "\"label_rate\":3", "[0, 1]"},
      {"\"positives\":1", "\"positives\":9", "exceeds"},
      {"\"rows\":3", "\"rows\":3,\"extra\":1", "unknown key"},
      {"[0.5]", "[1e999]", "not valid JSON"},
  };
  for (const Case& c : cases) {
    std::string text = good;
    size_t at = text.find(c.from);
    ASSERT_NE(at, std::string::npos) << c.from;
    text.replace(at, c.from.size(), c.to);
    auto r = ReferenceProfile::Parse(text);
    ASSERT_FALSE(r.ok()) << c.to;
    EXPECT_NE(r.status().message().find(c.message), std::string::npos)
        << c.to << " → " << r.status().message();
  }
  EXPECT_FALSE(ReferenceProfile::Parse(std::string(100, '[')).ok());
  EXPECT_FALSE(ReferenceProfile::Parse("").ok());
  EXPECT_FALSE(ReferenceProfile::Parse("[]").ok());
}

TEST(ReferenceProfileParse, BoundsTheNumberOfBins) {
  nlohmann::json edges = nlohmann::json::array();
  for (size_t i = 0; i < kMaxProfileBins; ++i) edges.push_back(static_cast<double>(i));
  nlohmann::json counts = nlohmann::json::array();
  for (size_t i = 0; i < kMaxProfileBins + 2; ++i) counts.push_back(0);
  nlohmann::json doc = {
      {"format_version", 1},
      {"rows", 0},
      {"positives", 0},
      {"label_rate", 0},
      {"features", nlohmann::json::array()},
      {"score", {{"name", "score"}, {"kind", "numeric"}, {"edges", edges}, {"counts", counts}}}};
  auto r = ReferenceProfile::Parse(doc.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("too many edges"), std::string::npos);
}

// The branch-free count equals binning each value by binary search: values
// on, between, below and above the edges, infinities, NaN, more than one
// block, and the many-edges fallback.
TEST(HistogramAddNumbers, CountsEachValueIntoItsNumericBin) {
  for (size_t edge_count : {size_t{1}, size_t{9}, size_t{255}, size_t{300}}) {
    Histogram h;
    h.name = "x";
    for (size_t k = 0; k < edge_count; ++k) h.edges.push_back(static_cast<double>(k) - 4.5);
    h.counts.assign(h.edges.size() + 2, 0);
    std::vector<double> values = {-INFINITY, INFINITY, NAN, -1e300, 1e300, -0.0};
    for (size_t i = 0; i < 5000; ++i) {
      values.push_back(static_cast<double>(static_cast<int64_t>((i * 7919) % 700)) / 2.0 - 20.0);
    }
    for (double e : h.edges) values.push_back(e);
    std::vector<int64_t> expected(h.counts.size(), 0);
    for (double v : values) ++expected[h.NumericBin(v)];
    h.AddNumbers(values);
    EXPECT_EQ(h.counts, expected) << edge_count << " edges";
    EXPECT_EQ(h.counts[h.missing_bin()], 1);
  }
}

}  // namespace
}  // namespace churnml
