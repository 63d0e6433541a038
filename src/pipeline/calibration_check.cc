#include "pipeline/calibration_check.h"

#include <cmath>

namespace churnml {

nlohmann::json CalibrationCheck::ToJson() const {
  nlohmann::json table = nlohmann::json::array();
  for (const CalibrationBin& b : bins) {
    table.push_back({{"lower", b.lower},
                     {"upper", b.upper},
                     {"count", b.count},
                     {"mean_predicted", b.mean_predicted},
                     {"observed_rate", b.observed_rate}});
  }
  return {{"ece", ece}, {"bins", std::move(table)}};
}

Result<CalibrationCheck> CheckCalibration(std::span<const uint8_t> labels,
                                          std::span<const double> probabilities) {
  CalibrationCheck check;
  CHURNML_ASSIGN_OR_RETURN(check.bins, CalibrationTable(labels, probabilities, 10));
  const double n = static_cast<double>(labels.size());
  for (const CalibrationBin& bin : check.bins) {
    if (bin.count == 0 || n == 0) continue;
    check.ece +=
        static_cast<double>(bin.count) / n * std::fabs(bin.mean_predicted - bin.observed_rate);
  }
  return check;
}

}  // namespace churnml
