#include "cli/model_ref.h"

namespace churnml::cli {

const ModelRegistry& BuiltinModels() {
  static const ModelRegistry* registry = [] {
    auto* r = new ModelRegistry();
    Status s = RegisterBuiltinModels(*r);
    if (!s.ok()) {
      ReportError(s);
      std::exit(kExitError);
    }
    return r;
  }();
  return *registry;
}

Result<std::shared_ptr<const ModelArtifact>> LoadModelRef(const std::string& ref,
                                                          const GlobalOptions& /*globals*/) {
  return ModelArtifact::Load(ref, BuiltinModels());
}

Result<Schema> LoadSchemaOption(const std::string& path) {
  if (path.empty()) return Schema::Telco();
  return Schema::FromYamlFile(path);
}

}  // namespace churnml::cli
