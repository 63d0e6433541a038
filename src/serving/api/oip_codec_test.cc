#include "serving/api/oip_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/schema.h"

namespace churnml::serving {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

// A two-customer infer request over every Telco feature column.
json TwoCustomers() {
  const Schema& schema = Schema::Telco();
  json inputs = json::array();
  for (size_t c : schema.feature_indices()) {
    const ColumnSpec& spec = schema.column(c);
    json input = {{"name", spec.name}, {"shape", {2}}};
    if (spec.type == ColumnType::kCategorical) {
      input["datatype"] = "BYTES";
      input["data"] = {spec.categories[0], spec.categories[1]};
    } else if (spec.type == ColumnType::kInteger) {
      input["datatype"] = "INT64";
      input["data"] = {0, 1};
    } else {
      input["datatype"] = "FP64";
      input["data"] = {29.85, 56.95};
    }
    inputs.push_back(input);
  }
  inputs.push_back({{"name", "customerID"},
                    {"shape", {2, 1}},
                    {"datatype", "BYTES"},
                    {"data", {{"A-1"}, {"B-2"}}}});
  return {{"id", "req-1"}, {"parameters", json::object()}, {"inputs", inputs}};
}

json& Input(json& request, std::string_view name) {
  for (json& input : request["inputs"]) {
    if (input["name"] == name) return input;
  }
  ADD_FAILURE() << name;
  return request;
}

class OipCodecTest : public ::testing::Test {
 protected:
  const Schema& schema_ = Schema::Telco();
  OipCodec codec_{schema_};
  Dataset rows_{schema_};

  ApiResult<InferRequest> Decode(const std::string& body, size_t max_batch = 100) {
    rows_.Clear();
    return codec_.DecodeInferRequest(body, max_batch, &rows_);
  }

  std::string ErrorOf(const json& request, size_t max_batch = 100) {
    ApiResult<InferRequest> r = Decode(request.dump(), max_batch);
    EXPECT_EQ(rows_.num_rows(), 0u);
    EXPECT_FALSE(r.ok());
    if (r.ok()) return "";
    EXPECT_EQ(r.error().kind, ApiErrorKind::kInvalidInference);
    EXPECT_EQ(r.error().http_status(), 400);
    return r.error().message;
  }
};

TEST_F(OipCodecTest, DecodesOneInputPerColumnIntoTypedColumnsAndEncodesTheResponse) {
  ApiResult<InferRequest> r = Decode(TwoCustomers().dump());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->id, "req-1");
  EXPECT_EQ(r->rows, 2u);
  ASSERT_EQ(rows_.num_rows(), 2u);
  EXPECT_EQ(rows_.ids()[1], "B-2");
  EXPECT_EQ(rows_.column(*schema_.IndexOf("tenure")).numbers[1], 1.0);
  EXPECT_DOUBLE_EQ(rows_.column(*schema_.IndexOf("MonthlyCharges")).numbers[1], 56.95);
  const ColumnData& contract = rows_.column(*schema_.IndexOf("Contract"));
  EXPECT_EQ(contract.codes[0], 0);  // "Month-to-month"
  EXPECT_EQ(contract.codes[1], 1);  // "One year"

  std::string out;
  std::vector<Prediction> predictions = {{0.125, 0}, {0.75, 1}};
  EncodeInferResponse("churn", "4", *r, predictions, &out);
  const json response = json::parse(out);
  EXPECT_EQ(response, json::parse(R"({"model_name":"churn","model_version":"4","id":"req-1",
      "outputs":[{"name":"probability","datatype":"FP64","shape":[2],"data":[0.125,0.75]},
                 {"name":"prediction","datatype":"INT64","shape":[2],"data":[0,1]}]})"));
}

TEST_F(OipCodecTest, RequestedOutputsAndNullableColumnsMayBeLeftOut) {
  json request = TwoCustomers();
  request.erase("id");
  request["outputs"] = {{{"name", "prediction"}}};
  json& inputs = request["inputs"];
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i]["name"] == "TotalCharges" || inputs[i]["name"] == "customerID") {
      inputs.erase(i--);
    }
  }
  ApiResult<InferRequest> r = Decode(request.dump());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->want_probability);
  EXPECT_TRUE(r->want_prediction);
  EXPECT_TRUE(std::isnan(rows_.column(*schema_.IndexOf("TotalCharges")).numbers[0]));
  EXPECT_EQ(rows_.ids()[1], "");  // no customerID input
  std::string out;
  std::vector<Prediction> predictions = {{0.125, 0}, {0.75, 1}};
  EncodeInferResponse("churn", "4", *r, predictions, &out);
  EXPECT_EQ(out, R"({"model_name":"churn","model_version":"4","outputs":[)"
                 R"({"name":"prediction","datatype":"INT64","shape":[2],"data":[0,1]}]})");
}

TEST_F(OipCodecTest, WrongDatatypeNamesTheInput) {
  json request = TwoCustomers();
  Input(request, "gender")["datatype"] = "FP64";
  EXPECT_EQ(ErrorOf(request),
            "input \"gender\": datatype \"FP64\" does not fit the column (expected BYTES)");
  request = TwoCustomers();
  Input(request, "tenure")["datatype"] = "BYTES";
  EXPECT_THAT(ErrorOf(request), HasSubstr("input \"tenure\": datatype \"BYTES\" does not fit"));
}

