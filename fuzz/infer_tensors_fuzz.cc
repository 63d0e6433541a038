// libFuzzer target: every input is parsed as a gRPC ModelInferRequest
// (protobuf wire format) and decoded by InferTensorDecoder against the
// Telco schema, then answered through EncodeInferResponse. Crashes,
// sanitizer reports, a decoded Dataset whose row count differs from the
// batch size, a category code outside its levels, a number outside its
// column's range (or NaN in a column that is not nullable), rows left
// behind by a failed decode, and a response whose tensors do not hold N
// elements are failures.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/schema.h"
#include "serving/grpc/infer_tensors.h"

namespace churnml::serving {
namespace {

constexpr size_t kMaxBatch = 64;

void Check(bool ok) {
  if (!ok) std::abort();
}

void CheckRows(const Schema& schema, const Dataset& rows, size_t n) {
  Check(rows.num_rows() == n);
  for (size_t c : schema.feature_indices()) {
    const ColumnSpec& spec = schema.column(c);
    const ColumnData& data = rows.column(c);
    if (spec.type == ColumnType::kCategorical) {
      Check(data.codes.size() == n);
      for (int32_t code : data.codes) {
        Check(code == kMissingCode ||
              (code >= 0 && static_cast<size_t>(code) < data.levels.size()));
        Check(code != kMissingCode || spec.nullable);
      }
      continue;
    }
    Check(data.numbers.size() == n);
    for (double v : data.numbers) {
      if (std::isnan(v)) {
        Check(spec.nullable);
        continue;
      }
      Check(std::isfinite(v));
      Check(!spec.min || v >= *spec.min);
      Check(!spec.max || v <= *spec.max);
    }
  }
}

}  // namespace
}  // namespace churnml::serving

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace churnml;
  using namespace churnml::serving;
  static const InferTensorDecoder decoder(Schema::Telco());
  inference::ModelInferRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  Dataset rows(Schema::Telco());
  DecodedInfer decoded;
  if (auto error = decoder.Decode(request, kMaxBatch, &rows, &decoded)) {
    Check(rows.num_rows() == 0);
    Check(!error->message.empty());
    return 0;
  }
  CheckRows(Schema::Telco(), rows, decoded.rows);
  const size_t n = decoded.rows;
  const std::vector<std::string> features = {"tenure", "Contract"};
  std::vector<double> probabilities(n, 0.25), contributions(2 * n, 0.5), base(n, -1.0);
  InferAnswer answer{"churn", "1", probabilities, 0.5, features, contributions, base, ""};
  inference::ModelInferResponse response;
  EncodeInferResponse(request, decoded, answer, &response);
  for (const auto& output : response.outputs()) {
    const auto& c = output.contents();
    const size_t count =
        static_cast<size_t>(c.fp64_contents_size()) + static_cast<size_t>(c.int64_contents_size());
    Check(count == (output.name() == "contributions" ? 2 * n : n));
  }
  return 0;
}
