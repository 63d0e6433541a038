// JSON forms of BinaryMetrics and FoldSummary. The shapes are a contract
// (docs/metrics.md): keys are only ever added, never renamed or removed.
// This file's .cc is the one adapter for nlohmann-json in the eval layer.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "common/status.h"
#include "eval/binary_metrics.h"
#include "eval/fold_summary.h"

namespace churnml {

// {"rows", "positives", "threshold", "accuracy", "precision", "recall", "f1",
//  "roc_auc" (number or null), "average_precision" (number or null),
//  "log_loss", "brier_score",
//  "confusion_matrix": {"tn", "fp", "fn", "tp"},
//  "classification_report": {"0": {...}, "1": {...}, "macro_avg": {...},
//                            "weighted_avg": {...}, "accuracy"}}
// where each {...} is {"precision", "recall", "f1", "support"}.
nlohmann::json ToJson(const BinaryMetrics& metrics);

// Reads the shape ToJson writes (extra keys are ignored, so newer files load).
// InvalidArgument naming the missing or mistyped key.
Result<BinaryMetrics> BinaryMetricsFromJson(const nlohmann::json& json);

// {"folds": K, "metrics": {"<name>": {"mean", "std", "folds"} or null, ...}}
nlohmann::json ToJson(const FoldSummary& summary);

}  // namespace churnml
