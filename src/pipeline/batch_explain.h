// The batch explain use case: raw-schema CSV in, CSV out with, per row,
// the id, probability, prediction, the base value and the k features that
// moved the score most (by |contribution|, log-odds):
//   customerID,probability,prediction,base_value,
//   top1_feature,top1_value,top1_contribution, … topK_…
// topN_value is the row's raw input text for that feature (empty when
// missing). Chunks of the input are read, explained and written in turn,
// so memory does not grow with the input; the output is written under a
// temporary name and renamed when the whole batch succeeded. An invalid
// row stops the batch with its row, column and reason (explanations are
// read by people; a silently shorter file would mislead).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "common/status.h"
#include "data/csv_chunk_reader.h"
#include "pipeline/model_artifact.h"

namespace churnml {

struct ExplainBatchOptions {
  std::string input_path;                // "-" reads standard input
  std::filesystem::path output_path;     // "-" writes standard output
  size_t top_k = 5;                      // features per row, >= 1; capped at the feature count
  std::optional<double> threshold;       // empty: the artifact's threshold
  size_t chunk_bytes = size_t{1} << 20;  // input bytes per step
  size_t max_line_bytes = kDefaultMaxLineBytes;
};

struct ExplainBatchReport {
  int64_t rows = 0;
  size_t top_k = 0;  // after capping
  double seconds = 0;
  std::filesystem::path output_path;
};

// InvalidArgument for top_k 0, a header that does not fit the schema, a
// malformed file or an invalid row (naming the line or row and column);
// FailedPrecondition when the model cannot explain (see Explainer::Create);
// IOError for unreadable input or unwritable output.
Status ExplainBatch(std::shared_ptr<const ModelArtifact> artifact,
                    const ExplainBatchOptions& options, ExplainBatchReport* report);

}  // namespace churnml
