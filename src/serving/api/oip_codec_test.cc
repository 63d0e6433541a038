#include "serving/api/oip_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/row_converter.h"
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

  std::string ErrorOf(const json& request, size_t max_batch = 100) {
    ApiResult<InferRequest> r = codec_.DecodeInferRequest(request.dump(), max_batch);
    EXPECT_FALSE(r.ok());
    if (r.ok()) return "";
    EXPECT_EQ(r.error().kind, ApiErrorKind::kInvalidInference);
    EXPECT_EQ(r.error().http_status(), 400);
    return r.error().message;
  }
};

TEST_F(OipCodecTest, DecodesOneInputPerColumnIntoRecordsAndEncodesTheResponse) {
  ApiResult<InferRequest> r = codec_.DecodeInferRequest(TwoCustomers().dump(), 100);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->id, "req-1");
  ASSERT_EQ(r->records.size(), 2u);
  EXPECT_EQ(CustomerId(schema_, r->records[1]), "B-2");
  EXPECT_EQ(r->records[1].fields[*schema_.IndexOf("tenure")], "1");
  EXPECT_EQ(r->records[1].fields[*schema_.IndexOf("MonthlyCharges")], "56.95");
  EXPECT_EQ(r->records[0].fields[*schema_.IndexOf("Contract")], "Month-to-month");

  Dataset data(schema_);
  ConvertCustomers(RowConverter::ForSchema(schema_, TargetPolicy::kIgnore), r->records, &data);
  ASSERT_EQ(data.num_rows(), 2u);

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
  ApiResult<InferRequest> r = codec_.DecodeInferRequest(request.dump(), 100);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->want_probability);
  EXPECT_TRUE(r->want_prediction);
  EXPECT_EQ(r->records[0].fields[*schema_.IndexOf("TotalCharges")], "");
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

TEST_F(OipCodecTest, SchemaValueErrorsAfterConversion) {
  json request = TwoCustomers();
  Input(request, "tenure")["data"] = {1, 99};
  ApiResult<InferRequest> r = codec_.DecodeInferRequest(request.dump(), 100);
  ASSERT_TRUE(r.ok()) << r.error().message;
  Dataset data(schema_);
  ConvertCustomers(RowConverter::ForSchema(schema_, TargetPolicy::kIgnore), r->records, &data);
  EXPECT_EQ(data.num_rows(), 1u);
  ApiError error = InvalidInferRowsError(r->records);
  EXPECT_EQ(error.http_status(), 400);
  EXPECT_EQ(error.message, "input \"tenure\" element 1: \"99\" is outside the range [0, 72]");
  EXPECT_EQ(error.ToJson(),
            R"({"error":"input \"tenure\" element 1: \"99\" is outside the range [0, 72]"})");
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

  ApiResult<InferRequest> big = codec_.DecodeInferRequest(TwoCustomers().dump(), 1);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().http_status(), 413);

  ApiResult<InferRequest> bad = codec_.DecodeInferRequest("{\"inputs\":[", 1);
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
