#include "serving/api/predict_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/schema.h"

namespace churnml::serving {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// One valid Telco customer, without the closing brace so tests can add fields.
constexpr std::string_view kCustomerOpen =
    R"({"customerID":"7590-VHVEG","gender":"Female","SeniorCitizen":0,"Partner":"Yes",)"
    R"("Dependents":"No","tenure":1,"PhoneService":"No","MultipleLines":"No phone service",)"
    R"("InternetService":"DSL","OnlineSecurity":"No","OnlineBackup":"Yes",)"
    R"("DeviceProtection":"No","TechSupport":"No","StreamingTV":"No","StreamingMovies":"No",)"
    R"("Contract":"Month-to-month","PaperlessBilling":"Yes","PaymentMethod":"Electronic check",)"
    R"("MonthlyCharges":29.85,"TotalCharges":"29.85")";

std::string Customer(std::string_view extra = "") {
  return std::string(kCustomerOpen) + std::string(extra) + "}";
}

// Replaces the first occurrence of `from` in `s`.
std::string Replace(std::string s, std::string_view from, std::string_view to) {
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

class PredictCodecTest : public ::testing::Test {
 protected:
  const Schema& schema_ = Schema::Telco();
  PredictCodec codec_{schema_};
  Dataset rows_{schema_};

  ApiResult<CustomerRecord> Decode(std::string_view body) {
    rows_.Clear();
    return codec_.DecodePredict(body, &rows_);
  }
  ApiResult<std::vector<CustomerRecord>> DecodeBatch(std::string_view body, size_t max) {
    rows_.Clear();
    return codec_.DecodeBatch(body, max, &rows_);
  }

  std::vector<FieldError> DecodeErrors(const std::string& body) {
    ApiResult<CustomerRecord> r = Decode(body);
    EXPECT_EQ(rows_.num_rows(), 0u);
    EXPECT_FALSE(r.ok()) << body;
    if (r.ok()) return {};
    EXPECT_EQ(r.error().kind, ApiErrorKind::kInvalidCustomer) << r.error().message;
    EXPECT_EQ(r.error().http_status(), 422);
    return r.error().fields;
  }
};

TEST_F(PredictCodecTest, DecodesOneCustomerIntoTypedColumns) {
  ApiResult<CustomerRecord> r = Decode(Customer());
  ASSERT_TRUE(r.ok()) << r.error().ToJson();
  EXPECT_TRUE(r->ok());
  EXPECT_EQ(r->customer_id, "7590-VHVEG");
  ASSERT_EQ(rows_.num_rows(), 1u);
  EXPECT_EQ(rows_.ids()[0], "7590-VHVEG");
  EXPECT_EQ(rows_.column(*schema_.IndexOf("tenure")).numbers[0], 1.0);
  EXPECT_DOUBLE_EQ(rows_.column(*schema_.IndexOf("MonthlyCharges")).numbers[0], 29.85);
  EXPECT_DOUBLE_EQ(rows_.column(*schema_.IndexOf("TotalCharges")).numbers[0], 29.85);
  // "Electronic check" is level 0 of PaymentMethod's closed vocabulary.
  const ColumnData& payment = rows_.column(*schema_.IndexOf("PaymentMethod"));
  EXPECT_EQ(payment.levels[static_cast<size_t>(payment.codes[0])], "Electronic check");
  const ColumnData& lines = rows_.column(*schema_.IndexOf("MultipleLines"));
  EXPECT_EQ(lines.levels[static_cast<size_t>(lines.codes[0])], "No phone service");
}

TEST_F(PredictCodecTest, CustomerIdIsOptionalAndTargetIsIgnored) {
  std::string body = Replace(Customer(R"(,"Churn":"No")"), R"("customerID":"7590-VHVEG",)", "");
  ApiResult<CustomerRecord> r = Decode(body);
  ASSERT_TRUE(r.ok()) << r.error().ToJson();
  EXPECT_FALSE(r->has_customer_id);
  EXPECT_EQ(r->customer_id, "");
  ASSERT_EQ(rows_.num_rows(), 1u);
  EXPECT_EQ(rows_.ids()[0], "");

  std::string out;
  EncodePrediction(*r, {0.25, 0}, {"churn", "3", ""}, &out);
  EXPECT_EQ(
      out,
      R"({"customerID":null,"probability":0.25,"prediction":0,"model":"churn","version":"3"})");
}

TEST_F(PredictCodecTest, NumericColumnsAcceptNumbersNumericStringsAndBlankForNullable) {
  std::string body = Replace(Customer(), R"("TotalCharges":"29.85")", R"("TotalCharges":" ")");
  body = Replace(body, R"("tenure":1)", R"("tenure":"12")");
  body = Replace(body, R"("SeniorCitizen":0)", R"("SeniorCitizen":1.0)");
  ApiResult<CustomerRecord> r = Decode(body);
  ASSERT_TRUE(r.ok()) << r.error().ToJson();
  ASSERT_EQ(rows_.num_rows(), 1u);
  EXPECT_EQ(rows_.column(*schema_.IndexOf("tenure")).numbers[0], 12.0);
  EXPECT_EQ(rows_.column(*schema_.IndexOf("SeniorCitizen")).numbers[0], 1.0);
  EXPECT_TRUE(std::isnan(rows_.column(*schema_.IndexOf("TotalCharges")).numbers[0]));

  std::string null_total =
      Replace(Customer(), R"("TotalCharges":"29.85")", R"("TotalCharges":null)");
  EXPECT_TRUE(Decode(null_total).ok());
  EXPECT_TRUE(std::isnan(rows_.column(*schema_.IndexOf("TotalCharges")).numbers[0]));
}

TEST_F(PredictCodecTest, CollectsEveryTypeError) {
  std::string body = Replace(Customer(), R"("tenure":1)", R"("tenure":1.5)");
  body = Replace(body, R"("gender":"Female")", R"("gender":3)");
  body = Replace(body, R"("MonthlyCharges":29.85)", R"("MonthlyCharges":true)");
  body = Replace(body, R"("Partner":"Yes")", R"("Partner":["Yes"])");
  body = Replace(body, R"("Dependents":"No")", R"("Dependents":null)");
  body = Replace(body, R"("customerID":"7590-VHVEG")", R"("customerID":{})");
  EXPECT_THAT(
      DecodeErrors(body),
      ElementsAre(FieldError{"customerID", "expected a string, got an object"},
                  FieldError{"gender", "expected a string, got a number"},
                  FieldError{"Partner", "expected a string, got an array"},
                  FieldError{"tenure", "1.5 is not an integer"},
                  FieldError{"MonthlyCharges", "expected a number, got a boolean"},
                  FieldError{"Dependents", "null is not allowed (the field is not nullable)"}));
}

TEST_F(PredictCodecTest, UnknownDuplicateAndMissingFields) {
  std::string body =
      Replace(Customer(R"(,"tenur":3,"gender":"Male")"), R"("Contract":"Month-to-month",)", "");
  std::vector<FieldError> errors = DecodeErrors(body);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].field, "tenur");
  EXPECT_THAT(errors[0].message, HasSubstr("unknown field (expected fields: customerID, gender,"));
  EXPECT_EQ(errors[1], (FieldError{"gender", "field appears more than once"}));
  EXPECT_EQ(errors[2], (FieldError{"Contract", "required field is missing"}));
}

