#include "serving/grpc/infer_tensors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

namespace churnml::serving {
namespace {

using ::testing::HasSubstr;
using Request = inference::ModelInferRequest;

void AddBytes(Request& r, const std::string& name, const std::vector<std::string>& values) {
  auto* in = r.add_inputs();
  in->set_name(name);
  in->set_datatype("BYTES");
  in->add_shape(static_cast<int64_t>(values.size()));
  for (const auto& v : values) in->mutable_contents()->add_bytes_contents(v);
}

void AddFp64(Request& r, const std::string& name, const std::vector<double>& values) {
  auto* in = r.add_inputs();
  in->set_name(name);
  in->set_datatype("FP64");
  in->add_shape(static_cast<int64_t>(values.size()));
  for (double v : values) in->mutable_contents()->add_fp64_contents(v);
}

// A valid request of `n` customers; tenure i % 73.
Request TelcoRequest(size_t n) {
  Request r;
  const Schema& schema = Schema::Telco();
  for (size_t c = 0; c < schema.num_columns(); ++c) {
    const ColumnSpec& spec = schema.column(c);
    if (spec.role == ColumnRole::kTarget) continue;
    if (spec.role == ColumnRole::kId) {
      std::vector<std::string> ids;
      for (size_t i = 0; i < n; ++i) ids.push_back("C-" + std::to_string(i));
      AddBytes(r, spec.name, ids);
    } else if (spec.type == ColumnType::kCategorical) {
      std::vector<std::string> values;
      for (size_t i = 0; i < n; ++i) values.push_back(spec.categories[i % spec.categories.size()]);
      AddBytes(r, spec.name, values);
    } else {
      std::vector<double> values;
      for (size_t i = 0; i < n; ++i) {
        values.push_back(spec.name == "SeniorCitizen" ? double(i % 2) : double(i % 73));
      }
      AddFp64(r, spec.name, values);
    }
  }
  return r;
}

class InferTensorsTest : public ::testing::Test {
 protected:
  InferTensorDecoder decoder_{Schema::Telco()};
  Dataset rows_{Schema::Telco()};
  DecodedInfer decoded_;

