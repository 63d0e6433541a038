// KServe's inference.GRPCInferenceService (ServerLive, ServerReady,
// ModelReady, ServerMetadata, ModelMetadata, ModelInfer) over the serving
// layer's shared parts (frontend.h): each call passes the same RequestGate
// as its HTTP twin (the API key from the "authorization: Bearer …"
// metadata, the per-key rate limit, open health checks), is scored by the
// same scoring plan (scoring.h: the customer's A/B variant by the same
// hash as HTTP, each lane's breaker, deadline and fallback chain, the
// prediction and variant metrics, live drift, the prediction log and the
// shadow) and is counted in churnml_http_requests_total and the latency
// histogram under its gRPC method path. A variant's answer names it in the
// response parameter "variant" and the initial metadata
// "x-churnml-variant"; explain=true is answered by that variant's model.
//
// Status codes: 401 → UNAUTHENTICATED, 429 → RESOURCE_EXHAUSTED (with
// "retry-after" trailing metadata), bad input → INVALID_ARGUMENT, a batch
// over the limit → RESOURCE_EXHAUSTED, another model name or version →
// NOT_FOUND, no model or the model failed without a fallback → UNAVAILABLE,
// explain on a model that cannot → FAILED_PRECONDITION.
//
// Thread safety: every method runs concurrently on gRPC's threads; the
// decoder and rows are per thread, the model is the thread's snapshot.
#pragma once

#include <grpcpp/grpcpp.h>

#include "grpc_predict_v2.grpc.pb.h"
#include "serving/frontend.h"

namespace churnml::serving {

class GrpcInferenceService final : public inference::GRPCInferenceService::Service {
 public:
  explicit GrpcInferenceService(FrontendDeps deps) : deps_(std::move(deps)) {}

  grpc::Status ServerLive(grpc::ServerContext* context, const inference::ServerLiveRequest* request,
                          inference::ServerLiveResponse* response) override;
  grpc::Status ServerReady(grpc::ServerContext* context,
                           const inference::ServerReadyRequest* request,
                           inference::ServerReadyResponse* response) override;
  grpc::Status ModelReady(grpc::ServerContext* context, const inference::ModelReadyRequest* request,
                          inference::ModelReadyResponse* response) override;
  grpc::Status ServerMetadata(grpc::ServerContext* context,
                              const inference::ServerMetadataRequest* request,
                              inference::ServerMetadataResponse* response) override;
  grpc::Status ModelMetadata(grpc::ServerContext* context,
                             const inference::ModelMetadataRequest* request,
                             inference::ModelMetadataResponse* response) override;
  grpc::Status ModelInfer(grpc::ServerContext* context, const inference::ModelInferRequest* request,
                          inference::ModelInferResponse* response) override;

 private:
  class Call;
  // deps_.plan, or the primary scorer alone when the deps carry no plan.
  const ScoringPlan& plan() const;
  FrontendDeps deps_;
};

}  // namespace churnml::serving
