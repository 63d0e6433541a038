#include "serving/prediction_service.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <span>
#include <utility>

#include "common/build_info.h"
#include "common/json_dump.h"
#include "common/strings.h"
#include "common/time_format.h"
#include "serving/api/oip_codec.h"

namespace churnml::serving {

namespace {

using Json = nlohmann::json;

// Per-thread working memory of the prediction path, reused across requests.
struct RequestScratch {
  ModelSlot::Reader reader;
  const ServedModel* rows_model = nullptr;  // the model `rows` was made for
  Dataset rows;
  std::vector<double> probabilities;
  std::vector<Prediction> predictions;
  std::vector<CustomerRecord> one{1};
};

RequestScratch& Scratch() {
  thread_local RequestScratch scratch;
  return scratch;
}

// The thread's Dataset for `model`'s schema, emptied.
Dataset& RowsFor(RequestScratch& scratch, const ServedModel& model) {
  if (scratch.rows_model != &model) {
    scratch.rows = Dataset(model.artifact->schema());
    scratch.rows_model = &model;
  } else {
    scratch.rows.Clear();
  }
  return scratch.rows;
}

void SetJson(HttpResponse& response, int status, const Json& body) {
  response.status = status;
  response.content_type = "application/json";
  response.body = DumpJson(body);
}

void SetApiError(HttpResponse& response, const ApiError& error) {
  response.status = error.http_status();
  response.content_type = "application/json";
  response.body = error.ToJson();
}

void FillPredictions(const std::vector<double>& probabilities, double threshold,
                     std::vector<Prediction>* out) {
  out->clear();
  for (double p : probabilities) out->push_back(Prediction{p, p >= threshold ? 1 : 0});
}

// Times consecutive request stages into the profiler: Mark(stage) records
// the time since the previous mark.
class StageTimer {
 public:
  StageTimer(monitoring::StageProfiler& profiler, const Clock& clock)
      : profiler_(profiler), clock_(clock), last_(clock.Now()) {}
  void Mark(ServingStage stage) {
    Clock::TimePoint now = clock_.Now();
    profiler_.Record(stage, now - last_);
    last_ = now;
  }