TEST_F(OipCodecTest, ShapeAndLengthErrors) {
  json request = TwoCustomers();
  Input(request, "tenure")["shape"] = {2, 2};
  EXPECT_EQ(ErrorOf(request), "input \"tenure\": shape [2, 2] must be [N] or [N, 1]");
  request = TwoCustomers();
  Input(request, "tenure")["shape"] = {3};
  EXPECT_EQ(ErrorOf(request), "input \"tenure\": data has 2 elements, shape [3] holds 3");
  request = TwoCustomers();
  Input(request, "tenure")["shape"] = {3};
  Input(request, "tenure")["data"] = {1, 2, 3};
  EXPECT_EQ(ErrorOf(request), "input \"tenure\": batch size 3 differs from 2 (input \"gender\")");
}

TEST_F(OipCodecTest, MissingUnknownAndDuplicateInputs) {
  json request = TwoCustomers();
  json& inputs = request["inputs"];
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i]["name"] == "Contract") inputs.erase(i--);
  }
  inputs.push_back({{"name", "tenur"}, {"shape", {2}}, {"datatype", "INT64"}, {"data", {1, 2}}});
  inputs.push_back(Input(request, "gender"));
  const std::string message = ErrorOf(request);
  EXPECT_THAT(message, HasSubstr("unknown input \"tenur\" (expected inputs: customerID, gender,"));
  EXPECT_THAT(message, HasSubstr("input \"gender\" appears more than once"));
  EXPECT_THAT(message, HasSubstr("missing input \"Contract\""));
}

TEST_F(OipCodecTest, ElementErrorsNameTheInputAndIndex) {
  json request = TwoCustomers();
  Input(request, "gender")["data"] = {"Female", 3};
  Input(request, "tenure")["data"] = {1, 2.5};
  Input(request, "MonthlyCharges")["data"] = {nullptr, 1.0};
  const std::string message = ErrorOf(request);
  EXPECT_THAT(message, HasSubstr("input \"gender\" element 1: expected a string, got a number"));
  EXPECT_THAT(message, HasSubstr("input \"tenure\" element 1: 2.5 is not an integer"));
  EXPECT_THAT(message, HasSubstr("input \"MonthlyCharges\" element 0: null is not allowed"));
}

TEST_F(OipCodecTest, SchemaValueErrorsNameTheInputAndElement) {
  json request = TwoCustomers();
  Input(request, "tenure")["data"] = {1, 99};
  EXPECT_EQ(ErrorOf(request), "input \"tenure\" element 1: \"99\" is outside the range [0, 72]");
  request = TwoCustomers();
  Input(request, "Contract")["data"] = {"Weekly", "One year"};
  EXPECT_THAT(ErrorOf(request),
              HasSubstr("input \"Contract\" element 0: \"Weekly\" is not an allowed value"));
}

TEST_F(OipCodecTest, RequestShapeErrors) {
  EXPECT_EQ(ErrorOf(json::array()), "request body must be a JSON object, got an array");
  EXPECT_EQ(ErrorOf(json::object()), "missing member \"inputs\"");
  EXPECT_EQ(ErrorOf({{"inputs", 1}}), "\"inputs\" must be an array, got a number");
  json request = TwoCustomers();
  request["extra"] = 1;
  request["outputs"] = {{{"name", "score"}}};
  const std::string message = ErrorOf(request);
  EXPECT_THAT(message, HasSubstr("unknown member \"extra\""));
  EXPECT_THAT(message, HasSubstr("unknown output \"score\""));

  ApiResult<InferRequest> big = Decode(TwoCustomers().dump(), 1);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().http_status(), 413);

  ApiResult<InferRequest> bad = Decode("{\"inputs\":[", 1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ApiErrorKind::kInvalidJson);
}

TEST_F(OipCodecTest, MetadataAndErrorBodies) {
  std::string model;
  std::vector<std::string> versions = {"3", "4"};
  EncodeModelMetadata(schema_, "churn", versions, &model);
  const json m = json::parse(model);
  EXPECT_EQ(m["name"], "churn");
  EXPECT_EQ(m["versions"], json({"3", "4"}));
  EXPECT_EQ(m["platform"], "churnml");
  ASSERT_EQ(m["inputs"].size(), schema_.feature_indices().size());
  EXPECT_EQ(m["inputs"][0], json::parse(R"({"name":"gender","datatype":"BYTES","shape":[-1]})"));
  EXPECT_EQ(m["inputs"][1],
            json::parse(R"({"name":"SeniorCitizen","datatype":"INT64","shape":[-1]})"));
  EXPECT_EQ(m["outputs"][0]["name"], "probability");
  EXPECT_EQ(m["outputs"][1]["datatype"], "INT64");

  std::string server;
  EncodeServerMetadata("0.1.0", &server);
  EXPECT_EQ(server, R"({"name":"churnml","version":"0.1.0","extensions":[]})");
  std::string error;
  EncodeOipError("model \"x\" not found", &error);
  EXPECT_EQ(error, R"({"error":"model \"x\" not found"})");
}

TEST_F(OipCodecTest, ManyUnknownInputsGiveASmallErrorQuotingTheExpectedNamesOnce) {
  json request = TwoCustomers();
  for (int i = 0; i < 5000; ++i) {
    request["inputs"].push_back({{"name", "unknown_" + std::to_string(i) + std::string(500, 'z')},
                                 {"shape", {2}},
                                 {"datatype", "INT64"},
                                 {"data", {1, 2}}});
  }
  const std::string message = ErrorOf(request);
  EXPECT_LT(message.size(), 5000u);
  EXPECT_THAT(message, HasSubstr("and 4980 more"));
  size_t quoted = 0;
  for (size_t at = message.find("expected inputs"); at != std::string::npos;
       at = message.find("expected inputs", at + 1)) {
    ++quoted;
  }
  EXPECT_EQ(quoted, 1u);
}

}  // namespace
}  // namespace churnml::serving
