// Shared by `churnml drift` and `churnml retrain --if-drift`: the drift rule
// flags and the YAML thresholds file (docs/quality.md):
//
//   psi: 0.1          # default effect-size threshold per feature
//   alpha: 0.05       # default significance level per feature
//   share: 0.5        # dataset drift: share of drifted features
//   score: {psi: 0.1, alpha: 0.05}
//   features:
//     MonthlyCharges: {psi: 0.2}
//     gender: {alpha: 0.01}
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "common/status.h"
#include "pipeline/drift.h"

namespace churnml::cli {

struct DriftRuleFlags {
  std::string thresholds;  // YAML file; empty = defaults
  std::optional<double> psi;
  std::optional<double> alpha;
  std::optional<double> share;
};

// Adds --thresholds, --psi, --alpha and --share to `cmd`.
void AddDriftRuleFlags(CLI::App* cmd, DriftRuleFlags* flags);

// The file's rules, then the flags over them. InvalidArgument names the
// file and key (unknown keys are errors).
Result<DriftRules> BuildDriftRules(const DriftRuleFlags& flags);

}  // namespace churnml::cli
