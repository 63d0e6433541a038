#include "serving/grpc/inference_service.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/build_info.h"
#include "serving/grpc/infer_tensors.h"
#include "serving/model_lookup.h"
#include "serving/scoring.h"

namespace churnml::serving {

namespace {

constexpr std::string_view kServicePath = "/inference.GRPCInferenceService/";

// The calling gRPC thread's working memory, reused across calls.
struct ThreadState {
  ModelSlot::Reader reader;
  std::shared_ptr<const ServedModel> decoder_model;  // the model `decoder` and `rows` are for
  std::unique_ptr<InferTensorDecoder> decoder;
  Dataset rows;
  std::vector<double> probabilities;
  Explanations explanations;
};

ThreadState& State() {
  thread_local ThreadState state;
  return state;
}

// "ipv4:127.0.0.1:5000" → "127.0.0.1:5000" (the gate's host:port form).
std::string PeerAddress(const grpc::ServerContext& context) {
  std::string peer = context.peer();
  const size_t colon = peer.find(':');
  if (peer.rfind("ipv4:", 0) == 0 || peer.rfind("ipv6:", 0) == 0) peer.erase(0, colon + 1);
  return peer;
}

std::string_view Metadata(const grpc::ServerContext& context, std::string_view key) {
  const auto& metadata = context.client_metadata();
  const auto found = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (found == metadata.end()) return {};
  return {found->second.data(), found->second.size()};
}

grpc::StatusCode CodeFor(int http_status) {
  switch (http_status) {
    case 200:
      return grpc::StatusCode::OK;
    case 400:
      return grpc::StatusCode::INVALID_ARGUMENT;
    case 401:
      return grpc::StatusCode::UNAUTHENTICATED;
    case 404:
      return grpc::StatusCode::NOT_FOUND;
    case 409:
      return grpc::StatusCode::FAILED_PRECONDITION;
    case 413:
    case 429:
      return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case 503:
      return grpc::StatusCode::UNAVAILABLE;
    default:
      return grpc::StatusCode::INTERNAL;
  }
}

std::string_view DatatypeOf(const ColumnSpec& column) {
  if (column.role == ColumnRole::kId || column.type == ColumnType::kCategorical) return "BYTES";
  return column.type == ColumnType::kInteger ? "INT64" : "FP64";
}

}  // namespace

// One call: gated as its HTTP twin, counted in the request metrics when it
// ends, with the HTTP status its outcome corresponds to.
class GrpcInferenceService::Call {
 public:
  Call(const FrontendDeps& deps, grpc::ServerContext* context, std::string_view method,
       std::string http_path)
      : deps_(deps),
        context_(context),
        route_(std::string(kServicePath) + std::string(method)),
        http_path_(std::move(http_path)),
        started_(std::chrono::steady_clock::now()) {}

  ~Call() {
    deps_.metrics->RecordRequest(route_, "POST", http_status_,
                                 std::chrono::steady_clock::now() - started_);
  }

  // Authentication and rate limit; the refusal to return, if any.
  std::optional<grpc::Status> Admit() {
    const std::string address = PeerAddress(*context_);
    HttpRequest request;
    request.method = "POST";
    request.target = request.path = http_path_;
    request.remote_address = address;
    const std::string_view authorization = Metadata(*context_, "authorization");
    if (!authorization.empty()) request.headers.push_back({"Authorization", authorization});
    HttpResponse response;
    const bool admitted = deps_.gate->Admit(request, response);
    for (const auto& [name, value] : response.headers) {
      std::string key = name;
      for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (key == "www-authenticate") continue;
      if (admitted) {
        context_->AddInitialMetadata(key, value);
      } else {
        context_->AddTrailingMetadata(key, value);
      }
    }
    if (admitted) return std::nullopt;
    const bool auth = response.status == 401;
    return Fail(response.status, auth ? (Metadata(*context_, "authorization").empty()
                                             ? "missing API key: send metadata authorization: "
                                               "Bearer <key>"
                                             : "invalid API key")
                                      : "rate limit exceeded");
  }

  grpc::Status Fail(int http_status, std::string message) {
    http_status_ = http_status;
    return grpc::Status(CodeFor(http_status), std::move(message));
  }
  grpc::Status Ok() { return grpc::Status::OK; }

