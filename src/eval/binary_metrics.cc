#include "eval/binary_metrics.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <string>
#include <utility>

#include "common/strings.h"

namespace churnml {
namespace {

// Every input check of the header contract, in one O(n) pass.
Status ValidateInputs(std::span<const uint8_t> labels, std::span<const double> probabilities) {
  if (labels.size() != probabilities.size()) {
    return InvalidArgumentError("labels has " + FormatCount(static_cast<int64_t>(labels.size())) +
                                " values but probabilities has " +
                                FormatCount(static_cast<int64_t>(probabilities.size())));
  }
  if (labels.empty()) {
    return InvalidArgumentError(
        "labels and probabilities are empty: metrics need at least one row");
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] > 1) {
      return InvalidArgumentError("labels[" + std::to_string(i) + "] is " +
                                  std::to_string(labels[i]) + ": labels must be 0 or 1");
    }
    const double p = probabilities[i];
    // Written so that NaN fails too.
    if (!(p >= 0.0 && p <= 1.0)) {
      return InvalidArgumentError("probabilities[" + std::to_string(i) + "] is " + FormatDouble(p) +
                                  ": probabilities must be in [0, 1]");
    }
  }
  return Status::Ok();
}

Status ValidateThreshold(double threshold) {
  if (!(threshold >= 0.0 && threshold <= 1.0)) {
    return InvalidArgumentError("threshold " + FormatDouble(threshold) + " is outside [0, 1]");
  }
  return Status::Ok();
}

double Ratio(double numerator, double denominator) {
  return denominator > 0 ? numerator / denominator : 0.0;
}

double F1(double precision, double recall) {
  return Ratio(2 * precision * recall, precision + recall);
}

ConfusionMatrix CountAt(std::span<const uint8_t> labels, std::span<const double> probabilities,
                        double threshold) {
  // Indexed by 2 * label + predicted: tn, fp, fn, tp.
  std::array<int64_t, 4> counts{};
  for (size_t i = 0; i < labels.size(); ++i) {
    ++counts[2 * labels[i] + (probabilities[i] >= threshold ? 1 : 0)];
  }
  return ConfusionMatrix{counts[0], counts[1], counts[2], counts[3]};
}

// Sum of the per-row losses (not yet divided by n).
struct LossSums {
  double log_loss = 0;
  double brier = 0;
};

LossSums SumLosses(std::span<const uint8_t> labels, std::span<const double> probabilities) {
  LossSums sums;
  for (size_t i = 0; i < labels.size(); ++i) {
    const double p = std::clamp(probabilities[i], kLogLossEpsilon, 1.0 - kLogLossEpsilon);
    // log1p(-p) keeps precision for p near 0 where 1 - p rounds.
    sums.log_loss -= labels[i] ? std::log(p) : std::log1p(-p);
    const double diff = probabilities[i] - labels[i];
    sums.brier += diff * diff;
  }
  return sums;
}

// Sorts 64-bit keys ascending: least-significant-digit radix sort with 11-bit
// digits (6 passes cover 64 bits), skipping digits that are equal in every key
// (the top bits of probabilities mostly are). Small inputs use std::sort.
void SortKeys(std::vector<uint64_t>& keys) {
  constexpr size_t kSmall = 2048;
  constexpr int kDigitBits = 11;
  constexpr int kPasses = (64 + kDigitBits - 1) / kDigitBits;
  constexpr size_t kBuckets = size_t{1} << kDigitBits;
  constexpr uint64_t kMask = kBuckets - 1;
  if (keys.size() < kSmall) {
    std::sort(keys.begin(), keys.end());
    return;
  }
  std::vector<size_t> histograms(kPasses * kBuckets, 0);
  for (uint64_t key : keys) {
    for (int d = 0; d < kPasses; ++d)
      ++histograms[d * kBuckets + ((key >> (kDigitBits * d)) & kMask)];
  }
  std::vector<uint64_t> buffer(keys.size());
  for (int d = 0; d < kPasses; ++d) {
    const std::span<size_t> histogram(histograms.data() + d * kBuckets, kBuckets);
    if (std::any_of(histogram.begin(), histogram.end(),
                    [&](size_t c) { return c == keys.size(); })) {
      continue;
    }
    size_t offset = 0;
    for (size_t& count : histogram) offset += std::exchange(count, offset);
    const int shift = kDigitBits * d;
    for (uint64_t key : keys) buffer[histogram[(key >> shift) & kMask]++] = key;
    keys.swap(buffer);
  }
}

