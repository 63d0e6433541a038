#include "eval/curves.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

namespace churnml {
namespace {

Status CheckInput(std::span<const uint8_t> labels, std::span<const double> scores) {
  if (labels.empty()) return InvalidArgumentError("no rows to draw a curve from");
  if (labels.size() != scores.size()) {
    return InvalidArgumentError(std::to_string(labels.size()) + " labels but " +
                                std::to_string(scores.size()) + " scores");
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] > 1)
      return InvalidArgumentError("label at index " + std::to_string(i) + " is not 0 or 1");
    if (!(scores[i] >= 0 && scores[i] <= 1)) {
      return InvalidArgumentError("probability at index " + std::to_string(i) +
                                  " is outside [0, 1]");
    }
  }
  return Status::Ok();
}

// Cumulative (false positives, true positives) after each distinct score,
// descending. Also returns the class totals.
struct Sweep {
  std::vector<int64_t> fp;
  std::vector<int64_t> tp;
  int64_t positives = 0;
  int64_t negatives = 0;
};

Result<Sweep> SweepThresholds(std::span<const uint8_t> labels, std::span<const double> scores) {
  CHURNML_RETURN_IF_ERROR(CheckInput(labels, scores));
  std::vector<uint32_t> order(labels.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return scores[a] > scores[b]; });
  Sweep s;
  int64_t fp = 0, tp = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    if (labels[order[i]])
      ++tp;
    else
      ++fp;
    if (i + 1 == order.size() || scores[order[i + 1]] != scores[order[i]]) {
      s.fp.push_back(fp);
      s.tp.push_back(tp);
    }
  }
  s.positives = tp;
  s.negatives = fp;
  if (s.positives == 0 || s.negatives == 0) {
    return FailedPreconditionError("the curve needs both classes in the labels");
  }
  return s;
}

double TriangleArea(const CurvePoint& a, const CurvePoint& b, const CurvePoint& c) {
  return std::abs((a.x - c.x) * (b.y - a.y) - (a.x - b.x) * (c.y - a.y)) * 0.5;
}

}  // namespace

Result<std::vector<CurvePoint>> RocCurve(std::span<const uint8_t> labels,
                                         std::span<const double> scores) {
  CHURNML_ASSIGN_OR_RETURN(Sweep s, SweepThresholds(labels, scores));
  std::vector<CurvePoint> points = {{0, 0}};
  for (size_t i = 0; i < s.fp.size(); ++i) {
    points.push_back(
        {static_cast<double>(s.fp[i]) / s.negatives, static_cast<double>(s.tp[i]) / s.positives});
  }
  return points;
}

Result<std::vector<CurvePoint>> PrecisionRecallCurve(std::span<const uint8_t> labels,
                                                     std::span<const double> scores) {
  CHURNML_ASSIGN_OR_RETURN(Sweep s, SweepThresholds(labels, scores));
  std::vector<CurvePoint> points;
  for (size_t i = 0; i < s.fp.size(); ++i) {
    const double predicted = static_cast<double>(s.fp[i] + s.tp[i]);
    points.push_back(
        {static_cast<double>(s.tp[i]) / s.positives, static_cast<double>(s.tp[i]) / predicted});
  }
  return points;
}

Result<std::vector<CurvePoint>> CumulativeGains(std::span<const uint8_t> labels,
                                                std::span<const double> scores) {
  CHURNML_ASSIGN_OR_RETURN(Sweep s, SweepThresholds(labels, scores));
  const double n = static_cast<double>(labels.size());
  std::vector<CurvePoint> points = {{0, 0}};
  for (size_t i = 0; i < s.fp.size(); ++i) {
    points.push_back(
        {static_cast<double>(s.fp[i] + s.tp[i]) / n, static_cast<double>(s.tp[i]) / s.positives});
  }
  return points;
}

Result<std::vector<CalibrationBin>> CalibrationTable(std::span<const uint8_t> labels,
                                                     std::span<const double> scores, int bins) {
  if (bins < 1) return InvalidArgumentError("calibration needs at least one bin");
  CHURNML_RETURN_IF_ERROR(CheckInput(labels, scores));
  std::vector<CalibrationBin> table(static_cast<size_t>(bins));
  std::vector<double> sum_predicted(table.size(), 0.0);
  std::vector<int64_t> positives(table.size(), 0);
  for (size_t i = 0; i < labels.size(); ++i) {
    size_t b = std::min(static_cast<size_t>(scores[i] * bins), table.size() - 1);
    ++table[b].count;
    sum_predicted[b] += scores[i];
    positives[b] += labels[i];
  }
  for (size_t b = 0; b < table.size(); ++b) {
    table[b].lower = static_cast<double>(b) / bins;
    table[b].upper = static_cast<double>(b + 1) / bins;
    if (table[b].count > 0) {
      table[b].mean_predicted = sum_predicted[b] / static_cast<double>(table[b].count);
      table[b].observed_rate =
          static_cast<double>(positives[b]) / static_cast<double>(table[b].count);
    }
  }
  return table;
}

std::vector<CurvePoint> DownsampleLttb(std::span<const CurvePoint> points, size_t max_points) {
  if (max_points < 3) max_points = 3;
  if (points.size() <= max_points) return {points.begin(), points.end()};
  std::vector<CurvePoint> out;
  out.reserve(max_points);
  out.push_back(points.front());
  // Buckets between the fixed first and last points.
  const double bucket =
      static_cast<double>(points.size() - 2) / static_cast<double>(max_points - 2);
  size_t chosen = 0;
  for (size_t b = 0; b < max_points - 2; ++b) {
    const size_t start = static_cast<size_t>(std::floor(b * bucket)) + 1;
    const size_t end =
        std::min(static_cast<size_t>(std::floor((b + 1) * bucket)) + 1, points.size() - 1);
    // The average of the next bucket (or the last point) is the third vertex.
    const size_t next_start = end;
    const size_t next_end =
        std::min(static_cast<size_t>(std::floor((b + 2) * bucket)) + 1, points.size());
    CurvePoint avg{0, 0};
    for (size_t i = next_start; i < next_end; ++i) {
      avg.x += points[i].x;
      avg.y += points[i].y;
    }
    const double count = static_cast<double>(std::max<size_t>(next_end - next_start, 1));
    if (next_end > next_start) {
      avg.x /= count;
      avg.y /= count;
    } else {
      avg = points.back();
    }
    size_t best = start;
    double best_area = -1;
    for (size_t i = start; i < std::max(end, start + 1); ++i) {
      const double area = TriangleArea(points[chosen], points[i], avg);
      if (area > best_area) {
        best_area = area;
        best = i;
      }
    }
    out.push_back(points[best]);
    chosen = best;
  }
  out.push_back(points.back());
  return out;
}

}  // namespace churnml
