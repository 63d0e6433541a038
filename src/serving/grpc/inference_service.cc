#include "serving/grpc/inference_service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/build_info.h"
#include "serving/grpc/infer_tensors.h"
#include "serving/http/response_head.h"
#include "serving/model_lookup.h"
#include "serving/scoring.h"

namespace churnml::serving {

namespace {

constexpr std::string_view kServicePath = "/inference.GRPCInferenceService/";

// The calling gRPC thread's working memory, reused across calls (the rows,
// readers and scores are the thread's RequestScratch, scoring.h).
struct ThreadState {
  std::shared_ptr<const ServedModel> decoder_model;  // the model `decoder` is for
  std::unique_ptr<InferTensorDecoder> decoder;
  Explanations explanations;
  std::string request_id;
};

// The request id of a ModelInfer call (the prediction log's, and the A/B
// split's key when the rows carry no customer id): the request's "id"
// field, else the "x-request-id" metadata, when sane; else one made here.
void RequestIdFor(const inference::ModelInferRequest& request, const grpc::ServerContext& context,
                  std::string* out);

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

void RequestIdFor(const inference::ModelInferRequest& request, const grpc::ServerContext& context,
                  std::string* out) {
  if (IsSaneRequestId(request.id())) {
    out->assign(request.id());
    return;
  }
  const std::string_view header = Metadata(context, "x-request-id");
  if (IsSaneRequestId(header)) {
    out->assign(header);
    return;
  }
  static std::atomic<uint64_t> next{0};
  *out = fmt::format("grpc-{:x}-{:x}", static_cast<unsigned>(::getpid()),
                     next.fetch_add(1, std::memory_order_relaxed));
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

const ScoringPlan& GrpcInferenceService::plan() const {
  if (deps_.plan != nullptr) return *deps_.plan;
  thread_local ScoringPlan single;  // a front end without variants (unit tests)
  if (single.lanes.empty()) single.lanes.push_back({"primary", nullptr, {}});
  single.lanes[0].scorer = deps_.scorer;
  return single;
}

grpc::Status GrpcInferenceService::ModelInfer(grpc::ServerContext* context,
                                              const inference::ModelInferRequest* request,
                                              inference::ModelInferResponse* response) {
  Call call(deps_, context, "ModelInfer", "/v2/models/" + request->model_name() + "/infer");
  if (auto refused = call.Admit()) return *refused;
  const ScoringPlan& plan = this->plan();
  const Scorer& primary = *plan.lanes[0].scorer;
  const Clock::TimePoint started = primary.clock().Now();
  ThreadState& state = State();
  RequestScratch& scratch = ThreadScratch();
  const std::shared_ptr<const ServedModel>& model = primary.slot().Read(scratch.reader);
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
    state.decoder_model = model;
  }
  StageTimer timer(primary.metrics().profiler(), primary.clock());
  Dataset& rows = RowsFor(scratch, *model);
  DecodedInfer decoded;
  if (auto error = state.decoder->Decode(*request, deps_.max_batch, &rows, &decoded)) {
    return call.Fail(error->kind == InferDecodeError::Kind::kTooLarge ? 413 : 400,
                     std::move(error->message));
  }
  timer.Mark(kStageDecode);

  // The customer's A/B lane, picked as HTTP picks it (scoring.h): the
  // first customer's id, else the request id.
  RequestIdFor(*request, *context, &state.request_id);
  PlannedScore planned = PlanLane(plan, scratch, model, rows, state.request_id);
  const ServedModel& asked = **planned.model;
  if (decoded.explain && !asked.explainer) {
    return call.Fail(409,
                     "this model cannot explain its answers: " + asked.explain_error.message());
  }
  ScorePlanned(plan, scratch, rows, planned);
  const ScoreOutcome& outcome = planned.outcome;
  if (outcome.fallback == FallbackKind::kNone && !outcome.error.ok()) {
    return call.Fail(503, "the model failed and the fallback chain is off");
  }
  const ServedModel& by = *outcome.answered_by;
  InferAnswer answer;
  answer.model_name = by.name;
  answer.model_version = by.version;
  answer.probabilities = scratch.probabilities;
  answer.threshold = by.artifact->threshold();
  answer.fallback = FallbackName(outcome.fallback);
  answer.variant = planned.variant;
  // Explanations are of the model that answered; a fallback answer has none.
  if (decoded.explain && outcome.fallback == FallbackKind::kNone && rows.num_rows() > 0) {
    Status explained = by.explainer->Explain(rows, &state.explanations);
    if (!explained.ok()) {
      spdlog::error("grpc ModelInfer: explaining {} version {}: {}", by.name, by.version,
                    explained.message());
      return call.Fail(500, "explaining the answer failed");
    }
    answer.features = by.explainer->feature_names();
    answer.contributions = state.explanations.contributions;
    answer.base_values = state.explanations.base_values;
  }
  timer.Mark(kStagePredict);
  EncodeInferResponse(*request, decoded, answer, response);
  if (!planned.variant.empty()) {
    context->AddInitialMetadata("x-churnml-variant", std::string(planned.variant));
  }
  timer.Mark(kStageEncode);
  FillPredictions(scratch.probabilities, answer.threshold, &scratch.predictions);
  RecordByPlan(plan, planned, rows, state.request_id, scratch.probabilities, scratch.predictions,
               started);
  return call.Ok();
}

}  // namespace churnml::serving