TEST_F(PredictCodecTest, SchemaValueErrorsNameTheirFields) {
  std::string body = Replace(Customer(), R"("tenure":1)", R"("tenure":99)");
  body = Replace(body, R"("Contract":"Month-to-month")", R"("Contract":"Weekly")");
  body = Replace(body, R"("TotalCharges":"29.85")", R"("TotalCharges":"abc")");
  const std::vector<FieldError> errors = DecodeErrors(body);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].field, "tenure");
  EXPECT_EQ(errors[0].message, "\"99\" is outside the range [0, 72]");
  EXPECT_EQ(errors[1].field, "Contract");
  EXPECT_THAT(errors[1].message, HasSubstr("\"Weekly\" is not an allowed value"));
  EXPECT_EQ(errors[2], (FieldError{"TotalCharges", "\"abc\" is not a number"}));

  ApiResult<CustomerRecord> r = Decode(body);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status(), 422);
  EXPECT_THAT(
      r.error().ToJson(),
      HasSubstr(
          R"({"error":"invalid customer","fields":[{"field":"tenure","message":"\"99\" is outside the range [0, 72]"},)"));
}

TEST_F(PredictCodecTest, TypeMissingAndValueErrorsAreListedTogether) {
  std::string body = Replace(Customer(), R"("tenure":1)", R"("tenure":"ten")");
  body = Replace(body, R"("gender":"Female",)", "");
  body = Replace(body, R"("SeniorCitizen":0)", R"("SeniorCitizen":true)");
  body = Replace(body, R"("Contract":"Month-to-month")", R"("Contract":"Weekly")");
  std::vector<std::string> fields;
  for (const FieldError& e : DecodeErrors(body)) fields.push_back(e.field);
  std::sort(fields.begin(), fields.end());
  EXPECT_THAT(fields, ElementsAre("Contract", "SeniorCitizen", "gender", "tenure"));
}

