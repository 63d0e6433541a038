#include "data/synthetic_generator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>

#include "common/fingerprint.h"
#include "data/churn_signal.h"
#include "data/csv_chunk_reader.h"
#include "data/csv_loader.h"

namespace churnml {
namespace {

std::string Generate(int64_t rows, uint64_t seed) {
  SyntheticGenerator g(GeneratorOptions{rows, seed});
  std::string out = SyntheticGenerator::Header();
  while (g.AppendRow(&out)) {
  }
  return out;
}

std::string Hash(const std::string& s) {
  Fingerprinter f;
  f.Update(s);
  return f.HexDigest();
}

Dataset Load(std::string text) {
  CsvChunkReader reader = CsvChunkReader::FromString(std::move(text), "gen.csv");
  Result<LoadResult> r = LoadCsv(reader, Schema::Telco());
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r->dataset) : Dataset();
}

// ROC AUC of `score` against `label` (ties counted half).
double Auc(const std::vector<double>& score, const std::vector<uint8_t>& label) {
  std::vector<size_t> order(score.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score[a] < score[b]; });
  double pos = 0, neg = 0, rank_sum = 0;
  size_t i = 0;
  while (i < order.size()) {
    size_t j = i;
    while (j < order.size() && score[order[j]] == score[order[i]]) ++j;
    double avg_rank = (i + 1 + j) / 2.0;
    for (size_t k = i; k < j; ++k) {
      if (label[order[k]]) {
        rank_sum += avg_rank;
        ++pos;
      } else {
        ++neg;
      }
    }
    i = j;
  }
  return (rank_sum - pos * (pos + 1) / 2) / (pos * neg);
}

TEST(SyntheticGenerator, SameSeedGivesTheSameBytes) {
  EXPECT_EQ(Generate(2000, 7), Generate(2000, 7));
  EXPECT_NE(Generate(2000, 7), Generate(2000, 8));
}

TEST(SyntheticGenerator, OutputHashIsStableAcrossMachines) {
  // Changing this hash changes every generated data set: do it deliberately.
  EXPECT_EQ(Hash(Generate(10000, 42)), "902e6831c946a86ea49ec702b643919c");
}

TEST(SyntheticGenerator, FirstRowsLookLikeTelco) {
  std::string text = Generate(3, 42);
  EXPECT_EQ(text.substr(0, SyntheticGenerator::Header().size()), SyntheticGenerator::Header());
  std::string first = text.substr(SyntheticGenerator::Header().size());
  first = first.substr(0, first.find('\n'));
  EXPECT_EQ(std::count(first.begin(), first.end(), ','), 20) << first;
  EXPECT_EQ(first[4], '-') << first;
}

TEST(SyntheticGenerator, OutputValidatesAgainstTheTelcoSchema) {
  std::string text = Generate(20000, 3);
  CsvChunkReader reader = CsvChunkReader::FromString(text, "gen.csv");
  Result<LoadResult> r = LoadCsv(reader, Schema::Telco());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rows_kept, 20000);
}

TEST(SyntheticGenerator, ChurnRateIsAboutTwentySixPercent) {
  Dataset d = Load(Generate(50000, 42));
  double churned = 0;
  for (uint8_t t : d.target()) churned += t;
  double rate = churned / static_cast<double>(d.num_rows());
  std::cout << "churn rate: " << rate << "\n";
  EXPECT_GE(rate, 0.24);
  EXPECT_LE(rate, 0.28);
}

TEST(SyntheticGenerator, ServiceColumnsFollowInternetAndPhone) {
  Dataset d = Load(Generate(5000, 11));
  const Schema& s = Schema::Telco();
  const auto& internet = d.column(*s.IndexOf("InternetService")).codes;
  const auto& phone = d.column(*s.IndexOf("PhoneService")).codes;
  const auto& lines = d.column(*s.IndexOf("MultipleLines")).codes;
  const auto& tenure = d.column(*s.IndexOf("tenure")).numbers;
  const auto& total = d.column(*s.IndexOf("TotalCharges")).numbers;
  for (size_t r = 0; r < d.num_rows(); ++r) {
    for (const char* svc : {"OnlineSecurity", "OnlineBackup", "DeviceProtection", "TechSupport",
                            "StreamingTV", "StreamingMovies"}) {
      bool no_internet_service = d.column(*s.IndexOf(svc)).codes[r] == 2;
      ASSERT_EQ(no_internet_service, internet[r] == 2) << "row " << r << " " << svc;
    }
    ASSERT_EQ(lines[r] == 2, phone[r] == 1) << "row " << r;  // "No phone service" iff phone "No"
    ASSERT_EQ(std::isnan(total[r]), tenure[r] == 0) << "row " << r;
  }
}

TEST(SyntheticGenerator, SignalIsLearnable) {
  // The generator's own logit is the best possible score; a linear model
  // over one-hot features can express it exactly, so its AUC bounds what
  // training reaches and must be well above 0.80.
  Dataset d = Load(Generate(50000, 5));
  const Schema& s = Schema::Telco();
  std::vector<double> score(d.num_rows(), kChurnSignalIntercept);
  for (const ChurnSignalTerm& t : ChurnSignalTerms()) {
    size_t c = *s.IndexOf(t.column);
    const ColumnData& col = d.column(c);
    for (size_t r = 0; r < d.num_rows(); ++r) {
      if (t.level.empty()) {
        score[r] += t.weight * (col.numbers[r] - t.center);
      } else if (col.levels[col.codes[r]] == t.level) {
        score[r] += t.weight;
      }
    }
  }
  double auc = Auc(score, d.target());
  std::cout << "AUC of the true logit: " << auc << "\n";
  EXPECT_GT(auc, 0.83);
}

}  // namespace
}  // namespace churnml

