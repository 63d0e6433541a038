// JSON bodies of POST /predict and POST /predict/batch (docs/api.md).
//
// Decoding reads each customer straight into a typed row of the caller's
// Dataset (column_decoder.h): JSON types, schema values (categories,
// ranges) and nullability are checked on the way, and EVERY offending
// field is collected. Type rules per column:
//   numeric   a JSON number, or a string holding one ("29.85"; "" or blanks
//             are missing, as in the Telco CSV's TotalCharges), or null
//   integer   as numeric, but a number must be integral: 1.5 is rejected,
//             1.0 is read as 1
//   categorical / id   a JSON string, or null
// null (or an absent field) is a missing value, an error unless the column
// is nullable; customerID is optional. The target column (Churn) is
// accepted and ignored, so CSV rows can be posted as they are. Any other
// name is an unknown field (422), as is a name given twice.
//
// The path of one request (the batch one is the same with DecodeBatch,
// which never fails for a bad customer, and EncodeBatch):
//
//   Dataset rows(codec.schema());
//   ApiResult<CustomerRecord> r = codec.DecodePredict(body, &rows);
//   if (!r.ok()) return Reply(r.error().http_status(), r.error().ToJson());
//   artifact.PredictProba(rows, &p);
//   EncodePrediction(*r, {p[0], p[0] >= threshold}, model, &out);
//
// Thread safety: a PredictCodec is immutable; Decode* run concurrently on
// any number of threads (each thread parses with its own reused simdjson
// parser). The encoders are free functions on caller-owned buffers.
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

namespace churnml::serving {

// What the model said about one customer.
struct Prediction {
  double probability = 0;  // of the positive class (churn)
  int prediction = 0;      // 1 when probability >= the model's threshold, else 0
};

// The model that answered, for the response's "model" and "version".
struct ModelInfo {
  std::string_view name;
  std::string_view version;
  // Set when the fallback chain answered (e.g. "previous_version",
  // "prior"): the response then carries "fallback":"<value>". Empty: omitted.
  std::string_view fallback;
  // The A/B variant that answered (serve --variant): "variant":"<value>".
  // Empty: omitted.
  std::string_view variant = {};
};

class PredictCodec {
 public:
  explicit PredictCodec(const Schema& schema);

  // POST /predict: one JSON object, appended to `rows` (a Dataset of this
  // schema) as one row when valid (its id the customerID, "" when absent). Errors: kInvalidJson
  // (400) for bad JSON, kInvalidRequest (422) when the body is not an object, kInvalidCustomer
  // (422) listing every bad field (types, values, missing).
  ApiResult<CustomerRecord> DecodePredict(std::string_view body, Dataset* rows) const;

  // POST /predict/batch: {"customers":[{...},...]}. Each valid customer is
  // appended to `rows`, in order; a bad customer does not fail the batch:
  // it comes back as a record with errors (a non-object element too), and
  // the records with ok() are exactly the new rows. Errors for the whole
  // request: kInvalidJson (400); kInvalidRequest (422) when the body is
  // not an object, "customers" is missing or not an array, or another
  // top-level member is present; kBatchTooLarge (413) when there are more
  // than `max_batch` customers.
  ApiResult<std::vector<CustomerRecord>> DecodeBatch(std::string_view body, size_t max_batch,
                                                     Dataset* rows) const;

  const Schema& schema() const { return decoder_.schema(); }

 private:
  ColumnDecoder decoder_;
  ColumnLookup lookup_;
};

// {"customerID":..,"probability":..,"prediction":..,"model":..,"version":..
//  [,"fallback":..]} appended to `out`. customerID is null when the request
// had none.
void EncodePrediction(const CustomerRecord& record, const Prediction& prediction,
                      const ModelInfo& model, std::string* out);

// {"model":..,"version":..[,"fallback":..],"results":[...]} appended to
// `out`: one result per record, in request order; a valid record takes the
// next entry of `predictions` ({"customerID","probability","prediction"}),
// a record with errors becomes {"customerID"?,"index":i,"error":..,
// "fields":[...]}. Precondition: predictions.size() equals the number of
// records with ok().
void EncodeBatch(std::span<const CustomerRecord> records, std::span<const Prediction> predictions,
                 const ModelInfo& model, std::string* out);

}  // namespace churnml::serving