TEST_F(PredictCodecTest, InvalidJsonIs400WithBytePosition) {
  ApiResult<CustomerRecord> r = Decode(R"({"tenure": tru})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ApiErrorKind::kInvalidJson);
  EXPECT_EQ(r.error().http_status(), 400);
  EXPECT_THAT(r.error().message, HasSubstr("invalid JSON: "));
  EXPECT_THAT(r.error().message, HasSubstr(" at byte 14"));
  EXPECT_EQ(r.error().ToJson().rfind("{\"error\":\"invalid JSON: ", 0), 0u);

  ApiResult<CustomerRecord> empty = Decode("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().kind, ApiErrorKind::kInvalidJson);
}

TEST_F(PredictCodecTest, InvalidJsonMessageIsPrintableAscii) {
  ApiResult<CustomerRecord> r = Decode("{\"a\":\x01\xff}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ApiErrorKind::kInvalidJson);
  for (char c : r.error().message) EXPECT_TRUE(c >= ' ' && c <= '~') << r.error().message;
}

TEST_F(PredictCodecTest, EmptyCustomerIdCountsAsAbsent) {
  std::string body = Replace(Customer(), R"("customerID":"7590-VHVEG")", R"("customerID":"")");
  ApiResult<CustomerRecord> r = Decode(body);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_customer_id);
  EXPECT_EQ(rows_.num_rows(), 1u);
}

TEST_F(PredictCodecTest, NonObjectBodyIs422) {
  ApiResult<CustomerRecord> r = Decode("[1,2]");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ApiErrorKind::kInvalidRequest);
  EXPECT_EQ(r.error().http_status(), 422);
  EXPECT_EQ(r.error().ToJson(), R"({"error":"request body must be a JSON object, got an array"})");
}

TEST_F(PredictCodecTest, BatchGivesPerRowResults) {
  std::string bad = Replace(Customer(), R"("tenure":1)", R"("tenure":"x")");
  bad = Replace(bad, R"("customerID":"7590-VHVEG")", R"("customerID":"BAD-1")");
  std::string wrong_type = Replace(Customer(), R"("gender":"Female")", R"("gender":false)");
  std::string body = R"({"customers":[)" + Customer() + "," + bad + ",42," + wrong_type + "]}";
  ApiResult<std::vector<CustomerRecord>> r = DecodeBatch(body, 100);
  ASSERT_TRUE(r.ok()) << r.error().ToJson();
  std::vector<CustomerRecord>& records = *r;
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(rows_.num_rows(), 1u);
  EXPECT_TRUE(records[0].ok());
  EXPECT_FALSE(records[1].ok());
  EXPECT_FALSE(records[2].ok());
  EXPECT_FALSE(records[3].ok());

  std::string out;
  std::vector<Prediction> predictions = {{0.625, 1}};
  EncodeBatch(records, predictions, {"churn", "7", "prior"}, &out);
  EXPECT_EQ(out,
            R"({"model":"churn","version":"7","fallback":"prior","results":[)"
            R"({"customerID":"7590-VHVEG","probability":0.625,"prediction":1},)"
            R"({"customerID":"BAD-1","index":1,"error":"invalid customer","fields":[)"
            R"({"field":"tenure","message":"\"x\" is not an integer"}]},)"
            R"({"index":2,"error":"customer must be a JSON object, got a number","fields":[]},)"
            R"({"customerID":"7590-VHVEG","index":3,"error":"invalid customer","fields":[)"
            R"({"field":"gender","message":"expected a string, got a boolean"}]}]})");
}

TEST_F(PredictCodecTest, BatchRequestErrors) {
  auto kind_of = [&](std::string_view body, size_t max) {
    ApiResult<std::vector<CustomerRecord>> r = DecodeBatch(body, max);
    EXPECT_FALSE(r.ok()) << body;
    return r.ok() ? std::pair{ApiErrorKind::kInvalidRequest, std::string("ok")}
                  : std::pair{r.error().kind, r.error().message};
  };
  EXPECT_EQ(kind_of("{}", 10),
            std::pair(ApiErrorKind::kInvalidRequest, std::string("missing member \"customers\"")));
  EXPECT_EQ(kind_of(R"({"customers":{}})", 10),
            std::pair(ApiErrorKind::kInvalidRequest,
                      std::string("\"customers\" must be an array, got an object")));
  EXPECT_EQ(kind_of(R"({"customers":[],"x":1})", 10),
            std::pair(ApiErrorKind::kInvalidRequest,
                      std::string("unknown member \"x\" (expected \"customers\")")));
  EXPECT_EQ(kind_of(R"("customers")", 10),
            std::pair(ApiErrorKind::kInvalidRequest,
                      std::string("request body must be a JSON object, got a string")));
  EXPECT_EQ(kind_of(R"({"customers":[{},{},{}]})", 2),
            std::pair(ApiErrorKind::kBatchTooLarge,
                      std::string("batch of 3 customers exceeds the limit of 2")));
  EXPECT_EQ(kind_of(R"({"customers":[)", 2).first, ApiErrorKind::kInvalidJson);

  ApiResult<std::vector<CustomerRecord>> big = DecodeBatch(R"({"customers":[{},{},{}]})", 2);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().http_status(), 413);

  ApiResult<std::vector<CustomerRecord>> empty = DecodeBatch(R"({"customers":[]})", 2);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST_F(PredictCodecTest, EncoderEscapesAndPrintsRoundTrippableNumbers) {
  std::string body =
      Replace(Customer(), R"("customerID":"7590-VHVEG")", R"("customerID":"a\"b\\c\n\u0001")");
  ApiResult<CustomerRecord> r = Decode(body);
  ASSERT_TRUE(r.ok());
  std::string out;
  EncodePrediction(*r, {0.1 + 0.2, 1}, {"m", "v", "previous_version"}, &out);
  EXPECT_EQ(out,
            R"({"customerID":"a\"b\\c\n\u0001","probability":0.30000000000000004,"prediction":1,)"
            R"("model":"m","version":"v","fallback":"previous_version"})");
}