// One key per row: the score's bits shifted left by one with the label in the
// lowest bit. Scores are in [0, 1] (validated), so after turning -0.0 into
// +0.0 their bit patterns order like the values and bit 63 is free for the
// shift; equal scores have equal key >> 1, which is how ties are grouped.
std::vector<uint64_t> SortedScoreKeys(std::span<const uint8_t> labels,
                                      std::span<const double> scores) {
  std::vector<uint64_t> keys(labels.size());
  for (size_t i = 0; i < labels.size(); ++i) {
    keys[i] = (std::bit_cast<uint64_t>(scores[i] + 0.0) << 1) | labels[i];
  }
  SortKeys(keys);
  return keys;
}

struct RankingMetrics {
  double roc_auc = 0;
  double average_precision = 0;
};

// Both ranking metrics from one walk over the scores in descending order, one
// step per distinct score. Precondition: both classes present.
RankingMetrics ComputeRanking(std::span<const uint8_t> labels, std::span<const double> scores,
                              int64_t positives, int64_t negatives) {
  const std::vector<uint64_t> keys = SortedScoreKeys(labels, scores);
  // Twice the ROC area in units of (positive, negative) pairs: a negative in
  // a group scores below every positive seen before the group (2 each) and
  // ties with the group's positives (1 each). Exact in 64-bit integers.
  uint64_t twice_pairs = 0;
  double precision_sum = 0;  // sum of tp_in_group * precision_after_group
  int64_t tp = 0;
  int64_t fp = 0;
  size_t end = keys.size();
  while (end > 0) {
    const uint64_t score_bits = keys[end - 1] >> 1;
    int64_t group_tp = 0;
    int64_t group_fp = 0;
    while (end > 0 && (keys[end - 1] >> 1) == score_bits) {
      --end;
      if (keys[end] & 1) {
        ++group_tp;
      } else {
        ++group_fp;
      }
    }
    twice_pairs += static_cast<uint64_t>(group_fp) * static_cast<uint64_t>(2 * tp + group_tp);
    tp += group_tp;
    fp += group_fp;
    if (group_tp > 0) {
      precision_sum +=
          static_cast<double>(group_tp) * static_cast<double>(tp) / static_cast<double>(tp + fp);
    }
  }
  RankingMetrics result;
  result.roc_auc = static_cast<double>(twice_pairs) /
                   (2.0 * static_cast<double>(positives) * static_cast<double>(negatives));
  result.average_precision = precision_sum / static_cast<double>(positives);
  return result;
}

int64_t CountPositives(std::span<const uint8_t> labels) {
  return std::count(labels.begin(), labels.end(), uint8_t{1});
}

Status OneClassError(std::string_view metric, int64_t rows, int64_t positives) {
  return FailedPreconditionError(
      std::string(metric) + " is undefined when only one class is present (" + FormatCount(rows) +
      " rows, all labelled " + (positives == 0 ? "0" : "1") + ")");
}

Result<RankingMetrics> RankingOrError(std::string_view metric, std::span<const uint8_t> labels,
                                      std::span<const double> scores) {
  CHURNML_RETURN_IF_ERROR(ValidateInputs(labels, scores));
  const int64_t rows = static_cast<int64_t>(labels.size());
  const int64_t positives = CountPositives(labels);
  if (positives == 0 || positives == rows) return OneClassError(metric, rows, positives);
  return ComputeRanking(labels, scores, positives, rows - positives);
}

}  // namespace

ClassReport ClassificationReportFromCounts(const ConfusionMatrix& c) {
  ClassReport report;
  const double tn = static_cast<double>(c.tn);
  const double fp = static_cast<double>(c.fp);
  const double fn = static_cast<double>(c.fn);
  const double tp = static_cast<double>(c.tp);

  report.positive.precision = Ratio(tp, tp + fp);
  report.positive.recall = Ratio(tp, tp + fn);
  report.positive.f1 = F1(report.positive.precision, report.positive.recall);
  report.positive.support = c.tp + c.fn;

  report.negative.precision = Ratio(tn, tn + fn);
  report.negative.recall = Ratio(tn, tn + fp);
  report.negative.f1 = F1(report.negative.precision, report.negative.recall);
  report.negative.support = c.tn + c.fp;

  const int64_t total = c.total();
  const double w_neg = Ratio(static_cast<double>(report.negative.support), total);
  const double w_pos = Ratio(static_cast<double>(report.positive.support), total);
  auto average = [&](double ClassScores::*field, double w0, double w1) {
    return w0 * report.negative.*field + w1 * report.positive.*field;
  };
  for (auto field : {&ClassScores::precision, &ClassScores::recall, &ClassScores::f1}) {
    report.macro_avg.*field = average(field, 0.5, 0.5);
    report.weighted_avg.*field = average(field, w_neg, w_pos);
  }
  report.macro_avg.support = total;
  report.weighted_avg.support = total;
  report.accuracy = Ratio(tn + tp, static_cast<double>(total));
  return report;
}

