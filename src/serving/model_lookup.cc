#include "serving/model_lookup.h"

#include <string_view>

#include "serving/api/oip_codec.h"
#include "serving/scoring.h"

namespace churnml::serving {

const std::shared_ptr<const ServedModel>* CurrentModelOr503(const ModelSlot& slot,
                                                            HttpResponse& response) {
  const std::shared_ptr<const ServedModel>& model = slot.Read(ThreadScratch().reader);
  if (!model) {
    response.SetError(503, "no model is loaded");
    return nullptr;
  }
  return &model;
}

const std::shared_ptr<const ServedModel>* NamedModelOr404(const ModelSlot& slot,
                                                          const HttpRequest& request,
                                                          HttpResponse& response) {
  const std::shared_ptr<const ServedModel>& model = slot.Read(ThreadScratch().reader);
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
  return &model;
}

bool IsServingReady(const ModelSlot& slot, const reliability::HealthMonitor* health,
                    std::string* reason) {
  if (!slot.current()) {
    *reason = "no model is loaded";
    return false;
  }
  if (health && health->state() == reliability::HealthState::kCritical) {
    *reason = "health state is critical";
    return false;
  }
  return true;
}

}  // namespace churnml::serving
