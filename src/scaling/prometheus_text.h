// A bounded reader of the Prometheus text exposition format (0.0.4) for the
// live autoscaler: `churnml autoscale run` scrapes replicas' /metrics with it
// (docs/deploy.md). The text comes from the network, so every dimension is
// bounded (bytes, line length, samples, labels per sample) and a violation
// is an error naming the line, never a crash or unbounded growth.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace churnml::scaling {

struct PrometheusTextLimits {
  size_t max_bytes = 4 << 20;     // the whole text
  size_t max_line_bytes = 16384;  // one line, without its newline
  size_t max_samples = 100000;    // sample lines kept
  size_t max_labels = 32;         // label pairs on one sample
};

struct PromSample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;  // in text order, unescaped
  double value = 0;

  // The value of label `key`, or "" when the sample has none.
  std::string_view Label(std::string_view key) const;
};

// Parses `text`: sample lines `name{k="v",...} value [timestamp]`; `#`
// lines (HELP, TYPE, comments) and blank lines are skipped; values may be
// +Inf, -Inf or NaN. InvalidArgument naming the 1-based line for a
// malformed line, an over-long line, too many labels, too many samples or a
// text over max_bytes.
Result<std::vector<PromSample>> ParsePrometheusText(std::string_view text,
                                                    const PrometheusTextLimits& limits = {});

}  // namespace churnml::scaling