Result<BinaryMetrics> ComputeBinaryMetrics(std::span<const uint8_t> labels,
                                           std::span<const double> probabilities,
                                           double threshold) {
  CHURNML_RETURN_IF_ERROR(ValidateInputs(labels, probabilities));
  CHURNML_RETURN_IF_ERROR(ValidateThreshold(threshold));

  BinaryMetrics m;
  m.rows = static_cast<int64_t>(labels.size());
  m.threshold = threshold;
  m.confusion = CountAt(labels, probabilities, threshold);
  m.positives = m.confusion.tp + m.confusion.fn;
  m.report = ClassificationReportFromCounts(m.confusion);
  m.accuracy = m.report.accuracy;
  m.precision = m.report.positive.precision;
  m.recall = m.report.positive.recall;
  m.f1 = m.report.positive.f1;

  const LossSums losses = SumLosses(labels, probabilities);
  m.log_loss = losses.log_loss / static_cast<double>(m.rows);
  m.brier_score = losses.brier / static_cast<double>(m.rows);

  if (m.positives > 0 && m.positives < m.rows) {
    const RankingMetrics ranking =
        ComputeRanking(labels, probabilities, m.positives, m.rows - m.positives);
    m.roc_auc = ranking.roc_auc;
    m.average_precision = ranking.average_precision;
  }
  return m;
}

Result<double> RocAuc(std::span<const uint8_t> labels, std::span<const double> scores) {
  CHURNML_ASSIGN_OR_RETURN(RankingMetrics ranking, RankingOrError("ROC AUC", labels, scores));
  return ranking.roc_auc;
}

Result<double> AveragePrecision(std::span<const uint8_t> labels, std::span<const double> scores) {
  CHURNML_ASSIGN_OR_RETURN(RankingMetrics ranking,
                           RankingOrError("average precision", labels, scores));
  return ranking.average_precision;
}

Result<double> LogLoss(std::span<const uint8_t> labels, std::span<const double> probabilities) {
  CHURNML_RETURN_IF_ERROR(ValidateInputs(labels, probabilities));
  return SumLosses(labels, probabilities).log_loss / static_cast<double>(labels.size());
}

Result<double> BrierScore(std::span<const uint8_t> labels, std::span<const double> probabilities) {
  CHURNML_RETURN_IF_ERROR(ValidateInputs(labels, probabilities));
  return SumLosses(labels, probabilities).brier / static_cast<double>(labels.size());
}

Result<ConfusionMatrix> ConfusionMatrixAt(std::span<const uint8_t> labels,
                                          std::span<const double> probabilities, double threshold) {
  CHURNML_RETURN_IF_ERROR(ValidateInputs(labels, probabilities));
  CHURNML_RETURN_IF_ERROR(ValidateThreshold(threshold));
  return CountAt(labels, probabilities, threshold);
}

Result<ClassReport> ClassificationReport(std::span<const uint8_t> labels,
                                         std::span<const double> probabilities, double threshold) {
  CHURNML_ASSIGN_OR_RETURN(ConfusionMatrix confusion,
                           ConfusionMatrixAt(labels, probabilities, threshold));
  return ClassificationReportFromCounts(confusion);
}

std::vector<NamedMetric> ScalarMetrics(const BinaryMetrics& m) {
  return {
      {"accuracy", m.accuracy}, {"precision", m.precision},
      {"recall", m.recall},     {"f1", m.f1},
      {"roc_auc", m.roc_auc},   {"average_precision", m.average_precision},
      {"log_loss", m.log_loss}, {"brier_score", m.brier_score},
  };
}

}  // namespace churnml
