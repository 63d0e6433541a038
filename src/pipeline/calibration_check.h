// How well probabilities mean what they say: the expected calibration error
// and the reliability table, for train's and evaluate's before/after
// calibration figures.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <vector>

#include "common/status.h"
#include "eval/curves.h"

namespace churnml {

struct CalibrationCheck {
  double ece = 0;  // sum over 10 equal-width bins of share * |mean predicted - observed|
  std::vector<CalibrationBin> bins;

  // {"ece", "bins": [{"lower", "upper", "count", "mean_predicted", "observed_rate"}]}
  nlohmann::json ToJson() const;
};

// ECE and the 10-bin reliability table (eval's CalibrationTable). Errors as
// CalibrationTable's.
Result<CalibrationCheck> CheckCalibration(std::span<const uint8_t> labels,
                                          std::span<const double> probabilities);

}  // namespace churnml
