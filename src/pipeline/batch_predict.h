// The batch predict use case: raw-schema CSV in, CSV out with customerID,
// any kept input columns, probability and prediction, in input order.
//
// Streaming and parallel with bounded memory, on the data layer's ordered
// chunk pipeline (data/ordered_chunk_pipeline.h): one reader thread cuts the
// file into chunks of whole records, `threads` workers parse, validate and
// score chunks (through ModelArtifact::PredictProba, like serving), and the
// calling thread writes results out in order. At most 2 × threads chunks are
// in flight, so memory does not grow with the input.
// A row that fails validation goes to the rejects file with its reason and
// does not stop the batch. Output and rejects files are written under
// temporary names and renamed only when the whole batch succeeded.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "data/csv_chunk_reader.h"
#include "data/csv_partition.h"
#include "pipeline/model_artifact.h"

namespace churnml {

struct PredictOptions {
  std::string input_path;                        // "-" reads standard input
  std::filesystem::path output_path;             // required
  std::filesystem::path rejects_path;            // empty: "<output>.rejects.csv"
  std::optional<double> threshold;               // empty: the artifact's threshold
  int threads = 0;                               // worker threads; 0 = one per core
  size_t chunk_bytes = size_t{1} << 20;          // input bytes per work unit
  size_t max_line_bytes = kDefaultMaxLineBytes;  // longest input record accepted, bytes
  bool show_progress = true;                     // progress bar when stderr is a terminal
  // Input columns copied to the output between the id and the probability
  // (`--keep-columns`), in this order; any header column, in the schema or
  // not. The id column is always written and is not repeated.
  std::vector<std::string> keep_columns;
  // Only the records in this byte range of the input file (one partition of
  // `jobs submit predict --partitions N`, planned by PlanCsvPartitions); the
  // header is still read from the start of the file. Rejected rows are
  // numbered from 1 within the range. Empty: the whole input.
  std::optional<CsvByteRange> input_range;
};

// Wall-clock seconds summed over worker threads, per stage (the profile
// `churnml predict --profile` prints).
struct PredictStageTimes {
  double parse = 0;   // tokenising and validating records
  double score = 0;   // ModelArtifact::PredictProba: preprocessing and the model
  double encode = 0;  // formatting output rows
  double write = 0;   // the in-order sink: writing output and rejects
};

struct PredictReport {
  int64_t rows_read = 0;
  int64_t rows_scored = 0;
  int64_t rows_rejected = 0;
  int threads = 0;
  double seconds = 0;
  std::filesystem::path output_path;
  std::filesystem::path rejects_path;
  std::vector<std::string> kept_columns;  // the extra output columns, in order
  PredictStageTimes stages;

  // Name of the stage with the largest time.
  std::string SlowestStage() const;
};

// InvalidArgument for a malformed file (naming the line) or a header that
// does not fit the model's schema; IOError for unreadable input or
// unwritable output. Rejected rows are not an error: see report->rows_rejected.
// A keep column the header lacks (with the closest header name), named twice,
// or named like an output column is InvalidArgument naming --keep-columns.
Status PredictBatch(const ModelArtifact& artifact, const PredictOptions& options,
                    PredictReport* report);

}  // namespace churnml