namespace churnml {
namespace {

struct Shares {
  double month_to_month = 0;
  double fiber = 0;
  double mean_charges = 0;
  double churn = 0;
};

Shares Measure(double shift) {
  SyntheticGenerator g(GeneratorOptions{20000, 5, shift});
  std::string text = SyntheticGenerator::Header();
  while (g.AppendRow(&text)) {
  }
  Dataset d = Load(text);
  const Schema& s = Schema::Telco();
  const ColumnData& contract = d.column(*s.IndexOf("Contract"));
  const ColumnData& internet = d.column(*s.IndexOf("InternetService"));
  const ColumnData& charges = d.column(*s.IndexOf("MonthlyCharges"));
  Shares out;
  for (size_t i = 0; i < d.num_rows(); ++i) {
    out.month_to_month += contract.levels[contract.codes[i]] == "Month-to-month";
    out.fiber += internet.levels[internet.codes[i]] == "Fiber optic";
    out.mean_charges += charges.numbers[i];
    out.churn += d.target()[i];
  }
  const double n = static_cast<double>(d.num_rows());
  return {out.month_to_month / n, out.fiber / n, out.mean_charges / n, out.churn / n};
}

TEST(SyntheticGenerator, ShiftMovesCustomersToFiberMonthToMonthAndRaisesCharges) {
  Shares base = Measure(0.0);
  Shares shifted = Measure(1.0);
  EXPECT_NEAR(base.month_to_month, 0.55, 0.02);
  EXPECT_NEAR(shifted.month_to_month, 0.85, 0.02);
  EXPECT_NEAR(base.fiber, 0.44, 0.02);
  EXPECT_GT(shifted.fiber, 0.65);
  EXPECT_GT(shifted.mean_charges, base.mean_charges + 15.0);  // $10 rise plus the fiber mix
  EXPECT_GT(shifted.churn, base.churn + 0.1);
}

TEST(SyntheticGenerator, ZeroShiftKeepsTheBytesAndOutOfRangeShiftIsRefused) {
  SyntheticGenerator g(GeneratorOptions{500, 9, 0.0});
  std::string text = SyntheticGenerator::Header();
  while (g.AppendRow(&text)) {
  }
  EXPECT_EQ(text, Generate(500, 9));
  EXPECT_EQ(GenerateCsv("/dev/null", GeneratorOptions{10, 1, 1.5}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(GenerateCsv("/dev/null", GeneratorOptions{10, 1, -0.1}).code(),
            StatusCode::kInvalidArgument);
}

TEST(SyntheticGenerator, DifficultyZeroKeepsTheBytesAndHarderDataIsDeterministic) {
  auto generate = [](double difficulty) {
    GeneratorOptions options{2000, 9};
    options.difficulty = difficulty;
    SyntheticGenerator g(options);
    std::string text = SyntheticGenerator::Header();
    while (g.AppendRow(&text)) {
    }
    return text;
  };
  EXPECT_EQ(generate(0.0), Generate(2000, 9));
  EXPECT_EQ(generate(1.0), generate(1.0));
  EXPECT_NE(generate(1.0), Generate(2000, 9));
  GeneratorOptions bad{10, 1};
  bad.difficulty = 1.5;
  EXPECT_EQ(GenerateCsv("/dev/null", bad).code(), StatusCode::kInvalidArgument);
}

// The interactions are real: among month-to-month fiber customers churn
// rises with difficulty by more than in the rest of the population.
TEST(SyntheticGenerator, DifficultyAddsTheFiberMonthToMonthInteraction) {
  auto rates = [](double difficulty) {
    GeneratorOptions options{40000, 3};
    options.difficulty = difficulty;
    SyntheticGenerator g(options);
    std::string text = SyntheticGenerator::Header();
    while (g.AppendRow(&text)) {
    }
    Dataset d = Load(text);
    const Schema& s = Schema::Telco();
    const ColumnData& contract = d.column(*s.IndexOf("Contract"));
    const ColumnData& internet = d.column(*s.IndexOf("InternetService"));
    double in = 0, in_churn = 0, out = 0, out_churn = 0;
    for (size_t i = 0; i < d.num_rows(); ++i) {
      const bool both = contract.levels[contract.codes[i]] == "Month-to-month" &&
                        internet.levels[internet.codes[i]] == "Fiber optic";
      (both ? in : out) += 1;
      (both ? in_churn : out_churn) += d.target()[i];
    }
    return std::pair<double, double>{in_churn / in, out_churn / out};
  };
  const auto [easy_in, easy_out] = rates(0.0);
  const auto [hard_in, hard_out] = rates(1.0);
  EXPECT_GT(hard_in - easy_in, (hard_out - easy_out) + 0.05);
}

}  // namespace
}  // namespace churnml