 private:
  monitoring::StageProfiler& profiler_;
  const Clock& clock_;
  Clock::TimePoint last_;
};

// The fallback header, for clients that read headers only.
void TagFallback(const ScoreOutcome& outcome, HttpResponse& response) {
  if (outcome.fallback != FallbackKind::kNone) {
    response.headers.emplace_back("X-Churnml-Fallback", FallbackName(outcome.fallback));
  }
}

// With the fallback chain off, a failed model call is a 503.
bool Unanswered(const ScoreOutcome& outcome, HttpResponse& response) {
  if (outcome.error.ok() || outcome.fallback != FallbackKind::kNone) return false;
  response.SetError(503, "the model could not answer and the fallback chain is off");
  return true;
}

}  // namespace

PredictionService::PredictionService(PredictionServiceOptions options, PredictionServiceDeps deps)
    : options_(std::move(options)), deps_(deps) {}

Status PredictionService::AddRoutes(Router& router) {
  auto bind = [this](void (PredictionService::*method)(const HttpRequest&, HttpResponse&)) {
    return [this, method](const HttpRequest& request, HttpResponse& response) {
      (this->*method)(request, response);
    };
  };
  CHURNML_RETURN_IF_ERROR(router.Add("POST", "/predict", bind(&PredictionService::Predict)));
  CHURNML_RETURN_IF_ERROR(
      router.Add("POST", "/predict/batch", bind(&PredictionService::PredictBatch)));
  CHURNML_RETURN_IF_ERROR(router.Add("GET", "/health", bind(&PredictionService::Health)));
  CHURNML_RETURN_IF_ERROR(router.Add("GET", "/ready", bind(&PredictionService::Ready)));
  CHURNML_RETURN_IF_ERROR(router.Add("GET", "/info", bind(&PredictionService::Info)));
  CHURNML_RETURN_IF_ERROR(router.Add("GET", "/metrics", bind(&PredictionService::Metrics)));
  // Open Inference Protocol (KServe V2).
  CHURNML_RETURN_IF_ERROR(router.Add("GET", "/v2", [this](const HttpRequest&, HttpResponse& r) {
    r.body.clear();
    EncodeServerMetadata(options_.server_version, &r.body);
  }));
  CHURNML_RETURN_IF_ERROR(
      router.Add("GET", "/v2/health/live",
                 [](const HttpRequest&, HttpResponse& r) { r.body = R"({"live":true})"; }));
  CHURNML_RETURN_IF_ERROR(
      router.Add("GET", "/v2/health/ready", [this](const HttpRequest&, HttpResponse& r) {
        std::string reason;
        bool ready = IsReady(&reason);
        r.status = ready ? 200 : 503;
        r.body = ready ? R"({"ready":true})" : R"({"ready":false})";
      }));
  for (const char* prefix : {"/v2/models/{name}", "/v2/models/{name}/versions/{version}"}) {
    std::string base = prefix;
    CHURNML_RETURN_IF_ERROR(router.Add("GET", base, bind(&PredictionService::ModelMetadata)));
    CHURNML_RETURN_IF_ERROR(
        router.Add("GET", base + "/ready", bind(&PredictionService::ModelReady)));
    CHURNML_RETURN_IF_ERROR(router.Add("POST", base + "/infer", bind(&PredictionService::Infer)));
  }
  if (deps_.drift) {
    CHURNML_RETURN_IF_ERROR(
        router.Add("GET", "/drift", [d = deps_.drift](const HttpRequest&, HttpResponse& r) {
          r.content_type = "application/json";
          r.status = d->ReportJson(&r.body);
        }));
  }
  if (options_.fault_injection && deps_.faults) {
    CHURNML_RETURN_IF_ERROR(router.Add("GET", "/admin/faults", bind(&PredictionService::Faults)));
    CHURNML_RETURN_IF_ERROR(router.Add("POST", "/admin/faults", bind(&PredictionService::Faults)));
  }
  return Status::Ok();
}

const std::shared_ptr<const ServedModel>* PredictionService::ModelOrUnavailable(
    HttpResponse& response) {
  const std::shared_ptr<const ServedModel>& model = deps_.slot->Read(Scratch().reader);
  if (!model) {
    response.SetError(503, "no model is loaded");
    return nullptr;
  }
  return &model;
}

ScoreOutcome PredictionService::Score(const std::shared_ptr<const ServedModel>& model,
                                      const Dataset& rows, std::vector<double>* probabilities) {
  ScoreOutcome outcome;
  outcome.answered_by = model;
  reliability::CircuitBreaker* breaker = deps_.model_breaker;
  if (breaker == nullptr || breaker->TryAcquirePermission()) {
    Clock::TimePoint start = deps_.clock->Now();
    Status status = deps_.faults ? deps_.faults->BeforeModelCall() : Status::Ok();
    if (status.ok()) status = model->artifact->PredictProba(rows, probabilities);
    Clock::Duration elapsed = deps_.clock->Now() - start;
    if (status.ok() && options_.model_deadline.count() > 0 && elapsed > options_.model_deadline) {
      status = Status(StatusCode::kDeadlineExceeded,
                      "model call took " +
                          FormatDouble(std::chrono::duration<double, std::milli>(elapsed).count()) +
                          " ms, over the deadline");
    }
    if (breaker) breaker->OnResult(status, elapsed);
    if (status.ok()) {
      if (deps_.drift) deps_.drift->Record(*model, rows, *probabilities);
      return outcome;
    }
    outcome.model_failed = true;
    outcome.error = status;
  } else {
    outcome.error = breaker->NotPermittedStatus();
  }
  if (!options_.fallback) return outcome;
  // Fallback 1: the version that served before the last swap, if it reads
  // the same schema.
  std::shared_ptr<const ServedModel> previous = deps_.slot->previous();
  if (previous && previous != model && previous->artifact->schema() == model->artifact->schema() &&
      previous->artifact->PredictProba(rows, probabilities).ok()) {
    outcome.answered_by = std::move(previous);
    outcome.fallback = FallbackKind::kPreviousVersion;
    return outcome;
  }
  // Fallback 2: the training prior, the base churn rate.
  probabilities->assign(rows.num_rows(), model->artifact->positive_rate());
  outcome.fallback = FallbackKind::kPrior;
  return outcome;
}

void PredictionService::RecordOutcome(const ServedModel& model, const ScoreOutcome& outcome,
                                      const std::vector<double>& probabilities,
                                      Clock::TimePoint started) {
  int64_t positives = 0;
  double threshold = outcome.answered_by->artifact->threshold();
  for (double p : probabilities) positives += p >= threshold ? 1 : 0;
  deps_.metrics->RecordPredictions(*outcome.answered_by, positives,
                                   static_cast<int64_t>(probabilities.size()) - positives);
  deps_.metrics->RecordFallback(outcome.fallback, static_cast<int64_t>(probabilities.size()));
  if (outcome.model_failed) {
    // One line per failure would flood the log at full rate; the breaker's
    // transitions and the fallback counter carry the rate.
    spdlog::debug("model {} version {} failed: {}", model.name, model.version,
                  outcome.error.message());
  }
  if (deps_.health) {
    deps_.health->RecordRequest(deps_.clock->Now() - started, outcome.model_failed,
                                outcome.fallback != FallbackKind::kNone);
  }
}

void PredictionService::Predict(const HttpRequest& request, HttpResponse& response) {
  Clock::TimePoint started = deps_.clock->Now();
  const auto* slot_model = ModelOrUnavailable(response);
  if (!slot_model) return;
  const std::shared_ptr<const ServedModel>& model = *slot_model;
  RequestScratch& scratch = Scratch();
  StageTimer timer(deps_.metrics->profiler(), *deps_.clock);
  ApiResult<CustomerRecord> decoded = model->codec->DecodePredictRecord(request.body);
  timer.Mark(kStageDecode);
  if (!decoded.ok()) return SetApiError(response, decoded.error());
  scratch.one[0] = std::move(*decoded);
  CustomerRecord& record = scratch.one[0];

  Dataset& rows = RowsFor(scratch, *model);
  ConvertCustomers(model->converter, std::span(scratch.one), &rows);
  timer.Mark(kStageFeatures);
  if (!record.ok()) return SetApiError(response, InvalidCustomerError(record));

  ScoreOutcome outcome = Score(model, rows, &scratch.probabilities);
  timer.Mark(kStagePredict);

  if (Unanswered(outcome, response)) return;
  const ServedModel& by = *outcome.answered_by;
  FillPredictions(scratch.probabilities, by.artifact->threshold(), &scratch.predictions);
  response.body.clear();
  EncodePrediction(by.artifact->schema(), record, scratch.predictions[0],
                   ModelInfo{by.name, by.version, FallbackName(outcome.fallback)}, &response.body);
  TagFallback(outcome, response);
  timer.Mark(kStageEncode);
  RecordOutcome(*model, outcome, scratch.probabilities, started);
}

void PredictionService::PredictBatch(const HttpRequest& request, HttpResponse& response) {
  Clock::TimePoint started = deps_.clock->Now();
  const auto* slot_model = ModelOrUnavailable(response);
  if (!slot_model) return;
  const std::shared_ptr<const ServedModel>& model = *slot_model;
  RequestScratch& scratch = Scratch();
  StageTimer timer(deps_.metrics->profiler(), *deps_.clock);
  ApiResult<std::vector<CustomerRecord>> decoded =
      model->codec->DecodeBatch(request.body, options_.max_batch);
  timer.Mark(kStageDecode);
  if (!decoded.ok()) return SetApiError(response, decoded.error());
  std::vector<CustomerRecord>& records = *decoded;

  Dataset& rows = RowsFor(scratch, *model);
  ConvertCustomers(model->converter, std::span(records), &rows);
  timer.Mark(kStageFeatures);

  ScoreOutcome outcome;
  outcome.answered_by = model;
  scratch.probabilities.clear();
  if (rows.num_rows() > 0) outcome = Score(model, rows, &scratch.probabilities);
  timer.Mark(kStagePredict);

  if (Unanswered(outcome, response)) return;
  const ServedModel& by = *outcome.answered_by;
  FillPredictions(scratch.probabilities, by.artifact->threshold(), &scratch.predictions);
  response.body.clear();
  EncodeBatch(by.artifact->schema(), records, scratch.predictions,
              ModelInfo{by.name, by.version, FallbackName(outcome.fallback)}, &response.body);
  TagFallback(outcome, response);
  timer.Mark(kStageEncode);
  if (rows.num_rows() > 0) RecordOutcome(*model, outcome, scratch.probabilities, started);
}

std::shared_ptr<const ServedModel> PredictionService::NamedModel(const HttpRequest& request,
                                                                 HttpResponse& response) {
  std::shared_ptr<const ServedModel> model = deps_.slot->current();
  std::string_view name = request.Param("name");
  std::string_view version = request.Param("version");
  if (!model || name != model->name) {
    response.status = 404;
    response.body.clear();
    EncodeOipError("unknown model \"" + std::string(name) + "\"", &response.body);
    return nullptr;
  }
  if (!version.empty() && version != model->version) {
    response.status = 404;
    response.body.clear();
    EncodeOipError("model \"" + model->name + "\" is serving version " + model->version +
                       ", not \"" + std::string(version) + "\"",
                   &response.body);
    return nullptr;
  }
  return model;
}

void PredictionService::ModelMetadata(const HttpRequest& request, HttpResponse& response) {
  std::shared_ptr<const ServedModel> model = NamedModel(request, response);
  if (!model) return;
  std::vector<std::string> versions{model->version};
  response.body.clear();
  EncodeModelMetadata(model->artifact->schema(), model->name, versions, &response.body);
}

void PredictionService::ModelReady(const HttpRequest& request, HttpResponse& response) {
  std::shared_ptr<const ServedModel> model = NamedModel(request, response);
  if (!model) return;
  std::string reason;
  bool ready = IsReady(&reason);
  response.status = ready ? 200 : 503;
  response.body = DumpJson(Json{{"name", model->name}, {"ready", ready}});
}

void PredictionService::Infer(const HttpRequest& request, HttpResponse& response) {
  Clock::TimePoint started = deps_.clock->Now();
  std::shared_ptr<const ServedModel> model = NamedModel(request, response);
  if (!model) return;
  RequestScratch& scratch = Scratch();
  StageTimer timer(deps_.metrics->profiler(), *deps_.clock);
  ApiResult<InferRequest> decoded =
      model->oip->DecodeInferRequest(request.body, options_.max_batch);
  timer.Mark(kStageDecode);
  if (!decoded.ok()) return SetApiError(response, decoded.error());
  InferRequest& infer = *decoded;

  Dataset& rows = RowsFor(scratch, *model);
  ConvertCustomers(model->converter, std::span(infer.records), &rows);
  timer.Mark(kStageFeatures);
  if (rows.num_rows() != infer.records.size()) {
    return SetApiError(response, InvalidInferRowsError(infer.records));
  }

  ScoreOutcome outcome = Score(model, rows, &scratch.probabilities);
  timer.Mark(kStagePredict);

  if (Unanswered(outcome, response)) return;
  const ServedModel& by = *outcome.answered_by;
  FillPredictions(scratch.probabilities, by.artifact->threshold(), &scratch.predictions);
  response.body.clear();
  EncodeInferResponse(by.name, by.version, infer, scratch.predictions, &response.body);
  TagFallback(outcome, response);
  timer.Mark(kStageEncode);
  RecordOutcome(*model, outcome, scratch.probabilities, started);
}

bool PredictionService::IsReady(std::string* reason) {
  if (!deps_.slot->current()) {
    *reason = "no model is loaded";
    return false;
  }
  if (deps_.health && deps_.health->state() == reliability::HealthState::kCritical) {
    *reason = "health state is critical";
    return false;
  }
  return true;
}

void PredictionService::Health(const HttpRequest&, HttpResponse& response) {
  Json body;
  body["live"] = true;
  if (deps_.health) {
    std::shared_ptr<const reliability::HealthReport> report = deps_.health->current();
    body["status"] = std::string(reliability::HealthStateName(report->state));
    body["reasons"] = report->reasons;
    Json breakers = Json::array();
    for (const reliability::BreakerHealth& b : report->breakers) {
      breakers.push_back({{"name", b.name}, {"state", reliability::CircuitStateName(b.state)}});
    }
    body["breakers"] = breakers;
    body["details"] = {{"requests", report->requests},
                       {"mean_latency_ms", report->mean_latency_ms},
                       {"baseline_latency_ms", report->baseline_latency_ms},
                       {"latency_z", report->latency_z},
                       {"error_rate", report->error_rate},
                       {"fallback_rate", report->fallback_rate},
                       {"baseline_ready", report->baseline_ready}};
  } else {
    body["status"] = "healthy";
    body["reasons"] = Json::array();
  }
  monitoring::ProfileSummary profile = deps_.metrics->profiler().Summary();
  if (profile.slowest) {
    const monitoring::StageStats& slowest = profile.stages[*profile.slowest];
    body["slowest_stage"] = {{"stage", slowest.name},
                             {"share", slowest.share},
                             {"mean_seconds", slowest.mean_seconds},
                             {"summary", profile.text}};
  }
  std::shared_ptr<const ServedModel> model = deps_.slot->current();
  if (model) body["model"] = {{"name", model->name}, {"version", model->version}};
  SetJson(response, 200, body);
}

void PredictionService::Ready(const HttpRequest&, HttpResponse& response) {
  std::string reason;
  if (IsReady(&reason)) return SetJson(response, 200, Json{{"ready", true}});
  SetJson(response, 503, Json{{"ready", false}, {"reason", reason}});
}

void PredictionService::Info(const HttpRequest&, HttpResponse& response) {
  Json body;
  std::shared_ptr<const ServedModel> model = deps_.slot->current();
  if (model) {
    body["model"] = {{"name", model->name},
                     {"version", model->version},
                     {"kind", model->kind},
                     {"path", model->path.string()},
                     {"loaded_at", FormatUtcSeconds(model->loaded_at)},
                     {"threshold", model->artifact->threshold()},
                     {"positive_rate", model->artifact->positive_rate()}};
    body["schema"] = model->artifact->schema().ToJson();
  }
  if (std::shared_ptr<const ServedModel> previous = deps_.slot->previous()) {
    body["previous_version"] = previous->version;
  }
  body["build"] = {{"version", kVersion}, {"commit", kGitCommit}};
  body["started_at"] = FormatUtcSeconds(options_.started_at);
  body["uptime_seconds"] =
      std::chrono::duration<double>(std::chrono::system_clock::now() - options_.started_at).count();
  SetJson(response, 200, body);
}

void PredictionService::Metrics(const HttpRequest&, HttpResponse& response) {
  response.content_type = "text/plain; version=0.0.4; charset=utf-8";
  response.body = deps_.metrics->registry().RenderText();
}

void PredictionService::Faults(const HttpRequest& request, HttpResponse& response) {
  if (request.method == "POST") {
    Json body = Json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    if (!body.is_object()) return response.SetError(400, "invalid JSON: expected an object");
    FaultSettings settings;
    for (const auto& [key, value] : body.items()) {
      if (key == "delay_ms" && value.is_number() && value.get<double>() >= 0 &&
          value.get<double>() <= 60000) {
        settings.delay =
            std::chrono::microseconds(static_cast<int64_t>(value.get<double>() * 1000));
      } else if (key == "error_rate" && value.is_number() && value.get<double>() >= 0 &&
                 value.get<double>() <= 1) {
        settings.error_rate = value.get<double>();
      } else {
        return response.SetError(422, "field \"" + Abbreviate(key, kMaxQuotedBytes) +
                                          "\": expected delay_ms in [0, 60000] or error_rate in "
                                          "[0, 1]");
      }
    }
    deps_.faults->Set(settings);
    spdlog::warn("fault injection set: delay {} ms, error rate {}", settings.delay.count() / 1000.0,
                 settings.error_rate);
  }
  FaultSettings now = deps_.faults->Get();
  SetJson(response, 200,
          Json{{"delay_ms", now.delay.count() / 1000.0}, {"error_rate", now.error_rate}});
}

}  // namespace churnml::serving