  std::optional<InferDecodeError> Decode(const Request& r, size_t max_batch = 100) {
    rows_.Clear();
    return decoder_.Decode(r, max_batch, &rows_, &decoded_);
  }
  size_t Index(const std::string& name) { return *Schema::Telco().IndexOf(name); }
};

TEST_F(InferTensorsTest, DecodesTypedContentsIntoTypedColumns) {
  const Request r = TelcoRequest(5);
  ASSERT_FALSE(Decode(r).has_value());
  EXPECT_EQ(rows_.num_rows(), 5u);
  EXPECT_EQ(decoded_.rows, 5u);
  EXPECT_EQ(rows_.ids()[3], "C-3");
  EXPECT_EQ(rows_.column(Index("tenure")).numbers[4], 4.0);
  const ColumnData& contract = rows_.column(Index("Contract"));
  EXPECT_EQ(contract.levels[contract.codes[2]], "Two year");
  EXPECT_TRUE(decoded_.probability && decoded_.prediction);
  EXPECT_FALSE(decoded_.explain || decoded_.contributions || decoded_.base_value);
}

TEST_F(InferTensorsTest, ReadsRawContentsAsTritonClientsSendThem) {
  Request typed = TelcoRequest(3);
  Request r;
  for (const auto& in : typed.inputs()) {
    auto* out = r.add_inputs();
    out->set_name(in.name());
    out->set_datatype(in.datatype());
    *out->mutable_shape() = in.shape();
    out->add_shape(1);  // [N, 1]
    std::string raw;
    if (in.datatype() == "BYTES") {
      for (const auto& v : in.contents().bytes_contents()) {
        const auto size = static_cast<uint32_t>(v.size());
        raw.append(reinterpret_cast<const char*>(&size), 4);
        raw += v;
      }
    } else {
      for (double v : in.contents().fp64_contents()) {
        raw.append(reinterpret_cast<const char*>(&v), 8);
      }
    }
    r.add_raw_input_contents(raw);
  }
  ASSERT_FALSE(Decode(r).has_value()) << Decode(r)->message;
  EXPECT_EQ(rows_.num_rows(), 3u);
  EXPECT_EQ(rows_.ids()[2], "C-2");
  EXPECT_EQ(rows_.column(Index("MonthlyCharges")).numbers[2], 2.0);
  // A raw BYTES entry whose lengths run past its end.
  r.mutable_raw_input_contents(0)->resize(5);
  auto error = Decode(r);
  ASSERT_TRUE(error.has_value());
  EXPECT_THAT(error->message, HasSubstr("length-prefixed"));
  EXPECT_EQ(rows_.num_rows(), 0u);
}

TEST_F(InferTensorsTest, NamesEveryBadElementAndLeavesNoRows) {
  Request r = TelcoRequest(4);
  for (auto& in : *r.mutable_inputs()) {
    if (in.name() == "tenure") in.mutable_contents()->set_fp64_contents(1, 99);
    if (in.name() == "Contract") in.mutable_contents()->set_bytes_contents(3, "Weekly");
    if (in.name() == "SeniorCitizen") in.mutable_contents()->set_fp64_contents(0, 0.5);
    if (in.name() == "gender") in.mutable_contents()->set_bytes_contents(2, "");
  }
  auto error = Decode(r);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->kind, InferDecodeError::Kind::kInvalid);
  EXPECT_THAT(error->message,
              HasSubstr("input \"tenure\" element 1: 99 is outside the range [0, 72]"));
  EXPECT_THAT(error->message,
              HasSubstr("input \"Contract\" element 3: \"Weekly\" is not an allowed value"));
  EXPECT_THAT(error->message,
              HasSubstr("input \"SeniorCitizen\" element 0: 0.5 is not an integer"));
  EXPECT_THAT(error->message, HasSubstr("input \"gender\" element 2: missing value"));
  EXPECT_EQ(rows_.num_rows(), 0u);
}

TEST_F(InferTensorsTest, TotalChargesMayBeMissingAsNaNOrLeftOut) {
  Request r = TelcoRequest(2);
  for (auto& in : *r.mutable_inputs()) {
    if (in.name() == "TotalCharges") {
      in.mutable_contents()->set_fp64_contents(0, std::numeric_limits<double>::quiet_NaN());
    }
  }
  ASSERT_FALSE(Decode(r).has_value());
  EXPECT_TRUE(std::isnan(rows_.column(Index("TotalCharges")).numbers[0]));
  Request without;
  for (const auto& in : r.inputs()) {
    if (in.name() != "TotalCharges" && in.name() != "customerID") *without.add_inputs() = in;
  }
  ASSERT_FALSE(Decode(without).has_value());
  EXPECT_TRUE(std::isnan(rows_.column(Index("TotalCharges")).numbers[1]));
  EXPECT_EQ(rows_.ids()[1], "1");  // ids are the element index
}

TEST_F(InferTensorsTest, RefusesShapesTypesNamesAndBatchSizes) {
  Request r = TelcoRequest(3);
  r.mutable_inputs(1)->set_datatype("FP64");
  r.mutable_inputs(5)->add_shape(2);
  AddBytes(r, "Region", {"a", "b", "c"});
  AddFp64(r, "tenure", {1, 2, 3});
  auto error = Decode(r);
  ASSERT_TRUE(error.has_value());
  EXPECT_THAT(error->message, HasSubstr("datatype \"FP64\", expected BYTES"));
  EXPECT_THAT(error->message, HasSubstr("shape must be [N] or [N, 1]"));
  EXPECT_THAT(error->message, HasSubstr("unknown input \"Region\""));
  EXPECT_THAT(error->message, HasSubstr("input \"tenure\": given twice"));

  Request short_batch = TelcoRequest(3);
  short_batch.mutable_inputs(2)->set_shape(0, 2);
  error = Decode(short_batch);
  ASSERT_TRUE(error.has_value());
  EXPECT_THAT(error->message, HasSubstr("batch size 2, other inputs have 3"));

  Request mismatch = TelcoRequest(3);
  mismatch.mutable_inputs(3)->mutable_contents()->add_bytes_contents("Yes");
  error = Decode(mismatch);
  ASSERT_TRUE(error.has_value());
  EXPECT_THAT(error->message, HasSubstr("contents hold 4 BYTES elements, shape needs 3"));

  Request missing;
  *missing.add_inputs() = TelcoRequest(1).inputs(1);
  error = Decode(missing);
  ASSERT_TRUE(error.has_value());
  EXPECT_THAT(error->message, HasSubstr("missing input \"tenure\""));
}

TEST_F(InferTensorsTest, BatchLimitIsItsOwnKind) {
  auto error = Decode(TelcoRequest(11), 10);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->kind, InferDecodeError::Kind::kTooLarge);
  EXPECT_THAT(error->message, HasSubstr("batch of 11 rows, the limit is 10"));
}

