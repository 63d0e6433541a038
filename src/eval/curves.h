// Curves for reports: ROC, precision–recall, cumulative gains and the
// calibration (reliability) table, from 0/1 labels and probabilities. Input
// contract as in binary_metrics.h (same sizes, labels 0/1, probabilities in
// [0, 1]); the ranking curves need both classes (FailedPrecondition).
// One O(n log n) sort per curve; pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/status.h"

namespace churnml {

struct CurvePoint {
  double x = 0;
  double y = 0;
};

// (false positive rate, true positive rate) at every distinct threshold,
// from (0, 0) to (1, 1).
Result<std::vector<CurvePoint>> RocCurve(std::span<const uint8_t> labels,
                                         std::span<const double> scores);

// (recall, precision) at every distinct threshold, highest threshold first.
Result<std::vector<CurvePoint>> PrecisionRecallCurve(std::span<const uint8_t> labels,
                                                     std::span<const double> scores);

// (share of rows contacted, share of positives reached) when rows are taken
// in descending score, at every distinct threshold, from (0, 0) to (1, 1).
// "The top 10% of scores hold y% of churners" reads off x = 0.1.
Result<std::vector<CurvePoint>> CumulativeGains(std::span<const uint8_t> labels,
                                                std::span<const double> scores);

struct CalibrationBin {
  double lower = 0;  // probability range [lower, upper)
  double upper = 0;
  int64_t count = 0;          // rows whose probability falls in the bin
  double mean_predicted = 0;  // mean probability of those rows
  double observed_rate = 0;   // share of them with label 1
};

// `bins` equal-width probability bins on [0, 1] (the last one closed).
// InvalidArgument when bins < 1.
Result<std::vector<CalibrationBin>> CalibrationTable(std::span<const uint8_t> labels,
                                                     std::span<const double> scores, int bins = 10);

// Largest-Triangle-Three-Buckets downsampling (Steinarsson 2013): at most
// `max_points` points (>= 3) keeping the first, the last and the visually
// important ones in between. Returns the input when it is already small.
std::vector<CurvePoint> DownsampleLttb(std::span<const CurvePoint> points, size_t max_points);

}  // namespace churnml
