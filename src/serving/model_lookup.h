// The model a request is for, shared by the route groups: the serving model
// (503 when none is loaded), the one an Open Inference Protocol path names
// (404 for another name or version), and whether the server is ready.
// Reads go through the calling thread's ModelSlot::Reader (no shared lock).
#pragma once

#include <memory>
#include <string>

#include "reliability/health_monitor.h"
#include "serving/http/http_message.h"
#include "serving/model_slot.h"

namespace churnml::serving {

// The serving model, or null after answering 503 "no model is loaded". The
// pointer is the thread's snapshot: valid until this thread reads again.
const std::shared_ptr<const ServedModel>* CurrentModelOr503(const ModelSlot& slot,
                                                            HttpResponse& response);

// For /v2/models/{name}[/versions/{version}]: the serving model when the
// path names it, or null after answering 404 with an OIP error body.
const std::shared_ptr<const ServedModel>* NamedModelOr404(const ModelSlot& slot,
                                                          const HttpRequest& request,
                                                          HttpResponse& response);

// Whether the server can take traffic (a model loaded, health not
// critical), and why not. `health` may be null.
bool IsServingReady(const ModelSlot& slot, const reliability::HealthMonitor* health,
                    std::string* reason);

}  // namespace churnml::serving