 private:
  const FrontendDeps& deps_;
  grpc::ServerContext* context_;
  std::string route_;
  std::string http_path_;
  std::chrono::steady_clock::time_point started_;
  int http_status_ = 200;
};

grpc::Status GrpcInferenceService::ServerLive(grpc::ServerContext* context,
                                              const inference::ServerLiveRequest*,
                                              inference::ServerLiveResponse* response) {
  Call call(deps_, context, "ServerLive", "/v2/health/live");
  if (auto refused = call.Admit()) return *refused;
  response->set_live(true);
  return call.Ok();
}

grpc::Status GrpcInferenceService::ServerReady(grpc::ServerContext* context,
                                               const inference::ServerReadyRequest*,
                                               inference::ServerReadyResponse* response) {
  Call call(deps_, context, "ServerReady", "/v2/health/ready");
  if (auto refused = call.Admit()) return *refused;
  std::string reason;
  response->set_ready(IsServingReady(*deps_.slot, deps_.health, &reason));
  return call.Ok();
}

grpc::Status GrpcInferenceService::ModelReady(grpc::ServerContext* context,
                                              const inference::ModelReadyRequest* request,
                                              inference::ModelReadyResponse* response) {
  Call call(deps_, context, "ModelReady", "/v2/models/" + request->name() + "/ready");
  if (auto refused = call.Admit()) return *refused;
  const std::shared_ptr<const ServedModel> model = deps_.slot->current();
  if (!model || model->name != request->name() ||
      (!request->version().empty() && request->version() != model->version)) {
    return call.Fail(404, "unknown model \"" + request->name() + "\"" +
                              (request->version().empty() ? "" : " version " + request->version()));
  }
  std::string reason;
  response->set_ready(IsServingReady(*deps_.slot, deps_.health, &reason));
  return call.Ok();
}

grpc::Status GrpcInferenceService::ServerMetadata(grpc::ServerContext* context,
                                                  const inference::ServerMetadataRequest*,
                                                  inference::ServerMetadataResponse* response) {
  Call call(deps_, context, "ServerMetadata", "/v2");
  if (auto refused = call.Admit()) return *refused;
  response->set_name("churnml");
  response->set_version(deps_.server_version.empty() ? std::string(kVersion)
                                                     : deps_.server_version);
  return call.Ok();
}

grpc::Status GrpcInferenceService::ModelMetadata(grpc::ServerContext* context,
                                                 const inference::ModelMetadataRequest* request,
                                                 inference::ModelMetadataResponse* response) {
  Call call(deps_, context, "ModelMetadata", "/v2/models/" + request->name());
  if (auto refused = call.Admit()) return *refused;
  const std::shared_ptr<const ServedModel> model = deps_.slot->current();
  if (!model || model->name != request->name() ||
      (!request->version().empty() && request->version() != model->version)) {
    return call.Fail(404, "unknown model \"" + request->name() + "\"");
  }
  response->set_name(model->name);
  response->add_versions(model->version);
  response->set_platform("churnml");
  for (const ColumnSpec& column : model->artifact->schema().columns()) {
    if (column.role == ColumnRole::kTarget) continue;
    auto* input = response->add_inputs();
    input->set_name(column.name);
    input->set_datatype(std::string(DatatypeOf(column)));
    input->add_shape(-1);
  }
  auto add_output = [&](std::string_view name, std::string_view datatype, bool matrix) {
    auto* output = response->add_outputs();
    output->set_name(std::string(name));
    output->set_datatype(std::string(datatype));
    output->add_shape(-1);
    if (matrix) {
      output->add_shape(
          model->explainer ? static_cast<int64_t>(model->explainer->feature_names().size()) : -1);
    }
  };
  add_output(kInferProbability, "FP64", false);
  add_output(kInferPrediction, "INT64", false);
  if (model->explainer) {
    add_output(kInferContributions, "FP64", true);
    add_output(kInferBaseValue, "FP64", false);
  }
  return call.Ok();
}

grpc::Status GrpcInferenceService::ModelInfer(grpc::ServerContext* context,
                                              const inference::ModelInferRequest* request,
                                              inference::ModelInferResponse* response) {
  Call call(deps_, context, "ModelInfer", "/v2/models/" + request->model_name() + "/infer");
  if (auto refused = call.Admit()) return *refused;
  const Scorer& scorer = *deps_.scorer;
  const Clock::TimePoint started = scorer.clock().Now();
  ThreadState& state = State();
  const std::shared_ptr<const ServedModel>& model = deps_.slot->Read(state.reader);
  if (!model) return call.Fail(503, "no model is loaded");
  if (request->model_name() != model->name ||
      (!request->model_version().empty() && request->model_version() != model->version)) {
    return call.Fail(
        404, "unknown model \"" + request->model_name() + "\"" +
                 (request->model_version().empty() ? "" : " version " + request->model_version()) +
                 " (serving \"" + model->name + "\" version " + model->version + ")");
  }
  if (state.decoder_model != model) {
    state.decoder = std::make_unique<InferTensorDecoder>(model->artifact->schema());
    state.rows = Dataset(model->artifact->schema());
    state.decoder_model = model;
  }
  StageTimer timer(scorer.metrics().profiler(), scorer.clock());
  state.rows.Clear();
  DecodedInfer decoded;
  if (auto error = state.decoder->Decode(*request, deps_.max_batch, &state.rows, &decoded)) {
    return call.Fail(error->kind == InferDecodeError::Kind::kTooLarge ? 413 : 400,
                     std::move(error->message));
  }
  if (decoded.explain && !model->explainer) {
    return call.Fail(409,
                     "this model cannot explain its answers: " + model->explain_error.message());
  }
  timer.Mark(kStageDecode);

  ScoreOutcome outcome;
  outcome.answered_by = model;
  state.probabilities.clear();
  if (state.rows.num_rows() > 0) outcome = scorer.Score(model, state.rows, &state.probabilities);
  if (outcome.fallback == FallbackKind::kNone && !outcome.error.ok()) {
    return call.Fail(503, "the model failed and the fallback chain is off");
  }
  InferAnswer answer;
  const ServedModel& by = *outcome.answered_by;
  answer.model_name = by.name;
  answer.model_version = by.version;
  answer.probabilities = state.probabilities;
  answer.threshold = by.artifact->threshold();
  answer.fallback = FallbackName(outcome.fallback);
  // Explanations are of the model that answered; a fallback answer has none.
  if (decoded.explain && outcome.fallback == FallbackKind::kNone && state.rows.num_rows() > 0) {
    Status explained = model->explainer->Explain(state.rows, &state.explanations);
    if (!explained.ok()) {
      spdlog::error("grpc ModelInfer: explaining {} version {}: {}", model->name, model->version,
                    explained.message());
      return call.Fail(500, "explaining the answer failed");
    }
    answer.features = model->explainer->feature_names();
    answer.contributions = state.explanations.contributions;
    answer.base_values = state.explanations.base_values;
  }
  timer.Mark(kStagePredict);
  EncodeInferResponse(*request, decoded, answer, response);
  timer.Mark(kStageEncode);
  if (state.rows.num_rows() > 0) scorer.Record(*model, outcome, state.probabilities, started);
  return call.Ok();
}

}  // namespace churnml::serving
