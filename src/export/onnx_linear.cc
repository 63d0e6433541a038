// LinearClassifier for churnml's logistic regression (see onnx_parts.h).
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "export/onnx_parts.h"

namespace churnml::onnx_export {

namespace {

bool FitsFloat(double v) {
  return std::isfinite(v) && std::fabs(v) <= std::numeric_limits<float>::max();
}

}  // namespace

Result<std::string> AddLinearClassifier(const LogisticRegression& model,
                                        const std::string& features, OnnxGraph& graph) {
  const std::span<const double> w = model.coefficients();
  std::vector<float> coefficients(2 * w.size());
  for (size_t j = 0; j < w.size(); ++j) {
    if (!FitsFloat(w[j])) {
      return InvalidArgumentError("logistic coefficient " + std::to_string(j) +
                                  " is outside the float32 range");
    }
    coefficients[j] = static_cast<float>(-w[j]);
    coefficients[w.size() + j] = static_cast<float>(w[j]);
  }
  if (!FitsFloat(model.intercept())) {
    return InvalidArgumentError("the logistic intercept is outside the float32 range");
  }
  const float b = static_cast<float>(model.intercept());
  const std::string probabilities = std::string(kInternalPrefix) + "probabilities";
  graph.AddNode("LinearClassifier", kMlDomain, {features},
                {std::string(kInternalPrefix) + "classifier.label", probabilities},
                {Attribute::Ints("classlabels_ints", {0, 1}),
                 Attribute::Floats("coefficients", std::move(coefficients)),
                 Attribute::Floats("intercepts", {-b, b}), Attribute::Int("multi_class", 0),
                 Attribute::String("post_transform", "LOGISTIC")});
  return probabilities;
}

}  // namespace churnml::onnx_export
