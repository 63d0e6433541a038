// The Open Inference Protocol (KServe V2) REST bodies (docs/api.md):
// POST /v2/models/{name}[/versions/{v}]/infer, GET /v2/models/{name}
// (model metadata), GET /v2 (server metadata) and the {"error":...} body.
//
// An infer request carries one named input per schema column, all with
// the same batch size N: shape [N] or [N, 1], data flattened in row-major
// order (one level of nesting, [[a],[b]], is accepted too). Categorical
// columns and customerID are BYTES (JSON strings); numeric and integer
// columns are FP64, FP32, INT64 or INT32 (INT8/16, UINT8/16/32/64 too). A
// null element is a missing value. customerID and nullable columns may be
// left out; the target column is accepted and ignored. Elements are read
// straight into the typed columns of the caller's Dataset (numbers as
// numbers, categories as level indices: column_decoder.h), with the
// schema's value checks. Every problem is collected into one
// kInvalidInference error (400), each naming the input and, for data, the
// element index: the protocol has no per-row errors.
//
// Thread safety: an OipCodec is immutable; Decode runs concurrently on any
// number of threads.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "data/dataset.h"
#include "data/schema.h"
#include "serving/api/api_error.h"
#include "serving/api/column_decoder.h"
#include "serving/api/customer_record.h"
#include "serving/api/predict_codec.h"

namespace churnml::serving {

// The two outputs the model produces, by OIP name.
inline constexpr std::string_view kProbabilityOutput = "probability";  // FP64
inline constexpr std::string_view kPredictionOutput = "prediction";    // INT64

struct InferRequest {
  std::string id;   // echoed in the response; "" when the request had none
  size_t rows = 0;  // the batch size N: rows appended to the Dataset
  // Requested outputs ("outputs" member); both when it is absent.
  bool want_probability = true;
  bool want_prediction = true;
  // "parameters":{"explain":true}: also the outputs "contributions" (FP64
  // [N, F], log-odds per raw feature) and "base_value" (FP64 [N]); with
  // "outputs" given, only those it names.
  bool explain = false;
  bool want_contributions = false;
  bool want_base_value = false;
};

class OipCodec {
 public:
  explicit OipCodec(const Schema& schema);

  // Decodes an infer request, appending its N rows to `rows` (an empty
  // Dataset of this schema; on error it is left empty). Row ids are the
  // customerID input's elements ("" where absent). Errors: kInvalidJson (400);
  // kBatchTooLarge (413) when N > max_batch; kInvalidInference (400) for everything else: body not
  // an object, unknown or mistyped members, missing/unknown/ duplicate input, wrong datatype, bad
  // shape, data length != product of shape, batch sizes that differ, elements of the wrong JSON
  // type or value (range, category, null in a column that is not nullable).
  ApiResult<InferRequest> DecodeInferRequest(std::string_view body, size_t max_batch,
                                             Dataset* rows) const;

  const Schema& schema() const { return decoder_.schema(); }

 private:
  ColumnDecoder decoder_;
  ColumnLookup lookup_;
};

// {"model_name","model_version","id"?,"outputs":[{"name":"probability",
// "datatype":"FP64","shape":[N],"data":[...]},{"name":"prediction",
// "datatype":"INT64","shape":[N],"data":[...]}]} appended to `out`, with
// the outputs the request asked for; "id" only when the request had one.
void EncodeInferResponse(std::string_view model_name, std::string_view model_version,
                         const InferRequest& request, std::span<const Prediction> predictions,
                         std::string* out);

// Adds the explanation outputs to a body EncodeInferResponse just wrote:
// {"name":"contributions","datatype":"FP64","shape":[N,F],"parameters":
// {"unit":"log-odds","features":"tenure,Contract,..."},"data":[...]} and
// {"name":"base_value","datatype":"FP64","shape":[N],"parameters":
// {"unit":"log-odds"},"data":[...]}, as the request asked for them.
// `contributions` holds N x features.size() values, row-major.
void AppendInferExplanation(const InferRequest& request, std::span<const std::string> features,
                            std::span<const double> contributions,
                            std::span<const double> base_values, std::string* out);

// {"name","versions":[...],"platform":"churnml","inputs":[{"name",
// "datatype","shape":[-1]}...],"outputs":[...]}: one input per feature
// column (BYTES for categorical, INT64 for integer, FP64 for numeric).
void EncodeModelMetadata(const Schema& schema, std::string_view model_name,
                         std::span<const std::string> versions, std::string* out);

// {"name":"churnml","version":<server_version>,"extensions":[]}.
void EncodeServerMetadata(std::string_view server_version, std::string* out);

// {"error":<message>}.
void EncodeOipError(std::string_view message, std::string* out);

}  // namespace churnml::serving
