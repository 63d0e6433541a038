// ModelInferRequest tensors (the Open Inference Protocol over gRPC,
// grpc_predict_v2.proto) straight into the typed columns of a Dataset, and
// the answer back into ModelInferResponse tensors.
//
// A request carries one input per schema column, named as the column, all
// with the same batch size N and shape [N] or [N, 1]:
//   - categorical columns and the id column: BYTES; "" is a missing value;
//   - numeric and integer columns: FP64, FP32, INT64, INT32 (also INT16,
//     INT8, UINT8/16/32/64 through their typed contents); NaN is a missing
//     value; an integer column takes only integral values.
// Elements come from the tensor's typed contents or, as Triton's and
// KServe's clients send them, from raw_input_contents (little-endian;
// BYTES elements each behind a 4-byte little-endian length) for FP64,
// FP32, INT64, INT32 and BYTES. The id input and nullable columns may be
// left out (ids then are the element index); the target is accepted and
// ignored. The schema's checks (range, allowed values, nullable) run on
// the typed values. Categories are found through a table built once per
// decoder (per served model).
//
// Request parameters: "explain" (bool) adds the outputs "contributions"
// (FP64, [N, F], log-odds per raw feature, the feature order in the
// tensor's "features" parameter) and "base_value" (FP64, [N]). Requested
// outputs ("outputs") restrict the answer to the named ones.
//
// Thread safety: an InferTensorDecoder is immutable; Decode runs
// concurrently on any number of threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "data/dataset.h"
#include "data/schema.h"
#include "grpc_predict_v2.pb.h"

namespace churnml::serving {

inline constexpr std::string_view kInferProbability = "probability";      // FP64 [N]
inline constexpr std::string_view kInferPrediction = "prediction";        // INT64 [N]
inline constexpr std::string_view kInferContributions = "contributions";  // FP64 [N, F]
inline constexpr std::string_view kInferBaseValue = "base_value";         // FP64 [N]
inline constexpr std::string_view kExplainParameter = "explain";

struct DecodedInfer {
  size_t rows = 0;       // N, the rows appended to the Dataset
  bool explain = false;  // the "explain" parameter
  bool probability = true;
  bool prediction = true;
  bool contributions = false;
  bool base_value = false;
};

struct InferDecodeError {
  enum class Kind { kInvalid, kTooLarge };
  Kind kind = Kind::kInvalid;
  std::string message;  // one line; names the input, element and problem
};

class InferTensorDecoder {
 public:
  explicit InferTensorDecoder(const Schema& schema);

  const Schema& schema() const { return schema_; }

  // Decodes `request` into `rows` (an empty Dataset of this schema; emptied
  // again on error). kTooLarge when N > max_batch; kInvalid for everything
  // else (unknown, duplicate or missing input, wrong datatype, bad shape,
  // contents that do not match the shape, batch sizes that differ, bad
  // elements, unknown requested outputs, a non-bool "explain"); at most
  // kMaxProblems problems are listed, with a count of the rest.
  std::optional<InferDecodeError> Decode(const inference::ModelInferRequest& request,
                                         size_t max_batch, Dataset* rows, DecodedInfer* out) const;

  static constexpr size_t kMaxProblems = 10;
  // Longest BYTES element accepted, in bytes.
  static constexpr size_t kMaxElementBytes = 1024;

 private:
  // What the decoder knows about each schema column, built once.
  struct Column {
    enum class Role { kFeature, kId, kTarget } role = Role::kFeature;
    ColumnType type = ColumnType::kNumeric;
    bool nullable = false;
    std::optional<double> min, max;
    bool closed = false;  // categorical with a closed vocabulary
    std::unordered_map<std::string, int32_t> levels;
    std::string allowed;  // "\"Yes\", \"No\"" for messages
    std::string name;
    size_t schema_index = 0;
  };
  class Problems;
  void DecodeColumn(const Column& column, const inference::ModelInferRequest::InferInputTensor& in,
                    const std::string* raw, size_t n, Dataset* rows, Problems& problems) const;

  Schema schema_;
  std::vector<Column> columns_;  // by schema index
  std::unordered_map<std::string, size_t> index_;
};

// The answer: the outputs `decoded` asks for, in the order probability,
// prediction, contributions, base_value, typed contents. `contributions`
// holds N × features.size() values and `base_values` N, when explained.
struct InferAnswer {
  std::string_view model_name;
  std::string_view model_version;
  std::span<const double> probabilities;
  double threshold = 0.5;
  std::span<const std::string> features;
  std::span<const double> contributions;
  std::span<const double> base_values;
  std::string_view fallback;  // "" when the model answered, else the fallback kind
  std::string_view variant;   // the A/B variant that answered ("" without variants)
};

void EncodeInferResponse(const inference::ModelInferRequest& request, const DecodedInfer& decoded,
                         const InferAnswer& answer, inference::ModelInferResponse* response);

}  // namespace churnml::serving
