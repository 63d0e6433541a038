// Deterministic synthetic customers in the Telco layout (Schema::Telco()),
// with the churn signal of churn_signal.h (about 26% churn) and the real
// data's dependencies: no internet → "No internet service" in the six
// service columns, no phone → "No phone service", TotalCharges ≈ tenure ×
// MonthlyCharges with noise and a single space when tenure is 0.
//
// Same seed and row count → byte-identical output on any machine: the
// generator uses its own PRNG and arithmetic-only distributions
// (deterministic_random.h). Streaming: memory is one output buffer.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/status.h"
#include "data/deterministic_random.h"

namespace churnml {

struct GeneratorOptions {
  int64_t rows = 1000;  // data rows after the header
  uint64_t seed = 42;
  // Population shift in [0, 1] for drift tests and demos: at 1, month-to-month
  // contracts rise from 55% to 85% of customers, fiber optic from 44% to
  // about 70%, every monthly charge rises by $10, and customers grow twice as
  // sensitive to price (the MonthlyCharges churn weight triples), so a model
  // retrained on shifted data scores better than the old one. 0 reproduces
  // the unshifted output byte for byte.
  double shift = 0;
  // Signal difficulty in [0, 1] for model search: adds interactions (fiber on
  // a monthly contract, seniors paying by electronic check, couples without
  // tech support), a tenure bump at 12-24 months, a non-monotone price band
  // and Gaussian noise of 1.5 × difficulty on the churn log-odds. Tuned
  // models beat defaults by more on harder data. 0 reproduces the default
  // output byte for byte.
  double difficulty = 0;
};

class SyntheticGenerator {
 public:
  explicit SyntheticGenerator(const GeneratorOptions& options);

  // The Telco header line, "customerID,...,Churn\n".
  static std::string Header();

  // Appends the next row (one CSV line with "\n") to `out`; false once all
  // rows were produced.
  bool AppendRow(std::string* out);

  int64_t rows_done() const { return next_row_; }

 private:
  void AppendCustomerId(std::string* out);

  GeneratorOptions options_;
  double contract_cdf_[3];
  double internet_cdf_[3];
  DeterministicRandom random_;
  int64_t next_row_ = 0;
  uint64_t id_offset_ = 0;
};

// Writes options.rows rows plus the header to `path` ("-" = standard output;
// files are written atomically). InvalidArgument for a shift or difficulty outside [0, 1].
// `progress`, when set, is called with the rows written so far after each output block (about every
// 7,000 rows).
Status GenerateCsv(const std::string& path, const GeneratorOptions& options,
                   const std::function<void(int64_t rows_done)>& progress = {});

}  // namespace churnml
