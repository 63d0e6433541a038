#include "serving/variant_split.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include "common/strings.h"

namespace churnml::serving {

Result<VariantSpec> ParseVariantSpec(std::string_view text) {
  const std::string shown = "--variant \"" + Abbreviate(text, 128) + "\"";
  const size_t eq = text.find('=');
  const size_t colon = text.rfind(':');
  if (eq == std::string_view::npos || colon == std::string_view::npos || colon < eq) {
    return InvalidArgumentError(shown +
                                ": expected NAME=MODELREF:WEIGHT (e.g. "
                                "challenger=churn@challenger:10)");
  }
  VariantSpec spec;
  spec.name = std::string(text.substr(0, eq));
  spec.ref = std::string(text.substr(eq + 1, colon - eq - 1));
  const std::string weight(text.substr(colon + 1));
  if (spec.name.empty() || spec.name.size() > 32 || spec.name == "primary") {
    return InvalidArgumentError(shown + ": the name must be 1-32 characters and not \"primary\"");
  }
  for (char c : spec.name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) {
      return InvalidArgumentError(shown + ": the name may hold letters, digits, '_' and '-' only");
    }
  }
  if (spec.ref.empty()) return InvalidArgumentError(shown + ": the model reference is empty");
  char* end = nullptr;
  spec.weight = std::strtod(weight.c_str(), &end);
  if (weight.empty() || end != weight.c_str() + weight.size() || !(spec.weight > 0) ||
      !(spec.weight < 100)) {
    return InvalidArgumentError(shown + ": the weight \"" + Abbreviate(weight, 32) +
                                "\" must be a percentage above 0 and below 100");
  }
  return spec;
}

uint64_t StableHash(std::string_view key) {
  uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

Result<VariantSplit> VariantSplit::Create(const std::vector<double>& weights) {
  if (weights.empty() || weights.size() > kMaxVariants + 1) {
    return InvalidArgumentError("between 1 and " + std::to_string(kMaxVariants + 1) +
                                " variants are needed, got " + std::to_string(weights.size()));
  }
  VariantSplit split;
  double total = 0;
  for (double w : weights) {
    if (!(w >= 0)) return InvalidArgumentError("a variant weight is negative or not a number");
    total += w;
    split.upper_.push_back(static_cast<uint32_t>(std::llround(total * 100)));
  }
  if (std::abs(total - 100) > 1e-9) {
    return InvalidArgumentError("variant weights sum to " + FormatDouble(total) +
                                "%, not 100% (the primary model takes what the variants leave)");
  }
  split.upper_.back() = 10000;
  return split;
}

size_t VariantSplit::Pick(std::string_view key) const {
  const uint32_t point = static_cast<uint32_t>(StableHash(key) % 10000);
  for (size_t i = 0; i < upper_.size(); ++i) {
    if (point < upper_[i]) return i;
  }
  return upper_.size() - 1;
}

}  // namespace churnml::serving
