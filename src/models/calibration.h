// Probability calibration fitted on held-out rows: Platt scaling (a logistic
// curve on the score's log-odds) and isotonic regression (a monotone step
// fit by pool-adjacent-violators, linearly interpolated between knots). The
// artifact stores one as calibration.json and applies it after the model,
// so predict and serve return calibrated probabilities.
//
// A Calibrator is immutable once built; Apply is thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace churnml {

enum class CalibrationMethod { kPlatt, kIsotonic };

// "platt" / "isotonic".
std::string_view CalibrationMethodName(CalibrationMethod method);
// InvalidArgument naming the valid methods.
Result<CalibrationMethod> ParseCalibrationMethod(std::string_view name);

// Bounds a calibration.json must respect (it is hostile input on load).
inline constexpr size_t kMaxIsotonicKnots = 100000;
inline constexpr double kMaxPlattCoefficient = 1e6;

class Calibrator {
 public:
  // Platt: p = 1 / (1 + exp(a * logit(s) + b)), s clamped to [1e-15, 1 - 1e-15]
  // before the logit. Fitted by Newton's method on the log loss against
  // Platt's smoothed targets ((positives + 1) / (positives + 2) for a
  // positive, 1 / (negatives + 2) for a negative), which keeps a and b finite
  // when the rows are separable. InvalidArgument for mismatched sizes, fewer
  // than 2 rows, a single class, or a score outside [0, 1].
  static Result<Calibrator> FitPlatt(std::span<const double> scores,
                                     std::span<const uint8_t> labels);
  // Isotonic: the non-decreasing fit of labels on scores minimising squared
  // error (PAV; equal scores pooled first). Knots are each block's lowest
  // and highest score with the block's mean label; between knots the value
  // is interpolated linearly, outside them clipped to the end values. Same
  // errors as FitPlatt; also InvalidArgument past kMaxIsotonicKnots knots.
  static Result<Calibrator> FitIsotonic(std::span<const double> scores,
                                        std::span<const uint8_t> labels);

  // Validated construction (the load path). InvalidArgument naming the
  // field: Platt a, b finite with |.| <= kMaxPlattCoefficient; isotonic
  // 1..kMaxIsotonicKnots knots, x strictly increasing in [0, 1], y
  // non-decreasing in [0, 1], all finite.
  static Result<Calibrator> Platt(double a, double b);
  static Result<Calibrator> Isotonic(std::vector<double> x, std::vector<double> y);

  // {"method": "platt", "a": .., "b": ..} or {"method": "isotonic", "x": [..], "y": [..]}.
  nlohmann::json ToJson() const;
  // The inverse of ToJson, validated as above; unknown fields refused.
  // Errors are one line starting with `where`.
  static Result<Calibrator> FromJson(const nlohmann::json& j, const std::string& where);

  // Replaces each score in [0, 1] by its calibrated probability in [0, 1].
  void Apply(std::span<double> scores) const;
  double Apply(double score) const;

  CalibrationMethod method() const { return method_; }
  double a() const { return a_; }
  double b() const { return b_; }
  const std::vector<double>& knots_x() const { return x_; }
  const std::vector<double>& knots_y() const { return y_; }

 private:
  Calibrator() = default;
  CalibrationMethod method_ = CalibrationMethod::kPlatt;
  double a_ = 0, b_ = 0;
  std::vector<double> x_, y_;
};

}  // namespace churnml
