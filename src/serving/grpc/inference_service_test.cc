// GrpcInferenceService over a real socket: a grpc::Server on an ephemeral
// loopback port (GrpcFrontendFactory) in front of the route-group test
// fixture's model, scorer and metrics, behind a RequestGate with an API
// key, called through the generated C++ stub.
#include "serving/grpc/inference_service.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>

#include "serving/grpc/grpc_frontend.h"
#include "serving/grpc/infer_tensors.h"
#include "serving/route_test_support.h"

namespace churnml::serving {
namespace {

using ::testing::HasSubstr;

constexpr char kKey[] = "grpc-test-key-0123456789abcdef-0123";

// The Telco customer of route_test_support.h as tensors.
inference::ModelInferRequest OneCustomer(bool explain) {
  inference::ModelInferRequest r;
  r.set_model_name("churn");
  auto bytes = [&](const char* name, const char* value) {
    auto* in = r.add_inputs();
    in->set_name(name);
    in->set_datatype("BYTES");
    in->add_shape(1);
    in->mutable_contents()->add_bytes_contents(value);
  };
  auto number = [&](const char* name, double value) {
    auto* in = r.add_inputs();
    in->set_name(name);
    in->set_datatype("FP64");
    in->add_shape(1);
    in->mutable_contents()->add_fp64_contents(value);
  };
  bytes("customerID", "7590-VHVEG");
  bytes("gender", "Female");
  number("SeniorCitizen", 0);
  bytes("Partner", "Yes");
  bytes("Dependents", "No");
  number("tenure", 1);
  bytes("PhoneService", "No");
  bytes("MultipleLines", "No phone service");
  bytes("InternetService", "DSL");
  bytes("OnlineSecurity", "No");
  bytes("OnlineBackup", "Yes");
  bytes("DeviceProtection", "No");
  bytes("TechSupport", "No");
  bytes("StreamingTV", "No");
  bytes("StreamingMovies", "No");
  bytes("Contract", "Month-to-month");
  bytes("PaperlessBilling", "Yes");
  bytes("PaymentMethod", "Electronic check");
  number("MonthlyCharges", 29.85);
  number("TotalCharges", 29.85);
  if (explain) (*r.mutable_parameters())["explain"].set_bool_param(true);
  return r;
}

class GrpcInferenceServiceTest : public testing::RouteGroupTest {
 protected:
  void SetUp() override {
    RouteGroupTest::SetUp();
    auto keys = ApiKeySet::Load(ApiKeySources{.file = "", .keys = kKey});
    ASSERT_TRUE(keys.ok()) << keys.status().ToString();
    keys_ = std::move(keys).value();
    RequestGateOptions gate_options;
    gate_options.open_paths = {"/v2/health/live", "/v2/health/ready"};
    gate_ = std::make_unique<RequestGate>(gate_options, &keys_, nullptr, metrics_);
    FrontendDeps deps;
    deps.scorer = scorer_.get();
    deps.slot = &slot_;
    deps.gate = gate_.get();
    deps.metrics = metrics_;
    deps.max_batch = 10;
    auto frontend = GrpcFrontendFactory({.host = "127.0.0.1", .port = 0, .max_threads = 4})(deps);
    ASSERT_TRUE(frontend.ok()) << frontend.status().ToString();
    frontend_ = std::move(frontend).value();
    const std::string address = frontend_->Describe().substr(std::string("gRPC on ").size());
    stub_ = inference::GRPCInferenceService::NewStub(
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  }

  void Authorize(grpc::ClientContext& context) {
    context.AddMetadata("authorization", std::string("Bearer ") + kKey);
  }

  double DirectProbability() {
    Dataset rows(model_->artifact->schema());
    EXPECT_TRUE(model_->codec->DecodePredict(testing::kCustomerJson, &rows).ok());
    std::vector<double> p;
    EXPECT_TRUE(model_->artifact->PredictProba(rows, &p).ok());
    return p.at(0);
  }

  ApiKeySet keys_;
  std::unique_ptr<RequestGate> gate_;
  std::unique_ptr<Frontend> frontend_;
  std::unique_ptr<inference::GRPCInferenceService::Stub> stub_;
};

TEST_F(GrpcInferenceServiceTest, LivenessIsOpenAndInferNeedsTheKey) {
  grpc::ClientContext live_context;
  inference::ServerLiveResponse live;
  ASSERT_TRUE(stub_->ServerLive(&live_context, {}, &live).ok());
  EXPECT_TRUE(live.live());

  grpc::ClientContext context;
  inference::ModelInferResponse response;
  grpc::Status status = stub_->ModelInfer(&context, OneCustomer(false), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("missing API key"));

  grpc::ClientContext wrong;
  wrong.AddMetadata("authorization", "Bearer wrong-key-wrong-key-wrong-key-wrong");
  status = stub_->ModelInfer(&wrong, OneCustomer(false), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("invalid API key"));
}

TEST_F(GrpcInferenceServiceTest, InferAnswersTheModelsProbabilityAndCountsTheCall) {
  grpc::ClientContext context;
  Authorize(context);
  inference::ModelInferResponse response;
  grpc::Status status = stub_->ModelInfer(&context, OneCustomer(false), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.model_name(), "churn");
  ASSERT_EQ(response.outputs_size(), 2);
  EXPECT_EQ(response.outputs(0).contents().fp64_contents(0), DirectProbability());
  const std::string text = registry_->RenderText();
  EXPECT_THAT(text, HasSubstr("/inference.GRPCInferenceService/ModelInfer"));
}

TEST_F(GrpcInferenceServiceTest, ExplainAddsContributionsThatAddUpToTheLogOdds) {
  grpc::ClientContext context;
  Authorize(context);
  inference::ModelInferResponse response;
  grpc::Status status = stub_->ModelInfer(&context, OneCustomer(true), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.outputs_size(), 4);
  const auto& contributions = response.outputs(2);
  EXPECT_EQ(contributions.name(), "contributions");
  EXPECT_EQ(contributions.parameters().at("unit").string_param(), "log-odds");
  ASSERT_EQ(contributions.shape_size(), 2);
  EXPECT_EQ(contributions.shape(1), 19);
  double sum = response.outputs(3).contents().fp64_contents(0);
  for (double c : contributions.contents().fp64_contents()) sum += c;
  const double p = response.outputs(0).contents().fp64_contents(0);
  EXPECT_NEAR(sum, std::log(p / (1 - p)), 1e-9);
}

TEST_F(GrpcInferenceServiceTest, BadInputOtherModelAndBigBatchAreRefused) {
  inference::ModelInferResponse response;
  inference::ModelInferRequest bad = OneCustomer(false);
  bad.mutable_inputs(5)->mutable_contents()->set_fp64_contents(0, 99);
  grpc::ClientContext c1;
  Authorize(c1);
  grpc::Status status = stub_->ModelInfer(&c1, bad, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("input \"tenure\" element 0"));

  inference::ModelInferRequest other = OneCustomer(false);
  other.set_model_name("other");
  grpc::ClientContext c2;
  Authorize(c2);
  EXPECT_EQ(stub_->ModelInfer(&c2, other, &response).error_code(), grpc::StatusCode::NOT_FOUND);

  inference::ModelInferRequest big = OneCustomer(false);
  for (auto& in : *big.mutable_inputs()) {
    in.set_shape(0, 11);
    auto* c = in.mutable_contents();
    for (int i = 0; i < 10; ++i) {
      if (in.datatype() == "BYTES")
        c->add_bytes_contents(c->bytes_contents(0));
      else
        c->add_fp64_contents(c->fp64_contents(0));
    }
  }
  grpc::ClientContext c3;
  Authorize(c3);
  status = stub_->ModelInfer(&c3, big, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("batch of 11 rows, the limit is 10"));
}

TEST_F(GrpcInferenceServiceTest, MetadataDescribesInputsAndOutputs) {
  grpc::ClientContext context;
  Authorize(context);
  inference::ModelMetadataRequest request;
  request.set_name("churn");
  inference::ModelMetadataResponse response;
  ASSERT_TRUE(stub_->ModelMetadata(&context, request, &response).ok());
  EXPECT_EQ(response.platform(), "churnml");
  EXPECT_EQ(response.inputs(0).name(), "customerID");
  ASSERT_EQ(response.outputs_size(), 4);
  EXPECT_EQ(response.outputs(2).shape(1), 19);
}

}  // namespace
}  // namespace churnml::serving
