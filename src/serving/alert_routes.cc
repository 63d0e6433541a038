#include "serving/alert_routes.h"

#include <chrono>
#include <string>

#include "monitoring/alerts/alert_json.h"

namespace churnml::serving {

Status AddAlertRoutes(Router& router, monitoring::AlertEvaluator* evaluator) {
  CHURNML_RETURN_IF_ERROR(
      router.Add("GET", "/alerts", [evaluator](const HttpRequest&, HttpResponse& response) {
        response.body = monitoring::EncodeAlerts(evaluator->Alerts());
      }));
  CHURNML_RETURN_IF_ERROR(router.Add(
      "GET", "/alerts/silences", [evaluator](const HttpRequest&, HttpResponse& response) {
        response.body =
            monitoring::EncodeSilences(evaluator->ListSilences(), std::chrono::system_clock::now());
      }));
  CHURNML_RETURN_IF_ERROR(router.Add(
      "POST", "/alerts/silences", [evaluator](const HttpRequest& request, HttpResponse& response) {
        Result<monitoring::Silence> silence = monitoring::DecodeSilenceRequest(request.body);
        if (!silence.ok()) return response.SetError(400, silence.status().message());
        Result<std::string> id = evaluator->AddSilence(std::move(*silence));
        if (!id.ok()) return response.SetError(400, id.status().message());
        response.status = 201;
        response.body = monitoring::EncodeSilenceId(*id);
      }));
  return router.Add("DELETE", "/alerts/silences/{id}",
                    [evaluator](const HttpRequest& request, HttpResponse& response) {
                      Status expired = evaluator->ExpireSilence(std::string(request.Param("id")));
                      if (expired.code() == StatusCode::kNotFound) {
                        return response.SetError(404, expired.message());
                      }
                      if (!expired.ok()) return response.SetError(409, expired.message());
                      response.body = "{}";
                    });
}

}  // namespace churnml::serving