TEST_F(InferTensorsTest, ExplainParameterAndRequestedOutputs) {
  Request r = TelcoRequest(2);
  (*r.mutable_parameters())["explain"].set_bool_param(true);
  ASSERT_FALSE(Decode(r).has_value());
  EXPECT_TRUE(decoded_.explain && decoded_.contributions && decoded_.base_value);
  r.add_outputs()->set_name("contributions");
  ASSERT_FALSE(Decode(r).has_value());
  EXPECT_TRUE(decoded_.contributions);
  EXPECT_FALSE(decoded_.probability || decoded_.prediction || decoded_.base_value);
  (*r.mutable_parameters())["explain"].set_string_param("yes");
  auto error = Decode(r);
  ASSERT_TRUE(error.has_value());
  EXPECT_THAT(error->message, HasSubstr("parameter \"explain\": expected a bool"));
  r.mutable_parameters()->erase("explain");
  r.add_outputs()->set_name("logits");
  error = Decode(r);
  ASSERT_TRUE(error.has_value());
  EXPECT_THAT(error->message, HasSubstr("\"contributions\" needs the request parameter"));
  EXPECT_THAT(error->message, HasSubstr("unknown requested output \"logits\""));
}

TEST(EncodeInferResponse, WritesTheRequestedTensorsWithTheUnit) {
  Request r;
  r.set_id("req-1");
  DecodedInfer decoded;
  decoded.explain = decoded.contributions = decoded.base_value = true;
  const std::vector<double> p = {0.2, 0.7};
  const std::vector<std::string> features = {"tenure", "Contract"};
  const std::vector<double> contributions = {0.1, -0.2, 0.3, 0.4};
  const std::vector<double> base = {-1.0, -1.0};
  InferAnswer answer{"churn", "3", p, 0.5, features, contributions, base, ""};
  inference::ModelInferResponse response;
  EncodeInferResponse(r, decoded, answer, &response);
  EXPECT_EQ(response.model_name(), "churn");
  EXPECT_EQ(response.model_version(), "3");
  EXPECT_EQ(response.id(), "req-1");
  ASSERT_EQ(response.outputs_size(), 4);
  EXPECT_EQ(response.outputs(0).name(), "probability");
  EXPECT_EQ(response.outputs(0).contents().fp64_contents(1), 0.7);
  EXPECT_EQ(response.outputs(1).contents().int64_contents(0), 0);
  EXPECT_EQ(response.outputs(1).contents().int64_contents(1), 1);
  const auto& c = response.outputs(2);
  EXPECT_EQ(c.name(), "contributions");
  EXPECT_EQ(c.shape(0), 2);
  EXPECT_EQ(c.shape(1), 2);
  EXPECT_EQ(c.contents().fp64_contents(3), 0.4);
  EXPECT_EQ(c.parameters().at("unit").string_param(), "log-odds");
  EXPECT_EQ(c.parameters().at("features").string_param(), "tenure,Contract");
  EXPECT_EQ(response.outputs(3).name(), "base_value");
  EXPECT_TRUE(response.parameters().empty());
}

}  // namespace
}  // namespace churnml::serving