// ---- Error bodies are bounded whatever the request holds ----

TEST_F(PredictCodecTest, ManyUnknownFieldsGiveASmallErrorBody) {
  // 80,000 unknown fields (about 1 MB): the 422 lists the first 20, quotes
  // the expected names once, and counts the rest.
  std::string body = "{";
  for (int i = 0; i < 80000; ++i) {
    if (i > 0) body += ',';
    body += "\"unknown_" + std::to_string(i) + "\":1";
  }
  body += "}";
  ApiResult<CustomerRecord> r = Decode(body);
  ASSERT_FALSE(r.ok());
  const ApiError error = r.error();
  ASSERT_EQ(error.fields.size(), kMaxFieldErrors);
  // Every unknown field and every missing required field is counted.
  size_t required = 0;
  for (const ColumnSpec& c : schema_.columns()) {
    required += c.role == ColumnRole::kFeature && !c.nullable ? 1 : 0;
  }
  EXPECT_EQ(error.fields.size() + error.more_fields, 80000 + required);
  const std::string json = error.ToJson();
  EXPECT_LT(json.size(), 2000u) << json;
  EXPECT_THAT(json, HasSubstr(",\"more_fields\":" + std::to_string(error.more_fields) + "}"));
  EXPECT_EQ(error.fields[0].message.find("unknown field (expected fields: customerID, gender"), 0u);
  EXPECT_EQ(error.fields[1].message, "unknown field");
}

TEST_F(PredictCodecTest, LongFieldNamesAreTruncatedInErrors) {
  const std::string name(100000, 'k');
  const std::vector<FieldError> errors = DecodeErrors(Customer(",\"" + name + "\":1"));
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors[0].field, std::string(kMaxQuotedBytes, 'k') + "\u2026");
}

TEST_F(PredictCodecTest, BatchOfEmptyObjectsGivesABoundedResponse) {
  // 1,000 empty objects (3 KB) each miss every required field: every
  // record still gets its entry, but the field lists stop at 200 in all.
  std::string body = R"({"customers":[)";
  for (int i = 0; i < 1000; ++i) body += i == 0 ? "{}" : ",{}";
  body += "]}";
  ApiResult<std::vector<CustomerRecord>> r = DecodeBatch(body, 1000);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(rows_.num_rows(), 0u);
  std::string out;
  EncodeBatch(*r, {}, {"churn", "1", ""}, &out);
  EXPECT_LT(out.size(), 100'000u);
  size_t listed = 0;
  for (size_t at = out.find("\"field\":"); at != std::string::npos;
       at = out.find("\"field\":", at + 1)) {
    ++listed;
  }
  EXPECT_EQ(listed, kMaxBatchFieldErrors);
  EXPECT_THAT(out,
              HasSubstr(R"({"index":999,"error":"invalid customer","fields":[],"more_fields":)"));
}

TEST_F(PredictCodecTest, BatchQuotesTheExpectedNamesOnce) {
  std::string body = R"({"customers":[)";
  for (int i = 0; i < 50; ++i) body += std::string(i == 0 ? "" : ",") + Customer(",\"x\":1");
  body += "]}";
  ApiResult<std::vector<CustomerRecord>> r = DecodeBatch(body, 100);
  ASSERT_TRUE(r.ok());
  std::string out;
  EncodeBatch(*r, {}, {"churn", "1", ""}, &out);
  size_t quoted = 0;
  for (size_t at = out.find("expected fields"); at != std::string::npos;
       at = out.find("expected fields", at + 1)) {
    ++quoted;
  }
  EXPECT_EQ(quoted, 1u);
}

}  // namespace
}  // namespace churnml::serving
